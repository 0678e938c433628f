; irq/split-timer.asm - the split interrupt model, stated by the header: the LAPIC timer still works.
;
; The same guest as irq/timer-tsc-deadline.asm, but its header asks for
; KVMLAB_FLAG_SPLIT_IRQCHIP: only the LAPIC lives in KVM (KVM_CAP_SPLIT_IRQCHIP).
;
; The guest arms IA32_TSC_DEADLINE (MSR 0x6E0) 1 ms of guest TSC ahead
; (SDM Vol. 3A 11.5.4.1), waits with `sti; hlt` (handled in KVM: no hlt exit
; with a LAPIC in the kernel) and logs the TSC at each interrupt; N = 10.
; kvmlab should observe: reports timer.count = 10 and timer.late_min/median/max_cycles
; (cycles past each deadline, never negative), then exit status 0.
; Without TSC-deadline in the guest's CPUID (CPUID.1:ECX[24]) it reports
; timer.skipped = 1 and a MSG naming the bit, and exits 0.

%define KVMLAB_FLAGS KVMLAB_FLAG_SPLIT_IRQCHIP  ; only the LAPIC in KVM: the IOAPIC is kvmlab's
%include "kvmlab.inc"
%include "idt.inc"
%include "apic.inc"
KVMLAB_HEADER MODE_LONG, "irq-split-timer", 1024, "split irqchip (header flag): TSC-deadline timer, 10 interrupts"

%include "timer-deadline.inc"                   ; the same guest as irq/timer-tsc-deadline
