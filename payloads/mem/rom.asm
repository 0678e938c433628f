; rom.asm - reads and a write to the read-only slot (run with --rom).
;
; Demonstrates: KVM_MEM_READONLY.  kvmlab fills its ROM at 0xFFFF0000 so
; that each 8-byte word holds its own GPA.  Reads are plain memory: no
; exit.  The write is an MMIO exit (KVM cannot complete a store to a
; read-only slot) and the ROM keeps its contents.
; kvmlab should observe, with --rom: exactly 1 MMIO exit (write, 8 bytes,
; GPA 0xFFFF0100); reports rom-before = rom-after = 0xFFFF0100; HLT.
; With --rom --rom-write fail: the run ends at the write, exit code 6.
; Without --rom the range is a hole: 3 MMIO exits, reads all ones.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "rom", 128, "reads the ROM slot, writes it once (an MMIO exit), reads it again"

ROM_WORD        equ GPA_ROM_DEFAULT + 0x100

start:
        mov     edi, ROM_WORD           ; zero-extends: a [disp32] would sign-extend
        mov     rax, [rdi]              ; a read: memory, no exit
        REPORT_VALUE "rom-before", rax
        mov     rax, 0x1122334455667788
        mov     [rdi], rax              ; a write: KVM_EXIT_MMIO
        mov     rbx, [rdi]
        REPORT_VALUE "rom-after", rbx
        hlt
