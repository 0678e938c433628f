/*
 * cmd_sensitive.c - `kvmlab sensitive`: run the sensitive-instruction catalogue
 * (vmm/measure/sensitive_run.c runs and judges it, one fresh VM per probe;
 * vmm/report/sensitive_report.c shows it).  This file loads the probe payload,
 * opens /dev/kvm and calls them.
 */
#include <string.h>

#include "kvmlab.h"

int cmd_sensitive(struct cli *c)
{
	bool json = c->json;
	const char *only = c->only;
	double timeout = c->cfg.timeout;        /* per probe: only a hanging probe waits this long */

	int matched;
	sens_rows_selected(only, &matched);
	if (matched == 0)
		return usage_fail("sensitive", "--only '%s' matches no instruction", only);

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
	rc = cli_catch_stop();          /* SIGINT/SIGTERM: stop after the probe running, report */
	if (rc == XC_OK)
		rc = cli_open_kvm(&k, &h);
	if (rc != XC_OK) {
		payload_free(&p);
		return rc;
	}
	/* The rules need host facts only (no calibration, no probe VMs). */
	static struct host_facts hf;
	facts_probe(&hf, &h, &k);
	struct sens_catalogue cat;
	rc = sens_catalogue_run(&cat, &k, &p, &hf, only, timeout, c->cfg.ktrace, err, sizeof(err));
	if (cat.ktrace && !cat.traced)
		fprintf(stderr, "kvmlab: --ktrace: %s; running without it\n", cat.trace_why);
	if (rc == XC_OK || rc == XC_INTERRUPTED) {      /* interrupted: the probes so far */
		if (json)
			sens_report_json(&cat, &h, &k, stdout);
		else
			sens_report_text(&cat, &h, stdout);
	} else {
		fprintf(stderr, "kvmlab sensitive: %s\n", err);
	}
	fflush(stdout);
	sens_catalogue_free(&cat);
	kvm_close(&k);
	payload_free(&p);
	return rc;
}
