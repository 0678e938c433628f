/*
 * cmd_receive.c - `kvmlab receive --listen ADDR`: the destination of a live
 * migration (vmm/migrate/receive.c); the guest it brings, run on to its end.
 */
#include "kvmlab.h"

static int receive_load(struct cli *c, struct run *r, struct kvm *k, struct payload *p, char *err, size_t errlen)
{
	return mig_receive_run(&c->recv, r, k, p, &c->cfg, err, errlen);
}

int cmd_receive(struct cli *c)
{
	if (!c->recv.listen)
		return usage_fail("receive", "--listen unix:PATH|tcp:HOST:PORT is required");
	return cli_run_stream(c, "receive", "--listen ", receive_load);
}
