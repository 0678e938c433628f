/*
 * ioapic_eoi.c - KVM_EXIT_IOAPIC_EOI: with a split irqchip (vmm/core/irqchip.c)
 * KVM's LAPIC forwards the EOI of a level-triggered vector routed through the
 * user-space IOAPIC, so that the IOAPIC can clear Remote IRR (api.rst,
 * KVM_EXIT_IOAPIC_EOI; 82093AA datasheet 3.2.4).  kvmlab has no user-space
 * IOAPIC, so there is nothing to clear: the exit is counted and the guest goes on.
 */
#include "kvmlab.h"

enum action trap_ioapic_eoi(struct vcpu *v)
{
	(void)v;                /* counted by exit_dispatch like every exit */
	return ACT_CONTINUE;
}
