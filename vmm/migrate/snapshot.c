/*
 * snapshot.c - `kvmlab run --snapshot FILE --snapshot-at-report NAME`: when the
 * guest sends the report NAME, the vCPU is stopped at that exit, its pending
 * OUT completed, and the whole migration stream written to FILE.  The guest
 * then runs on to its end, so the snapshot's run and the original can be compared.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "kvmlab.h"

void mig_snapshot_hook(struct vcpu *v, const struct report_entry *e, void *arg)
{
	struct mig_snapshot *s = arg;

	if (s->taken || strcmp(e->text, s->at) != 0)
		return;
	s->taken = true;
	if (mig_complete_io(v, s->err, sizeof(s->err)) != 0) {
		s->rc = XC_HOST;
		return;
	}
	int fd = open(s->file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(s->err, sizeof(s->err), "--snapshot %s: %s", s->file, strerror(errno));
		s->rc = XC_HOST;
		return;
	}
	struct mig_out out = { .fd = fd };
	if (mig_save(&out, v, s->payload, s->err, sizeof(s->err)) != 0)
		s->rc = XC_HOST;
	mig_vhost_resume(v->vm);        /* the guest runs on: a vhost-user ring goes back where it stopped */
	s->bytes = out.bytes;
	s->checksum = mig_ram_checksum(&v->vm->mem);
	if (close(fd) != 0 && s->rc == XC_OK) {
		snprintf(s->err, sizeof(s->err), "--snapshot %s: %s", s->file, strerror(errno));
		s->rc = XC_HOST;
	}
}
