; exc-gp.asm - #GP delivered to the guest's own IDT handler.
;
; Demonstrates: a general-protection fault the guest handles itself.  A load
; from a non-canonical address (bits 63:47 not all equal) raises #GP(0)
; (SDM Vol. 3A 3.3.7.1, "Canonical Addressing").
; kvmlab should observe, where the host delivers exceptions to the guest:
; exc.vector = 13, exc.error = 0, exc.rip = fault.rip, exc.cpl = 0, then
; resumed = 13 and hlt: success.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "exc-gp", 128, "a non-canonical load with a guest IDT: #GP(0) is delivered to the guest"

NONCANONICAL    equ     0x8000000000000000

start:
        IDT_INSTALL
        lea     rax, [rel fault]
        REPORT_VALUE "fault.rip", rax
        mov     rbx, NONCANONICAL
        IDT_TRY resume
fault:  mov     rax, [rbx]
        IDT_TRY_END
        REPORT_FAIL "no exception", 0
resume:
        REPORT_VALUE "resumed", qword [rel idt_last_vector]
        hlt
