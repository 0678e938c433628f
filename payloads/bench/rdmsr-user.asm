; bench/rdmsr-user.asm - kvmlab bench case "rdmsr-user": rdmsr of kvmlab's scratch MSR 0x400000E0, through the MSR filter.
;
; kvmlab should observe: one KVM_EXIT_X86_RDMSR to kvmlab per iteration.
; The op runs N times per sample (bench --iters) between serialised TSC
; reads, after an empty loop timed the same way (payloads/lib/timing.inc).

%define KVMLAB_FLAGS KVMLAB_FLAG_MSRS       ; uses kvmlab's MSRs: kvmlab installs its MSR filter
%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-rdmsr-user", 1024, "bench: rdmsr of kvmlab's scratch MSR 0x400000E0, through the MSR filter"

%macro BENCH_INIT 0
        mov ecx, MSR_KVMLAB_SCRATCH
%endmacro
%macro BENCH_OP 0
        rdmsr
%endmacro

start:
        BENCH_MAIN
