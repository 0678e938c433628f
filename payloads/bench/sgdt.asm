; bench/sgdt.asm - kvmlab bench case "sgdt": sgdt: sensitive, but not intercepted by default on VT-x/SVM.
;
; kvmlab should observe: no exit anywhere on VMX/SVM.
; The op runs N times per sample (bench --iters) between serialised TSC
; reads, after an empty loop timed the same way (payloads/lib/timing.inc).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-sgdt", 1024, "bench: sgdt: sensitive, but not intercepted by default on VT-x/SVM"

%macro BENCH_INIT 0
        lea rdi, [rel gdtr_buf]
%endmacro
%macro BENCH_OP 0
        sgdt [rdi]
%endmacro

start:
        BENCH_MAIN
gdtr_buf: times 16 db 0              ; sgdt stores 10 bytes here
