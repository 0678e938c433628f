; bench/mmio-coalesced.asm - kvmlab bench case "mmio-coalesced": a 4-byte store to the coalesced-MMIO zone.
;
; kvmlab should observe: no exit per store: KVM queues it in the ring, kvmlab replays it later.
; The op runs N times per sample (bench --iters) between serialised TSC
; reads, after an empty loop timed the same way (payloads/lib/timing.inc).

%define KVMLAB_FLAGS KVMLAB_FLAG_KERNEL_DEVS ; uses the in-kernel bench devices: kvmlab registers them
%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-mmio-coalesced", 1024, "bench: a 4-byte store to the coalesced-MMIO zone"

%macro BENCH_INIT 0
        mov rdi, GPA_BENCH_COALESCED
%endmacro
%macro BENCH_OP 0
        mov [rdi], eax
%endmacro

start:
        BENCH_MAIN
