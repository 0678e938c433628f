; bench/touch-first.asm - kvmlab bench case "touch-first": a store to a guest
; page never touched before, one fresh page per iteration.
;
; kvmlab should observe: no exit to kvmlab; KVM takes a page fault per store
; (pf_taken/pf_fixed) to map the page (shadow paging: a shadow PTE; EPT/NPT:
; an EPT/NPT violation), so the first touch costs far more than the second.
; Pages start at TOUCH_BASE; the empty loop skips N pages, the op loop touches
; the next N: a run needs TOUCH_BASE + 2 x N x samples pages (bench sizes RAM).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "bench-touch-first", 24576, "bench: first store to fresh guest pages (page fault in KVM)"

%define TOUCH_BASE      0x400000        ; 4 MiB: above the payload and its stack

%macro BENCH_INIT 0
        mov     rdi, TOUCH_BASE
%endmacro
%macro BENCH_SETUP 0
        add     rdi, 4096               ; the next page (never touched)
%endmacro
%macro BENCH_OP 0
        mov     byte [rdi], 1
%endmacro

start:
        BENCH_MAIN
