/*
 * cmd_info.c - `kvmlab info`: the facts every other number must be read against
 * (probed here, shown by vmm/report/info_report.c).
 */
#include <string.h>

#include "kvmlab.h"

int cmd_info(struct cli *c)
{
	bool json = c->json, cal = !c->no_calibrate, sandbox = c->sandbox_list;

	if (sandbox) {
		info_report_sandbox(json, stdout);
		return XC_OK;
	}

	struct kvm k;
	struct host_info h;
	struct calibration cb = { 0 };
	int rc = cli_open_kvm(&k, &h);
	if (rc != XC_OK)
		return rc;
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
