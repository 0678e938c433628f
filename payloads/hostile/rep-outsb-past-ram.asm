; rep-outsb-past-ram.asm - a string OUT whose source runs off the end of RAM.
;
; Demonstrates: `rep outsb` reading its source from guest memory that ends
; part way.  RAM is 4 MiB; ESI starts 4 bytes below its end and ECX = 8, so
; the first 4 bytes come from RAM and the last 4 from a GPA with no RAM,
; which KVM turns into MMIO reads that kvmlab answers with 0xFF.
; kvmlab should observe: "tail" then four 0xFF bytes on the console (8 IO
; exits on port 0xE9), some MMIO read exits at 0x400000.., then a HLT exit:
; success.  Nothing of kvmlab's own memory is ever read.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_PROT, "rep-outsb-past-ram", 4096, "rep outsb whose source crosses the end of RAM"

%define RAM_END         0x400000

start:
        mov     dword [RAM_END - 4], 'tail'
        mov     esi, RAM_END - 4
        mov     ecx, 8
        mov     dx, PORT_CONSOLE
        cld
        rep     outsb
        hlt
