; report-straddle-end.asm - a record header that starts in RAM and ends past it.
;
; Demonstrates: the bounds check covers the whole 16-byte header, not just
; its first byte.  RAM is 4 MiB (min_mem_kib 4096, no --mem): the guest
; writes a magic at 0x3FFFF8 and reports that GPA, so 8 header bytes lie in
; RAM and 8 past its end.
; kvmlab should observe: "before\n", then a guest protocol error (exit code
; 6): the record is outside guest RAM.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "report-straddle-end", 4096, "sends a report whose header straddles the end of RAM"

%define RAM_END         0x400000                ; 4 MiB = min_mem_kib * 1024

start:
        PRINT   `before\n`
        mov     dword [RAM_END - 8], REPORT_MAGIC
        REPORT_AT RAM_END - 8
        hlt
