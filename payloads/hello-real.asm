; hello-real.asm - the smallest real-mode guest.
;
; Demonstrates: a vCPU in 16-bit real mode (as after reset) doing port IO.
; Segments are CS=DS=SS=0x1000, so label `msg` is at GPA 0x10000 + msg.
; kvmlab should observe: 22 IO exits, OUT to port 0xE9 of one byte each,
; printing "Hello from real mode!\n"; then one HLT exit, ending the run
; normally.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_REAL, "hello-real", 128, "prints a greeting from 16-bit real mode"

start:
        PRINT   `Hello from real mode!\n`
        hlt
