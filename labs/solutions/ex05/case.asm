; labs/solutions/ex05/case.asm - exercise 5, reference solution (instructors only).
; bench/pio-out-pair: two `out`s to the bench scratch port per operation.
;
; kvmlab should observe: two KVM_EXIT_IO exits per operation, on every host: a
; port kvmlab claims has no in-kernel path (no ioeventfd), so KVM must exit.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-pio-out-pair", 1024, "bench: two outs to the bench scratch port 0xEE"

%macro BENCH_OP 0
        out PORT_BENCH_SCRATCH, al
        out PORT_BENCH_SCRATCH, al
%endmacro

start:
        BENCH_MAIN
