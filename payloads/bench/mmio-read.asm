; bench/mmio-read.asm - kvmlab bench case "mmio-read": a 4-byte load from the bench MMIO register.
;
; kvmlab should observe: one KVM_EXIT_MMIO (read) to kvmlab per iteration.
; The op runs N times per sample (bench --iters) between serialised TSC
; reads, after an empty loop timed the same way (payloads/lib/timing.inc).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-mmio-read", 1024, "bench: a 4-byte load from the bench MMIO register"

%macro BENCH_INIT 0
        mov rdi, GPA_BENCH_MMIO
%endmacro
%macro BENCH_OP 0
        mov eax, [rdi]
%endmacro

start:
        BENCH_MAIN
