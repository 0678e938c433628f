; report-gpa-top.asm - a report pointer at the very top of 32-bit space.
;
; Demonstrates: GPA 0xFFFFFFFF + the 16-byte record header passes 4 GiB; a
; check written as `gpa + 16 > size` in 32-bit arithmetic would wrap to 15
; and pass.  kvmlab's checks are 64-bit and written as `len > size - gpa`.
; kvmlab should observe: "before\n", then a guest protocol error (exit
; code 6): the record is outside guest RAM.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "report-gpa-top", 128, "sends the report channel GPA 0xFFFFFFFF"

start:
        PRINT   `before\n`
        REPORT_AT 0xFFFFFFFF
        hlt
