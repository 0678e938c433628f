; bench/rdtscp.asm - kvmlab bench case "rdtscp": rdtsc plus IA32_TSC_AUX in ECX.
;
; kvmlab should observe: VMX/SVM: no exit (like rdtsc); kvm_pvm: KVM's
; emulator cannot execute rdtscp, so the run ends in KVM_EXIT_INTERNAL_ERROR
; (emulation failure) at the first one and bench reports "internal error".
; The op runs N times per sample (bench --iters) between serialised TSC
; reads, after an empty loop timed the same way (payloads/lib/timing.inc).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-rdtscp", 1024, "bench: rdtscp: fails KVM's instruction emulator"

%macro BENCH_OP 0
        rdtscp
%endmacro

start:
        BENCH_MAIN
