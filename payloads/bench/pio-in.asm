; bench/pio-in.asm - kvmlab bench case "pio-in": in from the bench scratch port 0xEE.
;
; kvmlab should observe: one KVM_EXIT_IO (in, 1 byte) to kvmlab per iteration.
; The op runs N times per sample (bench --iters) between serialised TSC
; reads, after an empty loop timed the same way (payloads/lib/timing.inc).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-pio-in", 1024, "bench: in from the bench scratch port 0xEE"

%macro BENCH_OP 0
        in al, PORT_BENCH_SCRATCH
%endmacro

start:
        BENCH_MAIN
