; bench/x2apic-self-ipi-sti-hlt.asm - kvmlab bench case "x2apic-self-ipi-sti-hlt": x2APIC self-IPI (MSR 0x83F), then sti; hlt.
;
; kvm-unit-tests x86/vmexit "x2apic_self_ipi_sti_hlt".  The LAPIC lives in KVM (KVMLAB_FLAG_IRQCHIP),
; so ICR, EOI, TPR and TSC-deadline accesses and the hlt never reach kvmlab;
; the handler only counts and sends EOI (payloads/lib/apic.inc, SDM Vol. 3A ch. 11).
; kvmlab should observe: no exit to kvmlab per op.  The op runs N times per sample
; (bench --iters) between serialised TSC reads, after an empty loop timed the same
; way (payloads/lib/timing.inc).

%define KVMLAB_FLAGS KVMLAB_FLAG_IRQCHIP
%include "kvmlab.inc"
%include "idt.inc"
%include "apic.inc"
KVMLAB_HEADER MODE_LONG, "bench-x2apic-self-ipi-sti-hlt", 1024, "bench: x2APIC self-IPI (MSR 0x83F), then sti; hlt"

%macro BENCH_INIT 0
        IDT_INSTALL
        EOI_HANDLER on_irq, x2apic
        IRQ_GATE VEC_SELF_IPI, on_irq
        IRQ_GATE VEC_TIMER, on_irq
        X2APIC_ENABLE
%endmacro
%macro BENCH_OP 0
        mov     ecx, MSR_X2APIC_SELF_IPI
        mov     eax, VEC_SELF_IPI
        xor     edx, edx
        wrmsr
        sti
        hlt
        cli
%endmacro

start:
        BENCH_MAIN
