; hostile/irq-flood.asm - an interrupt storm: every self-IPI handler sends the next one.
;
; The handler writes the ICR (shorthand self, SDM Vol. 3A 11.6.1) before its EOI,
; so an interrupt is always pending and the guest makes no progress of its own.
; kvmlab should observe: nothing exits to kvmlab after the set-up; the watchdog
; ends the run as a timeout (exit code 4) with KVM's irq_injections counting the storm.

%define KVMLAB_FLAGS KVMLAB_FLAG_IRQCHIP
%include "kvmlab.inc"
%include "idt.inc"
%include "apic.inc"
KVMLAB_HEADER MODE_LONG, "hostile-irq-flood", 1024, "self-IPI storm: each handler sends the next; the watchdog ends it"

start:
        IDT_INSTALL
        IRQ_GATE VEC_SELF_IPI, on_self
        APIC_ENABLE
        APIC_WRITE APIC_ICR_LO, ICR_SELF | ICR_ASSERT | VEC_SELF_IPI
        sti
.spin:  jmp     .spin

on_self:
        APIC_WRITE APIC_ICR_LO, ICR_SELF | ICR_ASSERT | VEC_SELF_IPI
        APIC_WRITE APIC_EOI_REG, 0
        iretq
