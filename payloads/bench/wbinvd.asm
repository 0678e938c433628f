; bench/wbinvd.asm - kvmlab bench case "wbinvd": wbinvd (write back and invalidate caches).
;
; kvmlab should observe: no exit to kvmlab; on VMX/SVM KVM intercepts WBINVD and handles it (SDM vol. 3C 26.1.3; APM vol. 2 15.9).
; The op runs N times per sample (bench --iters) between serialised TSC
; reads, after an empty loop timed the same way (payloads/lib/timing.inc).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-wbinvd", 1024, "bench: wbinvd (write back and invalidate caches)"

%macro BENCH_OP 0
        wbinvd
%endmacro

start:
        BENCH_MAIN
