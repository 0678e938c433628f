/*
 * irqchip.c - the interrupt model of a run: where the interrupt controllers live.
 *
 *   none    no controller at all (kvmlab's default): nothing can interrupt the
 *           guest, so `hlt` exits to kvmlab (KVM_EXIT_HLT) and ends the run.
 *   kernel  KVM_CREATE_IRQCHIP (api.rst 4.24): KVM emulates the 8259 PICs, the
 *           IOAPIC and one LAPIC per vCPU.  Interrupts, EOIs, the LAPIC timer
 *           and IPIs never leave the kernel, and `hlt` waits there.
 *   split   KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP) (api.rst, KVM_CAP_SPLIT_IRQCHIP): only the
 *           LAPICs in KVM; the IOAPIC is kvmlab's (traps/devices/ioapic.c, at
 *           GPA_IOAPIC), which sends its interrupts as MSIs (KVM_SIGNAL_MSI) and
 *           tells KVM its pins' messages as GSI routes (KVM_SET_GSI_ROUTING), so
 *           that KVM forwards the EOIs of level-triggered vectors
 *           (KVM_EXIT_IOAPIC_EOI, traps/ioapic_eoi.c).  There is no PIC.  The
 *           UART's IRQ 4 and the virtio console's pin 16 are pins of that IOAPIC.
 *           The LAPIC timer and IPIs work as in "kernel".
 *
 * A payload states the model it needs in its header (KVMLAB_FLAG_IRQCHIP,
 * KVMLAB_FLAG_SPLIT_IRQCHIP: docs/guest-abi.md "Header flags"); `kvmlab run
 * --irqchip` overrides it.  Either must be set before the first vCPU exists:
 * KVM creates each vCPU's LAPIC with the vCPU.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

#include "kvmlab.h"

/* IOAPIC input pins KVM routes for a split irqchip: the 24 of an 82093AA
 * (the number QEMU passes; api.rst KVM_CAP_SPLIT_IRQCHIP: "args[0] - number of routes reserved
 * for userspace IOAPICs"). */
#define SPLIT_IOAPIC_PINS IOAPIC_PINS
/* KVM's LAPIC timer tick when KVM_CAP_X86_APIC_BUS_CYCLES_NS is absent (older
 * kernels): APIC_BUS_CYCLE_NS_DEFAULT, a 1 GHz APIC bus. */
#define APIC_BUS_CYCLE_NS_DEFAULT 1
#ifndef KVM_CAP_X86_APIC_BUS_CYCLES_NS
#define KVM_CAP_X86_APIC_BUS_CYCLES_NS 237
#endif

static const char *const model_name[IRQ_MODEL_COUNT] = {
	[IRQ_NONE] = "none", [IRQ_KERNEL] = "kernel", [IRQ_SPLIT] = "split",
};

const char *irqchip_name(enum irq_model m)
{
	return m >= 0 && m < IRQ_MODEL_COUNT ? model_name[m] : "unknown";
}

int irqchip_parse(const char *s, enum irq_model *m)
{
	for (int i = 0; i < IRQ_MODEL_COUNT; i++)
		if (strcmp(s, model_name[i]) == 0) {
			*m = (enum irq_model)i;
			return 0;
		}
	return -1;
}

enum irq_model irqchip_from_flags(uint32_t flags)
{
	if (flags & KVMLAB_FLAG_SPLIT_IRQCHIP)
		return IRQ_SPLIT;
	return (flags & KVMLAB_FLAG_IRQCHIP) ? IRQ_KERNEL : IRQ_NONE;
}

/* The LAPIC timer's tick in ns: KVM answers the capability with its current
 * value (api.rst KVM_CAP_X86_APIC_BUS_CYCLES_NS), older KVMs run at 1 GHz. */
static uint32_t irqchip_tick_ns(struct vm *vm)
{
	int ns = ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_APIC_BUS_CYCLES_NS);

	return ns > 0 ? (uint32_t)ns : APIC_BUS_CYCLE_NS_DEFAULT;
}

/* kvmlab's IOAPIC -> KVM's LAPICs: api.rst 4.71 KVM_SIGNAL_MSI (> 0 delivered,
 * 0 blocked by the guest's LAPIC state, < 0 an error). */
static int irqchip_send_msi(void *ctx, const struct ioapic_msi *m)
{
	struct vm *vm = ctx;
	struct kvm_msi msi = { .address_lo = m->address, .data = m->data };

	return ioctl(vm->fd, KVM_SIGNAL_MSI, &msi) < 0 ? -1 : 0;
}

