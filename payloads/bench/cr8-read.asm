; bench/cr8-read.asm - kvmlab bench case "cr8-read": mov rax, cr8 (the task priority register).
;
; kvmlab should observe: no exit to kvmlab.
; The op runs N times per sample (bench --iters) between serialised TSC
; reads, after an empty loop timed the same way (payloads/lib/timing.inc).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-cr8-read", 1024, "bench: mov rax, cr8 (the task priority register)"

%macro BENCH_OP 0
        mov rax, cr8
%endmacro

start:
        BENCH_MAIN
