; bench/dr7-read.asm - kvmlab bench case "dr7-read": mov from dr7.
;
; kvmlab should observe: no exit to kvmlab; KVM handles MOV DR or lets the guest own the debug registers after the first access.
; The op runs N times per sample (bench --iters) between serialised TSC
; reads, after an empty loop timed the same way (payloads/lib/timing.inc).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-dr7-read", 1024, "bench: mov from dr7"

%macro BENCH_OP 0
        mov rax, dr7
%endmacro

start:
        BENCH_MAIN
