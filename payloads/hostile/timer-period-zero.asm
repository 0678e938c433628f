; hostile/timer-period-zero.asm - a periodic LAPIC timer of period 0, then sti; hlt for ever.
;
; An initial count of 0 does not start the timer (SDM Vol. 3A 11.5.4), so
; nothing ever wakes the halted vCPU.  With the LAPIC in KVM hlt waits there,
; not in kvmlab.  kvmlab should observe: no hlt exit; the watchdog ends the run
; as a timeout (exit code 4) whose detail says the vCPU is halted in KVM
; (KVM_GET_MP_STATE: halted).

%define KVMLAB_FLAGS KVMLAB_FLAG_IRQCHIP
%include "kvmlab.inc"
%include "idt.inc"
%include "apic.inc"
KVMLAB_HEADER MODE_LONG, "hostile-timer-period-zero", 1024, "periodic timer with initial count 0, then hlt: never woken"

start:
        IDT_INSTALL
        IRQ_GATE VEC_TIMER, on_timer
        APIC_ENABLE
        APIC_WRITE APIC_TIMER_DIV, TIMER_DIV_1
        APIC_WRITE APIC_LVT_TIMER, LVT_TIMER_PERIODIC | VEC_TIMER
        APIC_WRITE APIC_TIMER_INIT, 0
.halt:  sti
        hlt
        jmp     .halt

on_timer:                                       ; never reached: counted if it were
        REPORT_FAIL "timer.fired", 0
