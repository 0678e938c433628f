; report-name-121.asm - a report name one byte over the limit.
;
; Demonstrates: the boundary of REPORT_TEXT_MAX: 120 bytes is legal, 121 is
; not (docs/guest-abi.md).  The guest first sends a legal 120-byte name.
; kvmlab should observe: "before\n", one VALUE report whose name is 120
; bytes of 'a', then a guest protocol error (exit code 6) naming text
; length 121 > 120; the first report stays in the JSON.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "report-name-121", 128, "sends a 120-byte report name, then a 121-byte one"

start:
        PRINT   `before\n`
        REPORT_AT rec120
        REPORT_AT rec121
        hlt

rec120: REPORT_REC REPORT_KIND_VALUE, 120, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
rec121: REPORT_REC REPORT_KIND_VALUE, 121, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
