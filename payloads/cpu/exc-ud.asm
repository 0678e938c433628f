; exc-ud.asm - #UD delivered to the guest's own IDT handler.
;
; Demonstrates: an exception that the guest handles itself.  The payload
; installs an IDT (idt.inc), executes ud2 and resumes after the handler.
; kvmlab should observe, where the host delivers exceptions to the guest:
; reports exc.vector = 6 (#UD), exc.error = 0, exc.rip = fault.rip (the
; ud2), exc.cpl = 0, then "resumed" = 6 and hlt: success.  Compare
; ud2-long, which has no IDT and triple-faults.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "exc-ud", 128, "ud2 with a guest IDT: #UD is delivered to the guest handler"

start:
        IDT_INSTALL
        lea     rax, [rel fault]
        REPORT_VALUE "fault.rip", rax
        IDT_TRY resume
fault:  ud2
        IDT_TRY_END
        REPORT_FAIL "no exception", 0
resume:
        REPORT_VALUE "resumed", qword [rel idt_last_vector]
        hlt
