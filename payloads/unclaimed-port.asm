; unclaimed-port.asm - port IO that no device claims.
;
; Demonstrates: the ISA convention kvmlab follows for empty ports: an OUT
; goes nowhere, an IN reads all ones (a floating bus).  Port 0x200 and 0x204
; are claimed by nothing in kvmlab's port table.  Real mode, so this also
; exercises the 16-bit report macros.
; kvmlab should observe, in order: IO exit OUT port 0x200 size 1 (ignored
; and counted as unclaimed); IO exit IN port 0x200 size 1; a report
; port-0x200-read = 0xFF; IN port 0x204 size 2; report port-0x204-read16 =
; 0xFFFF; IN port 0x204 size 4; report port-0x204-read32 = 0xFFFFFFFF; then
; one HLT exit ending the run normally.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_REAL, "unclaimed-port", 128, "writes and reads ports nothing claims; reports the values read"

start:
        mov     dx, 0x200
        mov     al, 0x5A
        out     dx, al                          ; ignored
        xor     eax, eax
        in      al, dx                          ; expect 0xFF
        REPORT_VALUE "port-0x200-read", eax

        mov     dx, 0x204
        xor     eax, eax
        in      ax, dx                          ; expect 0xFFFF
        REPORT_VALUE "port-0x204-read16", eax

        in      eax, dx                         ; expect 0xFFFFFFFF
        REPORT_VALUE "port-0x204-read32", eax
        hlt
