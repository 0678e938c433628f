; console-control.asm - console bytes that mean something to a terminal or to JSON.
;
; Demonstrates: the console is a byte stream the guest controls.  kvmlab
; copies it to stdout as is (as a serial console would) and escapes it in
; the JSON document (RFC 8259; bytes >= 0x80 as Latin-1), so no guest byte
; can break the document a test or lab parses.
; kvmlab should observe: 13 console bytes - a quote, a backslash, CR, TAB,
; ESC "[2J" (clear screen), NUL, DEL, 0xFF and LF - then a HLT exit: success.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "console-control", 128, "prints quote, backslash, CR, TAB, ESC, NUL, DEL and 0xFF"

start:
        PRINT   '"', '\', 13, 9, 27, "[2J", 0, 127, 255, 10
        hlt
