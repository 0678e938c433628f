; labs/code/ex05/case.asm - exercise 5: the payload of a new bench case.
; Statement: labs/code/05-bench-case.md.
;
; kvmlab should observe: (TODO: say what the VMM should see per operation).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-TODO", 1024, "bench: TODO"

%macro BENCH_OP 0
        ; TODO: the operation, timed N times per sample by BENCH_MAIN
%endmacro

start:
        BENCH_MAIN
