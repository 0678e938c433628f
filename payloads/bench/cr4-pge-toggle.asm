; bench/cr4-pge-toggle.asm - kvmlab bench case "cr4-pge-toggle": toggle CR4.PGE: flip it, then restore it.
;
; kvmlab should observe: no exit to kvmlab; two CR4 writes per op, each flushing the TLB, global entries too\n; (SDM vol. 3A 4.10.4.1; kvm-unit-tests x86/vmexit "toggle_cr4_pge").
; The op runs N times per sample (bench --iters) between serialised TSC
; reads, after an empty loop timed the same way (payloads/lib/timing.inc).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-cr4-pge-toggle", 1024, "bench: toggle CR4.PGE: flip it, then restore it"

%macro BENCH_INIT 0
        mov rsi, cr4
        mov rdi, rsi
        xor rdi, CR4_PGE
%endmacro
%macro BENCH_OP 0
        mov cr4, rdi
        mov cr4, rsi
%endmacro

start:
        BENCH_MAIN
