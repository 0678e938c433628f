; report-huge-len.asm - a record claiming 65535 bytes of text.
;
; Demonstrates: len is checked against REPORT_TEXT_MAX (120) before any
; text is read, so a copy can never overrun kvmlab's 120-byte buffer.
; kvmlab should observe: "before\n", then a guest protocol error (exit code
; 6) naming text length 65535 > 120.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "report-huge-len", 128, "sends a report record with len 65535"

start:
        PRINT   `before\n`
        REPORT_AT rec
        hlt

rec:    REPORT_REC REPORT_KIND_VALUE, 0xFFFF, "x"
