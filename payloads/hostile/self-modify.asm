; self-modify.asm - code that rewrites itself before running it.
;
; Demonstrates: self-modifying code.  The guest overwrites the immediate of
; a `mov eax, 1` that it has not yet executed with 2, then jumps to it (a
; jump is enough to see the store: SDM vol. 3A, 11.6 "Self-Modifying Code").
; With KVM emulating every instruction this exercises the emulator's
; instruction fetch re-reading guest memory; with VMX/SVM, the CPU's own
; snoop.  Either way the new code must run.
; kvmlab should observe: a report smc = 2, then a HLT exit: success.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "self-modify", 128, "rewrites an instruction's immediate, then executes it"

start:
        mov     dword [rel patch + 1], 2        ; B8 imm32: imm starts 1 byte in
        jmp     patch
patch:  mov     eax, 1                          ; becomes mov eax, 2
        REPORT_VALUE "smc", rax
        hlt
