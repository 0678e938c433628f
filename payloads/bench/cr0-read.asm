; bench/cr0-read.asm - kvmlab bench case "cr0-read": mov rax, cr0.
;
; kvmlab should observe: no exit to kvmlab (VMX: CR0 reads come from the read shadow, no exit).
; The op runs N times per sample (bench --iters) between serialised TSC
; reads, after an empty loop timed the same way (payloads/lib/timing.inc).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-cr0-read", 1024, "bench: mov rax, cr0"

%macro BENCH_OP 0
        mov rax, cr0
%endmacro

start:
        BENCH_MAIN
