; bench/vmcall.asm - kvmlab bench case "vmcall": vmcall with RAX = 0 (an unknown hypercall).
;
; kvmlab should observe: VMX/SVM: a hypercall exit handled in KVM (hypercalls stat), RAX = -KVM_ENOSYS; kvm_pvm: KVM_RUN never returns and the watchdog ends the run.
; The op runs N times per sample (bench --iters) between serialised TSC
; reads, after an empty loop timed the same way (payloads/lib/timing.inc).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-vmcall", 1024, "bench: vmcall with RAX = 0 (an unknown hypercall)"

%macro BENCH_SETUP 0
        xor eax, eax
%endmacro
%macro BENCH_OP 0
        vmcall
%endmacro

start:
        BENCH_MAIN
