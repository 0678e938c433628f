/*
 * cmd_iobench.c - `kvmlab iobench`: one workload through each I/O path
 * (vmm/measure/iobench.c runs them, vmm/report/iobench_report.c shows them);
 * this file checks the paths asked for and calls them.
 */
#include <string.h>

#include "kvmlab.h"

int cmd_iobench(struct cli *c)
{
	static struct iobench b;
	bool *want = b.want, some = c->npaths > 0, json = c->json;

	memcpy(b.param, c->ioparam, sizeof(b.param));
	b.repeat = (int)c->repeat;
	for (int n = 0; n < c->npaths; n++) {
		int i = iob_path_find(c->paths[n]);
		if (i < 0)
			return usage_fail("iobench", "--path: unknown path '%s'", c->paths[n]);
		want[i] = true;
	}

	struct kvm k;
	struct host_info host;
	int rc = cli_catch_stop();      /* SIGINT/SIGTERM: stop after the run going on, report */
	if (rc == XC_OK)
		rc = cli_open_kvm(&k, &host);
	if (rc != XC_OK)
		return rc;

	if (!some)                      /* the net paths need root: only when asked for */
		for (int i = 0; i < IOB_NPATHS; i++)
			want[i] = !iob_paths[i].net;
	int worst = iob_run(&b, &k);
	if (json)
		iob_report_json(&b, &host, &k, stdout);
	else
		iob_report_text(&b, &host, stdout);
	iob_free(&b);
	kvm_close(&k);
	return cli_interrupted() != XC_OK ? XC_INTERRUPTED : worst;
}
