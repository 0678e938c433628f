/*
 * cmd_info.c - `kvmlab info`: the facts every other number must be read against
 * (probed here, shown by vmm/report/info_report.c).
 */
#include <getopt.h>
#include <string.h>

#include "kvmlab.h"

static int info_usage(FILE *f, int rc)
{
	fprintf(f, "usage: kvmlab info [--json] [--no-calibrate] [--sandbox]\n\n"
		"Describes this host's KVM: API version, backend module (kvm_intel, kvm_amd,\n"
		"kvm_pvm), whether EPT/NPT or shadow paging is used, whether the host is itself\n"
		"a VM, the capabilities kvmlab uses, the TSC rate, and - from a short\n"
		"calibration run - whether guest instructions run natively or through KVM's\n"
		"instruction emulator.  Then every host fact that changes what a guest sees,\n"
		"each with how it was found (docs/backends.md, \"Host facts\"); with --json also\n"
		"the expectations table resolved on this host (vmm/core/expect.def).\n\n"
		"  --json            print one JSON document instead of text\n"
		"  --no-calibrate    skip the calibration run and the probe VMs (\"calibration\":\n"
		"                    null; the facts they decide are unknown)\n"
		"  --sandbox         list, per thread, the system calls `kvmlab run --sandbox`\n"
		"                    allows (needs no /dev/kvm)\n"
		"  -h, --help        this text\n");
	return rc;
}

int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "no-calibrate", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "sandbox", no_argument, NULL, 's' },
		{ 0 }
	};
	bool json = false, cal = true, sandbox = false;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'n': cal = false; break;
		case 's': sandbox = true; break;
		case 'h': return info_usage(stdout, XC_OK);
		default:
			fprintf(stderr, "kvmlab info: unknown option '%s' (see kvmlab info --help)\n", argv[optind - 1]);
			return XC_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "kvmlab info: unexpected argument '%s'\n", argv[optind]);
		return XC_USAGE;
	}

	if (sandbox) {
		info_report_sandbox(json, stdout);
		return XC_OK;
	}

	struct kvm k;
	struct host_info h;
	struct calibration cb = { 0 };
	char err[512];
	int rc = kvm_open(&k, err, sizeof(err));
	if (rc != XC_OK) {
		fprintf(stderr, "kvmlab: %s\n", err);
		return rc;
	}
	host_probe(&h);
	if (cal)
		calibrate(&k, &cb);
	static struct host_facts hf;    /* ~60 KiB: not on the stack */
	facts_probe(&hf, &h, &k);
	facts_guest(&hf, &k, cal ? &cb : NULL);

	if (json)
		info_report_json(&h, &k, cal ? &cb : NULL, &hf, stdout);
	else
		info_report_text(&h, &k, cal ? &cb : NULL, &hf, stdout);
	kvm_close(&k);
	return XC_OK;
}
