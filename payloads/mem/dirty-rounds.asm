; dirty-rounds.asm - known sets of pages written in rounds (脏页).
;
; Demonstrates: dirty logging.  Run with --dirty-log bitmap (or ring).  The
; payload writes only to the region [0x100000, 0x140000) (64 pages) between
; rounds, and asks kvmlab to harvest the dirty log after each round through
; port 0xF8 (MEMCTL_DIRTY_ROUND).  Round 0 is the baseline (whatever was
; written since start: the stack, page tables' accessed bits).
; kvmlab should observe, inside the region:
;   round 1: pages 0-7          (8 pages)
;   round 2: pages 0,2,4,...,30 (16 pages)
;   round 3: pages 5 and 63     (page 5 written three times: still 1 page)
;   round 4: none
; then HLT.  The memctl status of every round is reported (0 = harvested).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "dirty-rounds", 2048, "writes known page sets in rounds; kvmlab harvests the dirty log after each"

REGION          equ 0x100000
PAGE            equ 4096

%macro ROUND 1                          ; harvest, then report the status
        MEMCTL  MEMCTL_DIRTY_ROUND, %1
        MEMCTL_STATUS ebx
        REPORT_VALUE "round-status", rbx
%endmacro

start:
        ROUND   0                       ; baseline
        ; round 1: pages 0..7
        mov     edi, REGION
        mov     ecx, 8
.r1:    mov     qword [rdi], rcx
        add     rdi, PAGE
        loop    .r1
        ROUND   1
        ; round 2: every other page, 0..30
        mov     edi, REGION
        mov     ecx, 16
.r2:    mov     byte [rdi + 7], 2
        add     rdi, 2 * PAGE
        loop    .r2
        ROUND   2
        ; round 3: page 5 three times, page 63 once
        mov     edi, REGION + 5 * PAGE
        mov     byte [rdi], 1
        mov     byte [rdi + 100], 2
        mov     dword [rdi + 4000], 3
        mov     edi, REGION + 63 * PAGE
        mov     qword [rdi + PAGE - 8], rdi
        ROUND   3
        ; round 4: nothing written in the region
        ROUND   4
        hlt
