/*
 * irqchip.c - the interrupt model of a run: where the interrupt controllers live.
 *
 *   none    no controller at all (kvmlab's default): nothing can interrupt the
 *           guest, so `hlt` exits to kvmlab (KVM_EXIT_HLT) and ends the run.
 *   kernel  KVM_CREATE_IRQCHIP (api.rst 4.24): KVM emulates the 8259 PICs, the
 *           IOAPIC and one LAPIC per vCPU.  Interrupts, EOIs, the LAPIC timer
 *           and IPIs never leave the kernel, and `hlt` waits there.
 *   split   KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP) (api.rst, KVM_CAP_SPLIT_IRQCHIP): only the
 *           LAPICs in KVM; the PIC and IOAPIC would be the VMM's.  kvmlab has
 *           no user-space IOAPIC: its page is unclaimed MMIO and the EOIs KVM
 *           forwards for it (KVM_EXIT_IOAPIC_EOI) are counted and ignored
 *           (traps/ioapic_eoi.c).  The LAPIC timer and IPIs work as in "kernel".
 *
 * A payload states the model it needs in its header (KVMLAB_FLAG_IRQCHIP,
 * KVMLAB_FLAG_SPLIT_IRQCHIP: docs/guest-abi.md "Header flags"); `kvmlab run
 * --irqchip` overrides it.  Either must be set before the first vCPU exists:
 * KVM creates each vCPU's LAPIC with the vCPU.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

#include "kvmlab.h"

/* IOAPIC input pins KVM routes for a split irqchip: the 24 of an 82093AA
 * (the number QEMU passes; api.rst KVM_CAP_SPLIT_IRQCHIP: "args[0] - number of routes reserved
 * for userspace IOAPICs"). */
#define SPLIT_IOAPIC_PINS 24
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
	/* Only KVM's own IOAPIC has the pin; the split model would need kvmlab's. */
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
