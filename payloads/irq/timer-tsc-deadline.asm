; irq/timer-tsc-deadline.asm - the LAPIC timer in TSC-deadline mode, and how late it fires.
;
; The guest arms IA32_TSC_DEADLINE (MSR 0x6E0) 1 ms of guest TSC ahead
; (SDM Vol. 3A 11.5.4.1), waits with `sti; hlt` (handled in KVM: no hlt exit
; with a LAPIC in the kernel) and logs the TSC at each interrupt; N = 10.
; kvmlab should observe: reports timer.count = 10 and timer.late_min/median/max_cycles
; (cycles past each deadline, never negative), then exit status 0.
; Without TSC-deadline in the guest's CPUID (CPUID.1:ECX[24]) it reports
; timer.skipped = 1 and a MSG naming the bit, and exits 0.

%define KVMLAB_FLAGS KVMLAB_FLAG_IRQCHIP        ; the LAPIC lives in KVM
%include "kvmlab.inc"
%include "idt.inc"
%include "apic.inc"
KVMLAB_HEADER MODE_LONG, "irq-timer-tsc-deadline", 1024, "LAPIC timer, TSC-deadline mode: 10 interrupts and their lateness"

%include "timer-deadline.inc"                   ; the guest itself
