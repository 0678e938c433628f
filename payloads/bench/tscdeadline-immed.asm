; bench/tscdeadline-immed.asm - kvmlab bench case "tscdeadline-immed": TSC deadline in the past (fires at once), then sti; hlt.
;
; kvm-unit-tests x86/vmexit "tscdeadline_immed".  The LAPIC lives in KVM (KVMLAB_FLAG_IRQCHIP),
; so ICR, EOI, TPR and TSC-deadline accesses and the hlt never reach kvmlab;
; the handler only counts and sends EOI (payloads/lib/apic.inc, SDM Vol. 3A ch. 11).
; kvmlab should observe: no exit to kvmlab per op.  The op runs N times per sample
; (bench --iters) between serialised TSC reads, after an empty loop timed the same
; way (payloads/lib/timing.inc).

%define KVMLAB_FLAGS KVMLAB_FLAG_IRQCHIP
%include "kvmlab.inc"
%include "idt.inc"
%include "apic.inc"
KVMLAB_HEADER MODE_LONG, "bench-tscdeadline-immed", 1024, "bench: TSC deadline in the past (fires at once), then sti; hlt"

%macro BENCH_INIT 0
        IDT_INSTALL
        EOI_HANDLER on_irq, xapic
        IRQ_GATE VEC_SELF_IPI, on_irq
        IRQ_GATE VEC_TIMER, on_irq
        APIC_ENABLE
        APIC_WRITE APIC_LVT_TIMER, LVT_TIMER_TSC_DEADLINE | VEC_TIMER
%endmacro
%macro BENCH_OP 0
        mov     ecx, MSR_IA32_TSC_DEADLINE
        mov     eax, 1
        xor     edx, edx
        wrmsr
        sti
        hlt
        cli
%endmacro

start:
        BENCH_MAIN
