; bench/pic-in.asm - kvmlab bench case "pic-in": in from port 0x4D0, the in-kernel PIC's ELCR.
;
; kvmlab should observe: no exit to kvmlab; KVM's PIC answers the read (kvm-unit-tests
; x86/vmexit "inl_from_kernel").  The header asks for KVM's in-kernel interrupt
; controllers (KVMLAB_FLAG_IRQCHIP): without them the port would be unclaimed.
; The op runs N times per sample (bench --iters) between serialised TSC
; reads, after an empty loop timed the same way (payloads/lib/timing.inc).

%define KVMLAB_FLAGS KVMLAB_FLAG_IRQCHIP  ; the PIC that owns port 0x4D0 lives in KVM
%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-pic-in", 1024, "bench: in from port 0x4D0, answered by KVM's in-kernel PIC"

%macro BENCH_INIT 0
        mov edi, PORT_PIC_ELCR1
%endmacro
%macro BENCH_OP 0
        mov edx, edi
        in al, dx
%endmacro

start:
        BENCH_MAIN
