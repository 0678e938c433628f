; bench/nop.asm - kvmlab bench case "nop": the loop baseline: one nop per iteration.
;
; kvmlab should observe: nothing: a nop never exits (on VMX/SVM it runs natively).
; The op runs N times per sample (bench --iters) between serialised TSC
; reads, after an empty loop timed the same way (payloads/lib/timing.inc).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-nop", 1024, "bench: the loop baseline: one nop per iteration"

%macro BENCH_OP 0
        nop
%endmacro

start:
        BENCH_MAIN
