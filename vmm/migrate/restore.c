/*
 * restore.c - a VM rebuilt from a migration stream: the stream's CONFIG and
 * LAYOUT decide the VM, its RAM sections fill guest memory, then CPUID, the
 * vCPU, the clock and the UART are loaded, and only when the whole stream
 * has been read and checked does the guest run (docs/migration.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvmlab.h"

static void uart_load(struct vm *vm, const struct mig_uart *m)
{
	struct uart_dev *d = &vm->io->com1;

	pthread_mutex_lock(&d->lock);
	struct uart *u = &d->uart;
	u->ier = m->ier; u->lcr = m->lcr; u->mcr = m->mcr; u->scr = m->scr; u->fcr = m->fcr;
	u->divisor = m->divisor;
	u->loop_len = m->loop_len;      /* <= sizeof loop: checked by the reader */
	memcpy(u->loop, m->loop, sizeof(u->loop));
	u->overrun = m->overrun;
	u->fnv = m->fnv;
	u->tx_bytes = m->tx_bytes;
	u->rx_bytes = m->rx_bytes;
	pthread_mutex_unlock(&d->lock);
}

/* CPUID, vCPU state, clock, UART: everything after RAM.  0, or -1 with err. */
static int load_state(struct run *r, struct mig_image *img, char *err, size_t errlen)
{
	struct { struct kvm_cpuid2 h; struct kvm_cpuid_entry2 e[MIG_CPUID_MAX]; } cpuid;

	cpuid.h.nent = img->ncpuid;
	cpuid.h.padding = 0;
	memcpy(cpuid.e, img->cpuid, img->ncpuid * sizeof(cpuid.e[0]));
	if (ioctl(r->vcpu.fd, KVM_SET_CPUID2, &cpuid) < 0) {
		snprintf(err, errlen, "KVM_SET_CPUID2 (the stream's CPUID): %s", strerror(errno));
		return -1;
	}
	if (mig_vcpu_set(&r->vcpu, &img->vcpu[0], err, errlen) != 0)
		return -1;
	struct kvm_clock_data clock = { .clock = img->clock.clock };   /* flags 0: kvmclock only */
	if (ioctl(r->vm.fd, KVM_SET_CLOCK, &clock) < 0) {
		snprintf(err, errlen, "KVM_SET_CLOCK: %s", strerror(errno));
		return -1;
	}
	if (img->have_uart)
		uart_load(&r->vm, &img->uart);
	return 0;
}

int mig_restore_file(struct run *r, struct kvm *k, const char *file, struct payload *p,
		     const struct vm_config *cfg, char *err, size_t errlen)
{
	struct mig_image img;
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	int rc;

	memset(r, 0, sizeof(*r));
	r->vm.fd = -1;
	r->vcpu.fd = -1;
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return XC_MIGRATION_STREAM;
	}
	struct mig_src src = { mig_fd_read, &fd };
	if (mig_read_begin(&src, &img, err, errlen) != 0) {
		rc = XC_MIGRATION_STREAM;
		goto out;
	}
	if (img.cfg.vcpus != 1 || img.nslots != 1) {
		snprintf(err, errlen, "migration stream: %u vCPUs and %u slots; restore takes one vCPU and RAM only",
			 img.cfg.vcpus, img.nslots);
		rc = XC_MIGRATION_STREAM;
		goto out;
	}
	struct vm_config c = *cfg;
	c.mem = img.cfg.mem;
	c.irqchip = img.cfg.irqchip;
	rc = vm_create(&r->vm, k, &c, err, errlen);
	if (rc == XC_OK)
		rc = vcpu_create(&r->vcpu, &r->vm, 0, err, errlen);
	if (rc != XC_OK)
		goto out;
	/* Only the main thread runs yet: RAM sections go straight into guest memory. */
	if (mig_read_rest(&src, &img, &r->vm.mem, err, errlen) != 0) {
		rc = XC_MIGRATION_STREAM;
		goto out;
	}
	rc = payload_parse(img.payload, img.payload_len, p, err, errlen);
	if (rc != XC_OK) {
		memset(p, 0, sizeof(*p));       /* the bytes stay img's */
		rc = XC_MIGRATION_STREAM;       /* the identity it carries is not a payload */
		goto out;
	}
	p->data = img.payload;          /* the payload now owns the bytes (payload_free) */
	p->path = file;
	img.payload = NULL;
	rc = load_state(r, &img, err, errlen) == 0 ? XC_OK : XC_HOST;
	if (rc == XC_OK)
		rc = run_ready(r, &c, err, errlen);
out:
	mig_image_free(&img);
	close(fd);
	return rc;
}
