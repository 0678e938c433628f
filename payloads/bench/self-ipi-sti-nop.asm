; bench/self-ipi-sti-nop.asm - kvmlab bench case "self-ipi-sti-nop": self-IPI, then sti; nop; cli (taken after the nop, by the SDM).
;
; kvm-unit-tests x86/vmexit "self_ipi_sti_nop".  The LAPIC lives in KVM (KVMLAB_FLAG_IRQCHIP),
; so ICR, EOI, TPR and TSC-deadline accesses and the hlt never reach kvmlab;
; the handler only counts and sends EOI (payloads/lib/apic.inc, SDM Vol. 3A ch. 11).
; kvmlab should observe: no exit to kvmlab per op.  The op runs N times per sample
; (bench --iters) between serialised TSC reads, after an empty loop timed the same
; way (payloads/lib/timing.inc).

%define KVMLAB_FLAGS KVMLAB_FLAG_IRQCHIP
%include "kvmlab.inc"
%include "idt.inc"
%include "apic.inc"
KVMLAB_HEADER MODE_LONG, "bench-self-ipi-sti-nop", 1024, "bench: self-IPI, then sti; nop; cli (taken after the nop, by the SDM)"

%macro BENCH_INIT 0
        IDT_INSTALL
        EOI_HANDLER on_irq, xapic
        IRQ_GATE VEC_SELF_IPI, on_irq
        IRQ_GATE VEC_TIMER, on_irq
        APIC_ENABLE
%endmacro
%macro BENCH_OP 0
        APIC_WRITE APIC_ICR_LO, ICR_SELF | ICR_ASSERT | VEC_SELF_IPI
        sti
        nop
        cli
%endmacro

start:
        BENCH_MAIN
