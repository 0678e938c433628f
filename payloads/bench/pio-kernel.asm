; bench/pio-kernel.asm - kvmlab bench case "pio-kernel": out to port 0xEF, an ioeventfd completed inside KVM.
;
; kvmlab should observe: no exit to kvmlab; the doorbell eventfd counts one signal per iteration.
; The op runs N times per sample (bench --iters) between serialised TSC
; reads, after an empty loop timed the same way (payloads/lib/timing.inc).

%define KVMLAB_FLAGS KVMLAB_FLAG_KERNEL_DEVS ; uses the in-kernel bench devices: kvmlab registers them
%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-pio-kernel", 1024, "bench: out to port 0xEF, an ioeventfd completed inside KVM"

%macro BENCH_OP 0
        out PORT_BENCH_DOORBELL, al
%endmacro

start:
        BENCH_MAIN
