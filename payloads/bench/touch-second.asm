; bench/touch-second.asm - kvmlab bench case "touch-second": a store to a
; guest page that was already touched, one page per iteration.
;
; kvmlab should observe: no exit to kvmlab and no page fault in KVM (the
; mapping exists): compare with touch-first.  BENCH_INIT touches N + 1 pages
; once, untimed; every op loop then walks the same N pages again.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-touch-second", 24576, "bench: second store to the same guest pages (mapped: no fault)"

%define TOUCH_BASE      0x400000

%macro BENCH_INIT 0
        mov     rdi, TOUCH_BASE
        mov     ecx, r15d
        inc     ecx
%%touch:
        mov     byte [rdi], 1
        add     rdi, 4096
        dec     ecx
        jnz     %%touch
%endmacro
%macro BENCH_SAMPLE_INIT 0
        mov     rdi, TOUCH_BASE - 4096  ; BENCH_SETUP moves to the first page
%endmacro
%macro BENCH_SETUP 0
        add     rdi, 4096
%endmacro
%macro BENCH_OP 0
        mov     byte [rdi], 1
%endmacro

start:
        BENCH_MAIN
