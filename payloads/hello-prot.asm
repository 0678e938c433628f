; hello-prot.asm - the smallest protected-mode guest.
;
; Demonstrates: kvmlab entering 32-bit protected mode for the guest (flat
; 4 GiB segments from its GDT at 0x1000, paging off), so labels are plain
; GPAs (org 0x10000).
; kvmlab should observe: 27 IO exits, OUT to port 0xE9 of one byte each,
; printing "Hello from protected mode!\n"; then one HLT exit, ending the
; run normally.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_PROT, "hello-prot", 128, "prints a greeting from 32-bit protected mode"

start:
        PRINT   `Hello from protected mode!\n`
        hlt
