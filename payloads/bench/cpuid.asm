; bench/cpuid.asm - kvmlab bench case "cpuid": cpuid leaf 0: always intercepted on VMX/SVM.
;
; kvmlab should observe: no exit to kvmlab; on VMX/SVM the KVM exits stat grows by one per cpuid.
; The op runs N times per sample (bench --iters) between serialised TSC
; reads, after an empty loop timed the same way (payloads/lib/timing.inc).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-cpuid", 1024, "bench: cpuid leaf 0: always intercepted on VMX/SVM"

%macro BENCH_SETUP 0
        xor eax, eax
%endmacro
%macro BENCH_OP 0
        cpuid
%endmacro

start:
        BENCH_MAIN
