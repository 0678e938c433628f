; bench/wrmsr-kgsbase.asm - kvmlab bench case "wrmsr-kgsbase": wrmsr KERNEL_GS_BASE (KVM).
;
; kvmlab should observe: no exit to kvmlab; VMX and SVM pass IA32_KERNEL_GS_BASE through to the guest\n; (kvm-unit-tests x86/vmexit "wr_kernel_gs_base").
; The op runs N times per sample (bench --iters) between serialised TSC
; reads, after an empty loop timed the same way (payloads/lib/timing.inc).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-wrmsr-kgsbase", 1024, "bench: wrmsr KERNEL_GS_BASE (KVM)"

%macro BENCH_INIT 0
        mov ecx, MSR_KERNEL_GS_BASE
        xor eax, eax
        xor edx, edx
%endmacro
%macro BENCH_OP 0
        wrmsr
%endmacro

start:
        BENCH_MAIN
