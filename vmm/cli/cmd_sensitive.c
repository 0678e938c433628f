/*
 * cmd_sensitive.c - `kvmlab sensitive`: run the sensitive-instruction catalogue
 * (vmm/measure/sensitive_run.c runs and judges it, vmm/report/sensitive_report.c
 * shows it); this file parses the options and calls them.
 *
 * Every row of sensitive.c runs at CPL 0 and CPL 3, each probe in a fresh VM
 * (payloads/cpu/probe.asm with --arg = probe id), so a probe that kills its
 * VM - an emulation failure, a triple fault, a hypercall that never returns -
 * is recorded and the catalogue goes on.  For each probe: how the run ended,
 * the exits that reached kvmlab besides the payload's own reports, the guest
 * exception its IDT caught, the value the guest observed, the cost in guest
 * TSC cycles, and KVM's own exit and emulation counters, compared with the
 * nop row at the same CPL.  The outcome is compared with what KVM on VT-x/SVM
 * gives the guest (sensitive.c); a difference is flagged.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "kvmlab.h"

static int sens_usage(FILE *f, int rc)
{
	fprintf(f, "usage: kvmlab sensitive [--json] [--only TEXT] [--timeout SECS]\n\n"
		"Runs the sensitive-instruction catalogue: each privileged, sensitive-but-\n"
		"unprivileged and always-intercepted instruction of vmm/measure/sensitive.c at CPL 0\n"
		"and CPL 3, each probe in a fresh VM (payload %s, --arg = probe id),\n"
		"and prints what happened next to what KVM on VT-x/SVM would give the guest.\n\n"
		"  --json            one JSON document (docs/json-schema.md, \"kvmlab sensitive\")\n"
		"  --only TEXT       only instructions whose name contains TEXT (the nop\n"
		"                    reference rows always run)\n"
		"  --timeout SECS    per probe (default %.0f): a probe that hangs is stopped\n"
		"  -h, --help        this text\n\n"
		"Exit code 0 when every probe ran (whatever its outcome); 7 when the probe\n"
		"payload is missing or disagrees with the table.\n", SENS_PAYLOAD, SENS_TIMEOUT);
	return rc;
}

int cmd_sensitive(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "only", required_argument, NULL, 'o' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	bool json = false;
	const char *only = NULL;
	double timeout = SENS_TIMEOUT;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'o': only = optarg; break;
		case 't':
			if (parse_seconds(optarg, &timeout) != 0 || timeout <= 0) {
				fprintf(stderr, "kvmlab sensitive: --timeout: '%s' is not a positive number of seconds\n", optarg);
				return XC_USAGE;
			}
			break;
		case 'h': return sens_usage(stdout, XC_OK);
		default:
			fprintf(stderr, "kvmlab sensitive: unknown or incomplete option '%s' (see kvmlab sensitive --help)\n",
				argv[optind - 1]);
			return XC_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "kvmlab sensitive: unexpected argument '%s'\n", argv[optind]);
		return XC_USAGE;
	}
	int matched;
	sens_rows_selected(only, &matched);
	if (matched == 0) {
		fprintf(stderr, "kvmlab sensitive: --only '%s' matches no instruction\n", only);
		return XC_USAGE;
	}

	char path[4096], err[512];
	struct payload p;
	snprintf(path, sizeof(path), "%s/%s.bin", payload_dir(), SENS_PAYLOAD);
	int rc = payload_load(path, &p, err, sizeof(err));
	if (rc != XC_OK) {
		fprintf(stderr, "kvmlab sensitive: %s (run make)\n", err);
		return XC_HOST;
	}
	struct kvm k;
	struct host_info h;
	rc = kvm_open(&k, err, sizeof(err));
	if (rc != XC_OK) {
		fprintf(stderr, "kvmlab: %s\n", err);
		payload_free(&p);
		return rc;
	}
	host_probe(&h);
	/* The rules need host facts only (no calibration, no probe VMs). */
	static struct host_facts hf;
	facts_probe(&hf, &h, &k);
	struct sens_catalogue cat;
	rc = sens_catalogue_run(&cat, &k, &p, &hf, only, timeout, err, sizeof(err));
	if (rc != XC_OK)
		fprintf(stderr, "kvmlab sensitive: %s\n", err);
	else if (json)
		sens_report_json(&cat, &h, &k, stdout);
	else
		sens_report_text(&cat, &h, stdout);
	fflush(stdout);
	sens_catalogue_free(&cat);
	kvm_close(&k);
	payload_free(&p);
	return rc;
}
