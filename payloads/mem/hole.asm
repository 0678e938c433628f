; hole.asm - a write and a read where no memory slot is (below the MMIO window).
;
; Demonstrates: a GPA with no slot is not an error to KVM: every access
; becomes KVM_EXIT_MMIO and user space decides.  0x10000000 (256 MiB) is
; past the default 4 MiB of RAM, so it is a hole.
; kvmlab should observe: MMIO write 4 bytes at 0x10000000, MMIO read 4
; bytes at 0x10000000, report hole-read = 0xFFFFFFFF (open bus), HLT.
; With --unmapped fail: the run ends at the write, exit code 6.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "hole", 128, "writes and reads a guest-physical address no memory slot covers"

HOLE            equ 0x10000000

start:
        mov     edi, HOLE
        mov     dword [rdi], 0xCAFEF00D ; MMIO exit: write
        mov     eax, [rdi]              ; MMIO exit: read
        REPORT_VALUE "hole-read", rax
        hlt
