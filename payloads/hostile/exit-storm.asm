; exit-storm.asm - an endless stream of exits.
;
; Demonstrates: --max-exits.  After a line on the console the guest OUTs to
; unclaimed port 0x80 forever: every iteration is an exit, so the watchdog
; alone would let it burn 10 s of round trips.
; kvmlab should observe, under --max-exits 100: "storm\n" (6 IO exits on
; port 0xE9), 94 IO exits on port 0x80, then the run ends at the exit limit
; (exit code 5) with exactly 100 exits.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "exit-storm", 128, "OUTs to port 0x80 forever: for --max-exits"

start:
        PRINT   `storm\n`
.again: out     0x80, al
        jmp     .again
