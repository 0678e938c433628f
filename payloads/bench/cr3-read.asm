; bench/cr3-read.asm - kvmlab bench case "cr3-read": mov rax, cr3.
;
; kvmlab should observe: no exit to kvmlab.
; The op runs N times per sample (bench --iters) between serialised TSC
; reads, after an empty loop timed the same way (payloads/lib/timing.inc).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-cr3-read", 1024, "bench: mov rax, cr3"

%macro BENCH_OP 0
        mov rax, cr3
%endmacro

start:
        BENCH_MAIN