/* GSI i = pin i as an MSI route: KVM scans the routes of the reserved IOAPIC pins
 * for level-triggered vectors and exits on their EOI (api.rst KVM_CAP_SPLIT_IRQCHIP,
 * 4.52 KVM_SET_GSI_ROUTING).  Interrupts themselves go through KVM_SIGNAL_MSI. */
static int irqchip_set_routes(void *ctx, const struct ioapic_msi *msi, int n)
{
	struct vm *vm = ctx;
	struct kvm_irq_routing *t = calloc(1, sizeof(*t) + (size_t)n * sizeof(t->entries[0]));
	int rc;

	if (!t)
		return -1;
	t->nr = (uint32_t)n;
	for (int i = 0; i < n; i++) {
		t->entries[i].gsi = (uint32_t)i;
		t->entries[i].type = KVM_IRQ_ROUTING_MSI;
		t->entries[i].u.msi.address_lo = msi[i].address;
		t->entries[i].u.msi.data = msi[i].data;
	}
	rc = ioctl(vm->fd, KVM_SET_GSI_ROUTING, t);
	free(t);
	return rc < 0 ? -1 : 0;
}

/* Split model: kvmlab's IOAPIC delivers to KVM, and the UART and the virtio console
 * wire their interrupts to its pins. */
static void irqchip_connect_ioapic(struct vm *vm)
{
	struct iodev *io = vm->io;

	if (!io)
		return;
	pthread_mutex_lock(&io->ioapic.lock);
	io->ioapic.send = irqchip_send_msi;
	io->ioapic.routes = irqchip_set_routes;
	io->ioapic.ctx = vm;
	pthread_mutex_unlock(&io->ioapic.lock);
	pthread_mutex_lock(&io->com1.lock);
	io->com1.ioapic = &io->ioapic;
	pthread_mutex_unlock(&io->com1.lock);
	pthread_mutex_lock(&io->virtio.lock);   /* the I/O thread already runs */
	io->virtio.ioapic = &io->ioapic;
	io->virtio.ioapic_pin = VIRTIO_CONSOLE_GSI;
	pthread_mutex_unlock(&io->virtio.lock);
	if (!kvm_has(vm->kvm, CAP_SIGNAL_MSI))
		warnx_("interrupt model split: this KVM lacks KVM_CAP_SIGNAL_MSI, kvmlab's IOAPIC cannot deliver");
	vlog("interrupt model split: kvmlab's IOAPIC at 0x%llx (%d pins) sends MSIs with KVM_SIGNAL_MSI; "
	     "UART IRQ 4 and virtio pin %d are its inputs", (unsigned long long)GPA_IOAPIC, IOAPIC_PINS,
	     VIRTIO_CONSOLE_GSI);
}

int irqchip_create(struct vm *vm, char *err, size_t errlen)
{
	enum irq_model m = vm->cfg.irqchip;
	uint64_t t0 = setup_clock();
	int rc;

	if (m == IRQ_NONE)
		return 0;
	if (m == IRQ_KERNEL) {
		if (!kvm_has(vm->kvm, CAP_IRQCHIP)) {
			snprintf(err, errlen, "interrupt model kernel (payload flag KVMLAB_FLAG_IRQCHIP or --irqchip kernel) "
				 "needs KVM_CAP_IRQCHIP, which this KVM lacks");
			return -1;
		}
		rc = ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0);
		setup_record(&vm->setup, "interrupt controllers", "KVM_CREATE_IRQCHIP", t0);
		if (rc < 0) {
			snprintf(err, errlen, "KVM_CREATE_IRQCHIP: %s", strerror(errno));
			return -1;
		}
	} else {
		struct kvm_enable_cap cap = { .cap = KVM_CAP_SPLIT_IRQCHIP, .args = { SPLIT_IOAPIC_PINS } };
		if (!kvm_has(vm->kvm, CAP_SPLIT_IRQCHIP)) {
			snprintf(err, errlen, "interrupt model split (payload flag KVMLAB_FLAG_SPLIT_IRQCHIP or --irqchip split) "
				 "needs KVM_CAP_SPLIT_IRQCHIP, which this KVM lacks");
			return -1;
		}
		rc = ioctl(vm->fd, KVM_ENABLE_CAP, &cap);
		setup_record(&vm->setup, "interrupt controllers", "KVM_ENABLE_CAP(SPLIT_IRQCHIP)", t0);
		if (rc < 0) {
			snprintf(err, errlen, "KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP): %s", strerror(errno));
			return -1;
		}
		irqchip_connect_ioapic(vm);
	}
	vm->setup.irqchip = true;
	vm->apic_tick_ns = irqchip_tick_ns(vm);
	vlog("interrupt model %s: KVM answers the LAPIC (timer tick %u ns)%s", irqchip_name(m),
	     vm->apic_tick_ns, m == IRQ_KERNEL ? ", the PICs and the IOAPIC" : "");
	return 0;
}

