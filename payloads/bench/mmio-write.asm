; bench/mmio-write.asm - kvmlab bench case "mmio-write": a 4-byte store to the bench MMIO register.
;
; kvmlab should observe: one KVM_EXIT_MMIO (write) to kvmlab per iteration.
; The op runs N times per sample (bench --iters) between serialised TSC
; reads, after an empty loop timed the same way (payloads/lib/timing.inc).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-mmio-write", 1024, "bench: a 4-byte store to the bench MMIO register"

%macro BENCH_INIT 0
        mov rdi, GPA_BENCH_MMIO
%endmacro
%macro BENCH_OP 0
        mov [rdi], eax
%endmacro

start:
        BENCH_MAIN
