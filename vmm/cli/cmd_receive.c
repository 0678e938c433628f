/*
 * cmd_receive.c - `kvmlab receive --listen ADDR`: the destination of a live
 * migration (vmm/migrate/receive.c); the guest it brings, run on to its end.
 */
#include <stdlib.h>

#include "kvmlab.h"

int cmd_receive(struct cli *c)
{
	struct vm_config *cfg = &c->cfg;
	struct payload p = { 0 };
	struct kvm k;
	struct host_info host;
	char err[512];

	if (!c->recv.listen)
		return usage_fail("receive", "--listen unix:PATH|tcp:HOST:PORT is required");
	cfg->echo_console = !c->json;
	int rc = cli_catch_stop();
	if (rc == XC_OK)
		rc = cli_open_kvm(&k, &host);
	if (rc != XC_OK)
		return rc;
	struct run *r = RUN_NEW(struct run);
	if (!r)
		die(XC_HOST, "out of memory");
	rc = mig_receive_run(&c->recv, r, &k, &p, cfg, err, sizeof(err));
	if (rc == XC_OK) {
		struct report_ctx ctx = { .payload = &p, .host = &host, .kvm = &k, .run = r };
		if (c->json)
			report_json(&ctx, stdout);
		else if (!c->quiet) {
			report_text(&ctx, stdout);
			if (r->smp)
				smp_report_text(r, stdout);
		} else if (!end_silent(r->vcpu.end))
			fprintf(stderr, "kvmlab: %s: %s\n", end_name(r->vcpu.end), r->vcpu.end_detail);
	}
	if (rc == XC_USAGE) {
		free(r);
		kvm_close(&k);
		return usage_fail("receive", "--listen %s", err);
	}
	return cli_run_finish(rc, r, err, &k, &p);
}