int irqchip_mp_state(struct vcpu *v)
{
	struct kvm_mp_state mp;

	if (v->vm->cfg.irqchip == IRQ_NONE || !kvm_has(v->vm->kvm, CAP_MP_STATE))
		return -1;
	return ioctl(v->fd, KVM_GET_MP_STATE, &mp) == 0 ? (int)mp.mp_state : -1;
}

const char *irqchip_mp_state_name(int s)
{
	switch (s) {
	case KVM_MP_STATE_RUNNABLE:      return "runnable";
	case KVM_MP_STATE_UNINITIALIZED: return "uninitialized";
	case KVM_MP_STATE_INIT_RECEIVED: return "init_received";
	case KVM_MP_STATE_HALTED:        return "halted";
	case KVM_MP_STATE_SIPI_RECEIVED: return "sipi_received";
	}
	return NULL;
}

int irqchip_start_ap(struct vcpu *v, bool wait_sipi, char *err, size_t errlen)
{
	/* With a LAPIC in KVM, every vCPU but 0 is created waiting for INIT-SIPI-SIPI
	 * (KVM_MP_STATE_UNINITIALIZED, api.rst 4.38 KVM_GET_MP_STATE); kvmlab starts
	 * them itself, as without one (docs/guest-abi.md "Several vCPUs"), unless the
	 * payload starts them as firmware does (SDM Vol. 3A 10.4.4, INIT-SIPI-SIPI):
	 * then KVM_RUN sleeps in KVM until the INIT and the SIPI arrive. */
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };

	if (v->id == 0)
		return 0;
	if (wait_sipi) {
		if (v->vm->cfg.irqchip == IRQ_NONE) {
			snprintf(err, errlen, "--irqchip none: the payload's APs wait for INIT-SIPI (KVMLAB_FLAG_AP_SIPI), "
				 "which only a LAPIC in KVM receives (--irqchip kernel or split)");
			return -1;
		}
		vlog("vCPU %d waits in KVM for the guest's INIT-SIPI-SIPI (mp_state %s)", v->id,
		     irqchip_mp_state_name(v->created_mp_state) ? irqchip_mp_state_name(v->created_mp_state) : "?");
		return 0;
	}
	if (v->vm->cfg.irqchip == IRQ_NONE)
		return 0;
	if (ioctl(v->fd, KVM_SET_MP_STATE, &mp) < 0) {
		snprintf(err, errlen, "KVM_SET_MP_STATE(RUNNABLE) of vCPU %d: %s", v->id, strerror(errno));
		return -1;
	}
	return 0;
}

int irqchip_irqfd(struct vm *vm, char *err, size_t errlen)
{
	/* Only KVM's own IOAPIC takes an irqfd; in the split model kvmlab's IOAPIC has the pin. */
	if (vm->cfg.irqchip != IRQ_KERNEL || !vm->io || !kvm_has(vm->kvm, CAP_IRQFD))
		return 0;
	uint64_t t0 = setup_clock();
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	struct kvm_irqfd irq = { .fd = (uint32_t)fd, .gsi = VIRTIO_CONSOLE_GSI };

	if (fd < 0 || ioctl(vm->fd, KVM_IRQFD, &irq) < 0) {
		snprintf(err, errlen, "KVM_IRQFD (virtio console, GSI %d): %s", VIRTIO_CONSOLE_GSI, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	setup_record(&vm->setup, "virtio interrupt", "KVM_IRQFD", t0);
	vm->virtio_irqfd = fd;
	pthread_mutex_lock(&vm->io->virtio.lock);       /* the I/O thread already runs */
	vm->io->virtio.irqfd = fd;
	pthread_mutex_unlock(&vm->io->virtio.lock);
	vlog("ioctl(vm, KVM_IRQFD, gsi %d): a used buffer of the virtio console raises IOAPIC pin %d in KVM",
	     VIRTIO_CONSOLE_GSI, VIRTIO_CONSOLE_GSI);
	return 0;
}
