; report.asm - the report channel: structured results instead of text.
;
; Demonstrates: a guest handing kvmlab records by pointer.  Each report is a
; 16-byte record plus text in guest memory; the guest writes the record's
; GPA to port 0xF0 (one 4-byte OUT) and kvmlab reads the record out of
; guest RAM after checking it lies wholly inside it.
; kvmlab should observe: 3 IO exits on port 0xF0 (size 4), logging
;   VALUE answer = 42, PASS two-plus-two = 4, MSG "reports work";
; then one IO exit on port 0xF4 with value 0: the run ends with status 0
; (success).  No console output.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "report", 128, "sends VALUE, PASS and MSG reports, then exits with status 0"

start:
        REPORT_VALUE "answer", 42               ; an immediate
        mov     eax, 2
        add     eax, 2                          ; computed at run time
        REPORT_PASS "two-plus-two", rax         ; a register
        REPORT_MSG "reports work"
        KVMLAB_EXIT 0
