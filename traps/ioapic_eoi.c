/*
 * ioapic_eoi.c - KVM_EXIT_IOAPIC_EOI: with a split irqchip (vmm/core/irqchip.c)
 * KVM's LAPIC forwards the EOI of a level-triggered vector routed through the
 * user-space IOAPIC, so that the IOAPIC can clear Remote IRR (api.rst,
 * KVM_EXIT_IOAPIC_EOI; 82093AA datasheet 3.2.4).  kvmlab's IOAPIC
 * (traps/devices/ioapic.c) clears it and, if the pin is still asserted, sends
 * the next message.  Counted by exit_dispatch like every exit.
 */
#include "kvmlab.h"

enum action trap_ioapic_eoi(struct vcpu *v)
{
	if (v->vm->io && v->vm->cfg.irqchip == IRQ_SPLIT)
		ioapic_eoi(&v->vm->io->ioapic, v->run->eoi.vector);
	return ACT_CONTINUE;
}
