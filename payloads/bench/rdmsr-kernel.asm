; bench/rdmsr-kernel.asm - kvmlab bench case "rdmsr-kernel": rdmsr of IA32_GS_BASE (0xC0000101), handled by KVM.
;
; kvmlab should observe: no exit to kvmlab.
; The op runs N times per sample (bench --iters) between serialised TSC
; reads, after an empty loop timed the same way (payloads/lib/timing.inc).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-rdmsr-kernel", 1024, "bench: rdmsr of IA32_GS_BASE (0xC0000101), handled by KVM"

%macro BENCH_INIT 0
        mov ecx, 0xC0000101
%endmacro
%macro BENCH_OP 0
        rdmsr
%endmacro

start:
        BENCH_MAIN
