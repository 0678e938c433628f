; bench/rdtsc.asm - kvmlab bench case "rdtsc": rdtsc: not intercepted when the TSC is offset in hardware.
;
; kvmlab should observe: no exit on VMX/SVM.
; The op runs N times per sample (bench --iters) between serialised TSC
; reads, after an empty loop timed the same way (payloads/lib/timing.inc).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-rdtsc", 1024, "bench: rdtsc: not intercepted when the TSC is offset in hardware"

%macro BENCH_OP 0
        rdtsc
%endmacro

start:
        BENCH_MAIN
