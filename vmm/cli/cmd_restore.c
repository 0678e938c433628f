/*
 * cmd_restore.c - `kvmlab restore FILE`: a snapshot's guest, run on to its end.
 */
#include "kvmlab.h"

static int restore_load(struct cli *c, struct run *r, struct kvm *k, struct payload *p, char *err, size_t errlen)
{
	return mig_restore_file(r, k, c->payload, p, &c->cfg, err, errlen);
}

int cmd_restore(struct cli *c)
{
	return cli_run_stream(c, "restore", "", restore_load);
}
