; report-name-binary.asm - a report name full of control and high bytes.
;
; Demonstrates: report text is length-delimited, never NUL-terminated, and
; kvmlab turns every byte outside 0x20-0x7E into '?' before it reaches the
; terminal or the JSON (no escape sequences, no invalid UTF-8, no early NUL).
; kvmlab should observe: one VALUE report named "ok?????ok" with value 7,
; then a HLT exit: success.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "report-name-binary", 128, "sends a report name with NUL, ESC, DEL and 0xFF bytes"

start:
        REPORT_AT rec
        hlt

rec:    dd      REPORT_MAGIC
        dw      REPORT_KIND_VALUE
        dw      9                               ; 9 text bytes
        dq      7
        db      "ok", 0, 0x1B, 0x7F, 0xFF, 10, "ok"
