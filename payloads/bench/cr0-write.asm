; bench/cr0-write.asm - kvmlab bench case "cr0-write": mov cr0, rax with the value it already has.
;
; kvmlab should observe: no exit to kvmlab; KVM handles the write.
; The op runs N times per sample (bench --iters) between serialised TSC
; reads, after an empty loop timed the same way (payloads/lib/timing.inc).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-cr0-write", 1024, "bench: mov cr0, rax with the value it already has"

%macro BENCH_SETUP 0
        mov rax, cr0
%endmacro
%macro BENCH_OP 0
        mov cr0, rax
%endmacro

start:
        BENCH_MAIN
