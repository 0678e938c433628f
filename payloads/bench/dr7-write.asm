; bench/dr7-write.asm - kvmlab bench case "dr7-write": mov to dr7 (0x400, every breakpoint disabled).
;
; kvmlab should observe: no exit to kvmlab; kvm-unit-tests x86/vmexit "mov_dr" writes the same value.
; The op runs N times per sample (bench --iters) between serialised TSC
; reads, after an empty loop timed the same way (payloads/lib/timing.inc).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-dr7-write", 1024, "bench: mov to dr7 (0x400, every breakpoint disabled)"

%macro BENCH_INIT 0
        mov esi, DR7_FIXED1
%endmacro
%macro BENCH_OP 0
        mov dr7, rsi
%endmacro

start:
        BENCH_MAIN
