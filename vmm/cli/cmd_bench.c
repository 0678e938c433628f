/*
 * cmd_bench.c - `kvmlab bench`: what each kind of VM exit costs on this host.
 *
 * Runs every case of bench_cases.c (or those --filter picks) in its own VM,
 * then prints one report.  A case that hangs, crashes or fails emulation is
 * reported as such and the suite goes on.  Method: docs/measurement.md.
 */
#include <fnmatch.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvmlab.h"

#define BENCH_TIMEOUT_DEFAULT 20.0
#define BENCH_ITERS_MAX  10000000u
#define BENCH_REPEAT_MAX 10000u

static void bench_usage(FILE *f)
{
	fprintf(f,
		"usage: kvmlab bench [options]\n\n"
		"Measures the cost of VM exits and of instructions a hypervisor may intercept:\n"
		"cycles and ns per operation net of an empty loop, where each was handled\n"
		"(no exit / in the kernel / in kvmlab, derived from counters), and the spread.\n\n"
		"  --filter PATTERNS  comma-separated case names or globs (e.g. 'pio-*,cpuid')\n"
		"  --iters N          iterations per sample (default %d)\n"
		"  --repeat R         samples per case (default %d); median, p99 and CV are over these\n"
		"  --timeout SECS     per case (default %.0f; vmcall uses 1 s at most)\n"
		"  --json | --csv     machine-readable output (docs/json-schema.md, \"bench\")\n"
		"  --list             list the cases and exit\n"
		"  -h, --help         this text\n\n"
		"Exit code 0 when every selected case ran or was classified (hangs, internal\n"
		"error); 2 on bad options or a filter that matches nothing; 7 on host errors.\n",
		BENCH_ITERS_DEFAULT, BENCH_REPEAT_DEFAULT, BENCH_TIMEOUT_DEFAULT);
}

/* True if name matches one of the comma-separated fnmatch(3) patterns. */
static bool filter_match(const char *filter, const char *name)
{
	char buf[512];

	if (!filter)
		return true;
	snprintf(buf, sizeof(buf), "%s", filter);
	for (char *save = NULL, *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save))
		if (fnmatch(p, name, 0) == 0)
			return true;
	return false;
}

static int parse_count(const char *s, uint32_t max, uint32_t *out)
{
	uint64_t v;

	if (parse_u64(s, &v) != 0 || v == 0 || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int cmd_bench(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "filter", required_argument, NULL, 'f' },
		{ "iters", required_argument, NULL, 'i' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "csv", no_argument, NULL, 'c' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct bench_opts o = { .iters = BENCH_ITERS_DEFAULT, .repeat = BENCH_REPEAT_DEFAULT,
				.timeout = BENCH_TIMEOUT_DEFAULT };
	bool json = false, csv = false, list = false;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': o.filter = optarg; break;
		case 'i':
			if (parse_count(optarg, BENCH_ITERS_MAX, &o.iters) != 0)
				return usage_fail("bench", "--iters: '%s' is not an integer from 1 to 10000000", optarg);
			break;
		case 'r':
			if (parse_count(optarg, BENCH_REPEAT_MAX, &o.repeat) != 0)
				return usage_fail("bench", "--repeat: '%s' is not an integer from 1 to 10000", optarg);
			break;
		case 't':
			if (parse_seconds(optarg, &o.timeout) != 0 || o.timeout <= 0)
				return usage_fail("bench", "--timeout: '%s' is not a positive number of seconds", optarg);
			break;
		case 'j': json = true; break;
		case 'c': csv = true; break;
		case 'l': list = true; break;
		case 'h': bench_usage(stdout); return XC_OK;
		default:
			return usage_fail("bench", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return usage_fail("bench", "unexpected argument '%s'", argv[optind]);
	if (json && csv)
		return usage_fail("bench", "%s", "--json and --csv exclude each other");

	int n = 0;
	for (int i = 0; i < bench_ncases; i++)
		if (filter_match(o.filter, bench_cases[i].name)) {
			if (list)
				printf("%-15s %s\n", bench_cases[i].name, bench_cases[i].what);
			n++;
		}
	if (n == 0)
		return usage_fail("bench", "--filter '%s' matches no case (kvmlab bench --list)", o.filter);
	if (list)
		return XC_OK;

	char err[512];
	struct kvm k;
	struct host_info host;
	struct calibration cal;
	int rc = kvm_open(&k, err, sizeof(err));
	if (rc != XC_OK) {
		fprintf(stderr, "kvmlab: %s\n", err);
		return rc;
	}
	host_probe(&host);
	/* Other work on the machine is the first suspect for spread: record it. */
	double load1 = -1;
	FILE *la = fopen("/proc/loadavg", "r");
	if (la) {
		if (fscanf(la, "%lf", &load1) != 1)
			load1 = -1;
		fclose(la);
	}
	calibrate(&k, &cal);
	struct bench_result *res = calloc(n, sizeof(*res));
	if (!res)
		die(XC_HOST, "out of memory");
	int done = 0;
	for (int i = 0; i < bench_ncases; i++)
		if (filter_match(o.filter, bench_cases[i].name))
			bench_run_case(&k, &bench_cases[i], &o, &res[done++]);

	struct bench_header h = { .host = &host, .kvm = &k, .cal = &cal, .opts = &o, .tsc_khz = cal.tsc_khz,
				  .load1 = load1 };
	if (json)
		bench_report_json(&h, res, n, stdout);
	else if (csv)
		bench_report_csv(&h, res, n, stdout);
	else
		bench_report_table(&h, res, n, stdout);
	fflush(stdout);
	for (int i = 0; i < done; i++)
		free(res[i].net_samples);
	free(res);
	kvm_close(&k);
	return XC_OK;
}
