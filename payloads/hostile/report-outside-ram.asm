; report-outside-ram.asm - a report pointer into the MMIO window.
;
; Demonstrates: kvmlab never follows a guest pointer without checking it.
; The guest prints a line, then hands the report channel GPA 0xD0000000,
; where there is no RAM (docs/guest-abi.md, "Report records").
; kvmlab should observe: "before\n" on the console, then an OUT to port
; 0xF0 that ends the run as a guest protocol error (exit code 6) whose
; detail says the record is outside guest RAM.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "report-outside-ram", 128, "sends the report channel a GPA with no RAM"

start:
        PRINT   `before\n`
        REPORT_AT 0xD0000000
        PRINT   `not reached\n`
        hlt
