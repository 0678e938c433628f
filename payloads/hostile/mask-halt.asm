; hostile/mask-halt.asm - interrupts off, every LVT masked, then hlt: halted for ever.
;
; With no in-kernel LAPIC this hlt would exit to kvmlab and end the run normally;
; with one, hlt waits in KVM for an interrupt that can never be taken (IF = 0).
; kvmlab should observe: the watchdog ends the run as a timeout (exit code 4)
; whose detail says the vCPU is halted in KVM (KVM_GET_MP_STATE: halted).

%define KVMLAB_FLAGS KVMLAB_FLAG_IRQCHIP
%include "kvmlab.inc"
%include "apic.inc"
KVMLAB_HEADER MODE_LONG, "hostile-mask-halt", 1024, "cli, LVT timer masked, TPR 15, hlt: halted in KVM for ever"

start:
        APIC_ENABLE
        APIC_WRITE APIC_LVT_TIMER, LVT_MASKED
        APIC_WRITE APIC_TPR, 0xF0                ; no vector is above priority class 15
        cli
        hlt
        KVMLAB_EXIT 1                           ; not reached
