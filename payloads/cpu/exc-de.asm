; exc-de.asm - #DE delivered to the guest's own IDT handler.
;
; Demonstrates: a divide error the guest handles itself (div by zero,
; SDM Vol. 3A 6.15, "Interrupt 0 - Divide Error Exception").
; kvmlab should observe, where the host delivers exceptions to the guest:
; exc.vector = 0, exc.error = 0, exc.rip = fault.rip, exc.cpl = 0, then
; resumed = 0 and hlt: success.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "exc-de", 128, "div by zero with a guest IDT: #DE is delivered to the guest"

start:
        IDT_INSTALL
        lea     rax, [rel fault]
        REPORT_VALUE "fault.rip", rax
        mov     eax, 1
        xor     edx, edx
        xor     ecx, ecx
        IDT_TRY resume
fault:  div     ecx
        IDT_TRY_END
        REPORT_FAIL "no exception", 0
resume:
        REPORT_VALUE "resumed", qword [rel idt_last_vector]
        hlt
