; bench/invlpg.asm - kvmlab bench case "invlpg": invlpg of one page.
;
; kvmlab should observe: no exit to kvmlab; KVM's invlpg stat counts it where KVM intercepts it.
; The op runs N times per sample (bench --iters) between serialised TSC
; reads, after an empty loop timed the same way (payloads/lib/timing.inc).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-invlpg", 1024, "bench: invlpg of one page"

%macro BENCH_INIT 0
        mov rdi, 0x200000
%endmacro
%macro BENCH_OP 0
        invlpg [rdi]
%endmacro

start:
        BENCH_MAIN
