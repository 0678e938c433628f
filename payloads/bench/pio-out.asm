; bench/pio-out.asm - kvmlab bench case "pio-out": out to the bench scratch port 0xEE.
;
; kvmlab should observe: one KVM_EXIT_IO (out, 1 byte) to kvmlab per iteration.
; The op runs N times per sample (bench --iters) between serialised TSC
; reads, after an empty loop timed the same way (payloads/lib/timing.inc).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-pio-out", 1024, "bench: out to the bench scratch port 0xEE"

%macro BENCH_OP 0
        out PORT_BENCH_SCRATCH, al
%endmacro

start:
        BENCH_MAIN
