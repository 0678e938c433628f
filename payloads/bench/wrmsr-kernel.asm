; bench/wrmsr-kernel.asm - kvmlab bench case "wrmsr-kernel": wrmsr of 0 to IA32_GS_BASE (0xC0000101), handled by KVM.
;
; kvmlab should observe: no exit to kvmlab.
; The op runs N times per sample (bench --iters) between serialised TSC
; reads, after an empty loop timed the same way (payloads/lib/timing.inc).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-wrmsr-kernel", 1024, "bench: wrmsr of 0 to IA32_GS_BASE (0xC0000101), handled by KVM"

%macro BENCH_INIT 0
        mov ecx, 0xC0000101
%endmacro
%macro BENCH_SETUP 0
        xor eax, eax
        xor edx, edx
%endmacro
%macro BENCH_OP 0
        wrmsr
%endmacro

start:
        BENCH_MAIN
