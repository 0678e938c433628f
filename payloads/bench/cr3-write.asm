; bench/cr3-write.asm - kvmlab bench case "cr3-write": mov cr3, rax with the same page table root: a TLB flush.
;
; kvmlab should observe: no exit to kvmlab; with shadow paging KVM must handle it.
; The op runs N times per sample (bench --iters) between serialised TSC
; reads, after an empty loop timed the same way (payloads/lib/timing.inc).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-cr3-write", 1024, "bench: mov cr3, rax with the same page table root: a TLB flush"

%macro BENCH_SETUP 0
        mov rax, cr3
%endmacro
%macro BENCH_OP 0
        mov cr3, rax
%endmacro

start:
        BENCH_MAIN
