; bench/mmio-kernel.asm - kvmlab bench case "mmio-kernel": dword MMIO write to 0xF0002000, an ioeventfd completed inside KVM.
;
; kvmlab should observe: no exit to kvmlab; the doorbell eventfd counts one signal per iteration
; (kvm-unit-tests x86/vmexit "pci-mem" with an eventfd: a virtio doorbell's path).
; The op runs N times per sample (bench --iters) between serialised TSC
; reads, after an empty loop timed the same way (payloads/lib/timing.inc).

%define KVMLAB_FLAGS KVMLAB_FLAG_KERNEL_DEVS ; uses the in-kernel bench devices: kvmlab registers them
%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-mmio-kernel", 1024, "bench: dword MMIO write to an ioeventfd doorbell at 0xF0002000"

%macro BENCH_INIT 0
        mov rdi, GPA_BENCH_DOORBELL
%endmacro
%macro BENCH_OP 0
        mov dword [rdi], eax
%endmacro

start:
        BENCH_MAIN
