; report-text-past-end.asm - a good header whose text runs past the end of RAM.
;
; Demonstrates: the text is bounds-checked separately from the header.  RAM
; is 4 MiB; the guest builds a valid header (MSG, len 100) 26 bytes below
; the end, so the header fits and only 10 of its 100 text bytes do.
; kvmlab should observe: "before\n", then a guest protocol error (exit code
; 6) saying the text runs past the end of guest RAM.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "report-text-past-end", 4096, "sends a report whose text runs past the end of RAM"

%define REC             (0x400000 - 26)

start:
        PRINT   `before\n`
        mov     edi, REC
        mov     dword [rdi], REPORT_MAGIC
        mov     word [rdi + 4], REPORT_KIND_MSG
        mov     word [rdi + 6], 100             ; text: 100 bytes, 10 in RAM
        mov     qword [rdi + 8], 0
        REPORT_AT REC
        hlt
