; ud2-long.asm - an undefined opcode in long mode with no IDT.
;
; Demonstrates: what happens to an exception when kvmlab installs no IDT
; (IDTR limit 0 at entry): #UD cannot be delivered, nor the #GP and #DF
; that follow, so the vCPU triple-faults.
; kvmlab should observe: 9 IO exits on port 0xE9 printing "ud2 next\n", then
; KVM_EXIT_SHUTDOWN: the run ends as a guest crash, with RIP at the ud2.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "ud2-long", 128, "executes ud2 in long mode with no IDT: triple fault"

start:
        PRINT   `ud2 next\n`
        ud2
        hlt                                     ; not reached
