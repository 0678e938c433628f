/*
 * restore.c - a VM rebuilt from a migration stream: the stream's CONFIG and
 * LAYOUT decide the VM (RAM, the --rom slot, hotplugged memory), its RAM sections fill guest memory, then the interrupt
 * controllers (irqstate.c), the virtio devices (devstate.c, the balloon's pages: balloonstate.c), the clock, the UART,
 * CPUID and each vCPU are loaded, and only when the whole stream
 * has been read and checked does the guest run (docs/migration.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
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
	u->thre_int = m->flags & MIG_UART_THRE_INT;
	d->irq_level = m->flags & MIG_UART_IRQ_LINE;    /* the line as KVM's or kvmlab's IOAPIC has it */
	u->fnv = m->fnv;
	u->tx_bytes = m->tx_bytes;
	u->rx_bytes = m->rx_bytes;
	pthread_mutex_unlock(&d->lock);
}

/* One vCPU's part: the stream's CPUID, then its state (vm_config.vcpu_load for
 * smp.c's threads, and vCPU 0 of a one-vCPU guest).  0, or -1 with err. */
struct load_ctx {
	struct mig_image *img;
	struct mig_restore_opts *o;
	int loaded;                     /* vCPUs whose state is in */
};
static int load_vcpu(struct vcpu *v, void *arg, char *err, size_t errlen)
{
	struct load_ctx *l = arg;
	struct mig_image *img = l->img;
	struct { struct kvm_cpuid2 h; struct kvm_cpuid_entry2 e[MIG_CPUID_MAX]; } cpuid;

	if (v->id < 0 || (uint32_t)v->id >= img->cfg.vcpus) {
		snprintf(err, errlen, "migration stream: no state for vCPU %d", v->id);
		return -1;
	}
	cpuid.h.nent = img->ncpuid;
	cpuid.h.padding = 0;
	memcpy(cpuid.e, img->cpuid, img->ncpuid * sizeof(cpuid.e[0]));
	if (ioctl(v->fd, KVM_SET_CPUID2, &cpuid) < 0) {
		snprintf(err, errlen, "KVM_SET_CPUID2 (the stream's CPUID): %s", strerror(errno));
		return -1;
	}
	if (mig_vcpu_set(v, &img->vcpu[v->id], err, errlen) != 0)
		return -1;
	v->memctl_status = img->memctl[v->id];  /* the IN after a memctl OUT reads it here */
	if (++l->loaded < (int)img->cfg.vcpus)
		return 0;
	/* The last vCPU is in (none has run: smp_run loads them all first). */
	mig_irq_vcpus_loaded(v->vm, img);
	/* The destination now holds the whole guest. */
	if (l->o && l->o->committed)
		return l->o->committed(l->o->arg, err, errlen);
	return 0;
}

/* The VM's part: clock and UART.  0, or -1 with err. */
static int load_vm(struct run *r, struct mig_image *img, char *err, size_t errlen)
{
	struct kvm_clock_data clock = { .clock = img->clock.clock };   /* flags 0: kvmclock only */
	if (ioctl(r->vm.fd, KVM_SET_CLOCK, &clock) < 0) {
		snprintf(err, errlen, "KVM_SET_CLOCK: %s", strerror(errno));
		return -1;
	}
	if (img->have_uart)
		uart_load(&r->vm, &img->uart);
	return 0;
}

static const struct mig_slot *layout_slot(const struct mig_image *img, uint32_t id)
{
	for (uint32_t i = 0; i < img->nslots; i++)
		if (img->slot[i].id == id)
			return &img->slot[i];
	return NULL;
}

