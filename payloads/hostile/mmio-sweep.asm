; mmio-sweep.asm - stores all over the guest-physical address space.
;
; Demonstrates: MMIO exits anywhere there is no RAM.  RAM is 4 MiB; the
; guest stores a dword every 16 MiB from 4 MiB up to 4 GiB (256 stores,
; all unclaimed), then loads 8 bytes from the last quadword below 4 GiB.
; kvmlab should observe: 257 MMIO exits (256 writes, one 8-byte read; the
; first 256 distinct addresses listed, 1 in exits.mmio_overflow), a report
; top-read = 0xFFFFFFFFFFFFFFFF, then a HLT exit: success.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "mmio-sweep", 4096, "stores every 16 MiB from the end of RAM to 4 GiB"

start:
        mov     edi, 0x400000                   ; end of RAM
        xor     ebx, ebx
.next:  mov     dword [rdi], 0xDEADBEEF         ; MMIO write, unclaimed
        inc     ebx
        add     rdi, 0x1000000                  ; 16 MiB
        mov     rax, 0x100000000
        cmp     rdi, rax
        jb      .next
        REPORT_VALUE "stores", rbx
        mov     edi, 0xFFFFFFF8
        mov     rax, [rdi]                      ; MMIO read: all ones
        REPORT_VALUE "top-read", rax
        hlt
