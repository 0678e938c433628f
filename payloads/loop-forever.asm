; loop-forever.asm - a guest that never exits.
;
; Demonstrates: why kvmlab needs a watchdog.  `jmp $` runs inside the guest
; without a single VM exit, so KVM_RUN never returns on its own.
; kvmlab should observe: 8 IO exits on port 0xE9 printing "looping\n", then
; nothing until its watchdog (a timer signal) kicks the vCPU out of KVM_RUN
; (KVM_RUN fails with EINTR): the run ends as a timeout.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "loop-forever", 128, "prints a line then spins forever: for the watchdog"

start:
        PRINT   `looping\n`
        jmp     $                               ; no exits from here on
