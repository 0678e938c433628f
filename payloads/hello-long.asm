; hello-long.asm - the smallest long-mode guest.
;
; Demonstrates: kvmlab entering 64-bit long mode for the guest (PAE paging
; with an identity map of the first 4 GiB built at 0x3000, CS=0x18 with L=1).
; kvmlab should observe: 22 IO exits, OUT to port 0xE9 of one byte each,
; printing "Hello from long mode!\n"; then one HLT exit, ending the run
; normally.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "hello-long", 128, "prints a greeting from 64-bit long mode"

start:
        PRINT   `Hello from long mode!\n`
        hlt
