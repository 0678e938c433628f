; bench/invd.asm - kvmlab bench case "invd": invd (invalidate caches without write-back).
;
; kvmlab should observe: no exit to kvmlab; VMX always exits on INVD and SVM intercepts it, and KVM completes it without\n; invalidating anything (it cannot drop other guests' dirty lines): the guest never runs a real INVD.
; The op runs N times per sample (bench --iters) between serialised TSC
; reads, after an empty loop timed the same way (payloads/lib/timing.inc).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-invd", 1024, "bench: invd (invalidate caches without write-back)"

%macro BENCH_OP 0
        invd
%endmacro

start:
        BENCH_MAIN
