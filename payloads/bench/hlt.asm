; bench/hlt.asm - kvmlab bench case "hlt": hlt with interrupts off: kvmlab re-enters the guest.
;
; kvmlab should observe: one KVM_EXIT_HLT to kvmlab per iteration (bench sets hlt-continue).
; The op runs N times per sample (bench --iters) between serialised TSC
; reads, after an empty loop timed the same way (payloads/lib/timing.inc).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-hlt", 1024, "bench: hlt with interrupts off: kvmlab re-enters the guest"

%macro BENCH_OP 0
        hlt
%endmacro

start:
        BENCH_MAIN