int mig_restore(struct run *r, struct kvm *k, const struct mig_src *src, struct payload *p,
		const struct vm_config *cfg, struct mig_restore_opts *o, char *err, size_t errlen)
{
	struct mig_image img;
	struct load_ctx l = { .img = &img, .o = o };
	int rc;

	memset(r, 0, sizeof(*r));
	r->vm.fd = -1;
	r->vcpu.fd = -1;
	if (mig_read_begin(src, &img, err, errlen) != 0) {
		rc = XC_MIGRATION_STREAM;
		goto out;
	}
	if (img.cfg.vcpus > VCPUS_MAX) {
		snprintf(err, errlen, "migration stream: %u vCPUs; this kvmlab takes 1..%d vCPUs",
			 img.cfg.vcpus, VCPUS_MAX);
		rc = XC_MIGRATION_STREAM;
		goto out;
	}
	/* The reader has checked each slot's role (stream.c): RAM first, then at most
	 * the --rom slot and the hotplug slot, each once. */
	const struct mig_slot *rom = layout_slot(&img, SLOT_ROM), *hp = layout_slot(&img, SLOT_HOTPLUG);
	struct vm_config c = *cfg;
	/* The --rom slot comes back where it was; vm_create checks it as it checks --rom
	 * (inside the MMIO window, clear of the other slots), and the stream's pages,
	 * which a device's DMA may have changed, replace the fill. */
	c.memcfg.rom_gpa = rom ? rom->gpa : 0;
	c.memcfg.rom_size = rom ? rom->size : 0;
	c.mem = img.cfg.mem;
	c.irqchip = img.cfg.irqchip;
	c.vcpus = img.cfg.vcpus > 1 ? (int)img.cfg.vcpus : 0;
	c.npin = 0;
	c.vcpu_load = load_vcpu;        /* smp.c loads each vCPU's state instead of the entry's */
	c.vcpu_load_arg = &l;
	rc = vm_create(&r->vm, k, &c, err, errlen);
	if (rc == XC_USAGE && rom) {    /* the --rom check: the stream's fault here */
		char why[512];
		snprintf(why, sizeof(why), "migration stream: ROM slot at 0x%llx (%llu bytes): %s",
			 (unsigned long long)rom->gpa, (unsigned long long)rom->size, err);
		snprintf(err, errlen, "%s", why);
		rc = XC_MIGRATION_STREAM;
		goto out;
	}
	/* Hotplugged memory is made again as the guest's request made it (memctl.c),
	 * before any RAM section or vCPU: later requests see the same slot table. */
	if (rc == XC_OK && hp && memregion_hotplug(&r->vm, hp->size, err, errlen) != XC_OK) {
		char why[512];
		snprintf(why, sizeof(why), "migration stream: hotplugged slot at 0x%llx (%llu bytes): %s",
			 (unsigned long long)hp->gpa, (unsigned long long)hp->size, err);
		snprintf(err, errlen, "%s", why);
		rc = XC_MIGRATION_STREAM;       /* e.g. it overlaps this --mem's RAM: the stream asks the impossible */
		goto out;
	}
	if (rc == XC_OK)
		rc = vcpu_create(&r->vcpu, &r->vm, 0, err, errlen);
	if (rc != XC_OK)
		goto out;
	/* Only the main thread runs yet: RAM sections go straight into guest memory. */
	if (mig_read_rest(src, &img, &r->vm.mem, err, errlen) != 0) {
		rc = XC_MIGRATION_STREAM;
		goto out;
	}
	if (o) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		o->stream_end = ts.tv_sec + ts.tv_nsec / 1e9;
	}
	if (mig_cpuid_compatible(&r->vcpu, img.cpuid, img.ncpuid, err, errlen) != 0) {
		rc = XC_MIGRATION_STREAM;
		goto out;
	}
	if (img.postcopy) {             /* RAM comes after END, on demand: uffd.c */
		if (!o || o->sock < 0 || !o->uffd) {
			snprintf(err, errlen, "migration stream: a post-copy stream (its RAM follows on a live connection) "
				 "cannot be restored from a file");
			rc = XC_MIGRATION_STREAM;
			goto out;
		}
		if (mig_uffd_register(o->uffd, &r->vm.mem, &img, o->sock, src, err, errlen) != 0) {
			rc = XC_HOST;
			goto out;
		}
		/* No slot may change until the last page is in (uffd.c thaws it); no vCPU runs yet. */
		r->vm.memlab->slots_frozen = true;
		o->uffd->frozen = r->vm.memlab;
		o->uffd->complete = mig_vhost_postcopy_done;    /* a vhost-user ring waits for every page */
		o->uffd->complete_arg = &r->vm;
		if (mig_uffd_start(o->uffd, err, errlen) != 0) {
			rc = XC_HOST;
			goto out;
		}
	}
	rc = payload_parse(img.payload, img.payload_len, p, err, errlen);
	if (rc != XC_OK) {
		memset(p, 0, sizeof(*p));       /* the bytes stay img's */
		rc = XC_MIGRATION_STREAM;       /* the identity it carries is not a payload */
		goto out;
	}
	p->data = img.payload;          /* the payload now owns the bytes (payload_free) */
	p->path = o && o->name ? o->name : "(stream)";
	img.payload = NULL;
	/* The interrupt controllers (irqstate.c), before the devices can raise a line and
	 * before any vCPU's LAPIC is loaded (QEMU's order). */
	if (mig_irq_load(&r->vm, &img, err, errlen) != 0) {
		rc = XC_MIGRATION_STREAM;
		goto out;
	}
	/* The virtio devices, checked against this VM's: a mismatch is the stream's fault. */
	if (mig_virtio_load(&r->vm, &img, err, errlen) != 0 || mig_balloon_load(&r->vm, &img, err, errlen) != 0) {
		rc = XC_MIGRATION_STREAM;
		goto out;
	}
	rc = load_vm(r, &img, err, errlen) == 0 ? XC_OK : XC_HOST;
	if (rc == XC_OK && c.vcpus > 1)
		rc = smp_run(r, p, err, errlen);        /* each thread's vCPU loads its state first */
	else if (rc == XC_OK) {
		rc = load_vcpu(&r->vcpu, &l, err, errlen) == 0 ? XC_OK : XC_HOST;
		if (rc == XC_OK)
			rc = run_ready(r, &c, err, errlen);
	}
out:
	if (o && o->uffd && o->uffd->started)
		mig_uffd_finish(o->uffd);       /* the pager ends at the stream's last END */
	mig_image_free(&img);
	return rc;
}

int mig_restore_file(struct run *r, struct kvm *k, const char *file, struct payload *p,
		     const struct vm_config *cfg, char *err, size_t errlen)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		memset(r, 0, sizeof(*r));
		r->vm.fd = -1;
		r->vcpu.fd = -1;
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return XC_MIGRATION_STREAM;
	}
	struct mig_src src = { mig_fd_read, &fd };
	struct mig_restore_opts o = { .name = file, .sock = -1 };
	int rc = mig_restore(r, k, &src, p, cfg, &o, err, errlen);
	close(fd);
	return rc;
}
