; bench/cr8-write.asm - kvmlab bench case "cr8-write": mov cr8, rax with 0.
;
; kvmlab should observe: no exit to kvmlab.
; The op runs N times per sample (bench --iters) between serialised TSC
; reads, after an empty loop timed the same way (payloads/lib/timing.inc).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-cr8-write", 1024, "bench: mov cr8, rax with 0"

%macro BENCH_SETUP 0
        xor eax, eax
%endmacro
%macro BENCH_OP 0
        mov cr8, rax
%endmacro

start:
        BENCH_MAIN
