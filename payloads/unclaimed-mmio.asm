; unclaimed-mmio.asm - memory accesses where there is no memory.
;
; Demonstrates: MMIO exits.  0xD0000000 is in the MMIO window
; (0xC0000000-0xFFFFFFFF) where kvmlab maps no RAM, so KVM cannot complete
; the access itself and returns to kvmlab with KVM_EXIT_MMIO.  No device is
; there: kvmlab ignores the write and answers reads with all ones.
; kvmlab should observe, in order: MMIO exit write len 4 at 0xD0000000 data
; 0x12345678 (counted as unclaimed); MMIO read len 4 at 0xD0000000; MMIO
; read len 8 at 0xD0000008; reports mmio-read32 = 0xFFFFFFFF and
; mmio-read64 = 0xFFFFFFFFFFFFFFFF; then one HLT exit ending the run
; normally.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "unclaimed-mmio", 128, "stores to and loads from an address with no RAM; reports the values read"

start:
        ; Through a register: a [disp32] operand would be sign-extended
        ; to 0xFFFFFFFFD0000000 in 64-bit mode.
        mov     edi, 0xD0000000                 ; zero-extends into RDI
        mov     dword [rdi], 0x12345678         ; MMIO write, ignored
        mov     eax, [rdi]                      ; MMIO read: expect 0xFFFFFFFF
        mov     rbx, [rdi + 8]                  ; MMIO read: expect all ones
        REPORT_VALUE "mmio-read32", rax
        REPORT_VALUE "mmio-read64", rbx
        hlt
