/*
 * cmd_iobench.c - `kvmlab iobench`: one workload through each I/O path
 * (vmm/measure/iobench.c runs them, vmm/report/iobench_report.c shows them);
 * this file parses the options and calls them.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "kvmlab.h"

static int iob_usage(FILE *f, int rc)
{
	fprintf(f,
		"usage: kvmlab iobench [--total SIZE] [--chunk SIZE] [--batch N] [--repeat N]\n"
		"                      [--path NAME]... [--json]\n\n"
		"Moves the same bytes out of a guest through each I/O path and compares\n"
		"exits and cost: uart, virtio-exit, virtio-ioeventfd, virtio-poll, mmio,\n"
		"coalesced-mmio (docs/io.md).\n\n"
		"  --total SIZE   bytes per run (default 16K; up to 64M)\n"
		"  --chunk SIZE   bytes per buffer / chunk (default 256; 1 to 4K)\n"
		"  --batch N      virtio buffers per doorbell (default 8; 1 to 64)\n"
		"  --repeat N     runs per path; cycles are the median (default 3; 1 to %d)\n"
		"  --path NAME    run only this path (repeatable)\n"
		"  --json         one JSON document (docs/json-schema.md, \"iobench\")\n", IOB_REPEAT_MAX);
	return rc;
}

int cmd_iobench(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "total", required_argument, NULL, 'T' }, { "chunk", required_argument, NULL, 'K' },
		{ "batch", required_argument, NULL, 'B' }, { "repeat", required_argument, NULL, 'r' },
		{ "path", required_argument, NULL, 'p' }, { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	static struct iobench b = { .param = { [IOPARAM_TOTAL] = 16384, [IOPARAM_CHUNK] = 256, [IOPARAM_BATCH] = 8 } };
	uint32_t *param = b.param;
	bool *want = b.want, some = false, json = false;
	uint64_t repeat = 3;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'T': case 'K': case 'B':
			if (io_param_parse(c == 'T' ? IOPARAM_TOTAL : c == 'K' ? IOPARAM_CHUNK : IOPARAM_BATCH,
					   optarg, param) != 0) {
				fprintf(stderr, "kvmlab iobench: '%s' is out of range (see kvmlab iobench --help)\n", optarg);
				return XC_USAGE;
			}
			break;
		case 'r':
			if (parse_u64(optarg, &repeat) != 0 || repeat < 1 || repeat > IOB_REPEAT_MAX) {
				fprintf(stderr, "kvmlab iobench: --repeat '%s': 1 to %d\n", optarg, IOB_REPEAT_MAX);
				return XC_USAGE;
			}
			break;
		case 'p': {
			int i = iob_path_find(optarg);
			if (i < 0) {
				fprintf(stderr, "kvmlab iobench: unknown path '%s' (see kvmlab iobench --help)\n", optarg);
				return XC_USAGE;
			}
			want[i] = some = true;
			break;
		}
		case 'j': json = true; break;
		case 'h': return iob_usage(stdout, XC_OK);
		default:
			fprintf(stderr, "kvmlab iobench: unknown or incomplete option '%s' (see kvmlab iobench --help)\n",
				argv[optind - 1]);
			return XC_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "kvmlab iobench: unexpected argument '%s'\n", argv[optind]);
		return XC_USAGE;
	}

	struct kvm k;
	struct host_info host;
	char err[512];
	int rc = kvm_open(&k, err, sizeof(err));
	if (rc != XC_OK) {
		fprintf(stderr, "kvmlab: %s\n", err);
		return rc;
	}
	host_probe(&host);

	if (!some)
		for (int i = 0; i < IOB_NPATHS; i++)
			want[i] = true;
	b.repeat = (int)repeat;
	int worst = iob_run(&b, &k);
	if (json)
		iob_report_json(&b, &host, &k, stdout);
	else
		iob_report_text(&b, &host, stdout);
	iob_free(&b);
	kvm_close(&k);
	return worst;
}
