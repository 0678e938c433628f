; bench/overhead-pio.asm - an endless stream of port-I/O exits, for
; `make bench-overhead` (tools/rawloop.c against kvmlab on the same guest).
;
; kvmlab should observe: one KVM_EXIT_IO (out, 1 byte, port 0xEE) per
; iteration, forever; run it with --max-exits (exit code 5 at the limit).
; Real mode, so a minimal KVM_RUN loop needs no page tables to run it.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_REAL, "bench-overhead-pio", 128, "endless out to port 0xEE: exits per second, kvmlab vs a raw loop"

start:
        out     PORT_BENCH_SCRATCH, al  ; one exit to user space
        jmp     start
