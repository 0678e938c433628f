; triple-fault.asm - an exception with nowhere to go.
;
; Demonstrates: a triple fault.  With an IDT limit of 0 the #UD from ud2
; cannot be delivered (delivering it raises #GP, which cannot be delivered
; either, so the CPU raises #DF), and the #DF cannot be delivered: the CPU
; gives up and shuts down (SDM Vol. 3A, 6.15, "Interrupt 8 - Double Fault").
; kvmlab should observe: 22 IO exits on port 0xE9 printing
; "about to triple fault\n", then KVM_EXIT_SHUTDOWN: the run ends as a
; guest crash, with RIP at the ud2.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_PROT, "triple-fault", 128, "loads an empty IDT and executes ud2: #UD, #DF, shutdown"

start:
        PRINT   `about to triple fault\n`
        lidt    [empty_idt]                     ; IDTR.limit = 0: no vectors
        ud2                                     ; #UD -> #GP -> #DF -> shutdown
        hlt                                     ; not reached

empty_idt:
        dw      0                               ; limit
        dd      0                               ; base
