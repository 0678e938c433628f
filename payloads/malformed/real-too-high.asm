; real-too-high.asm - malformed payload: real-mode segment crosses 1 MiB.
;
; Defect: a MODE_REAL payload at load_addr 0xF8000.  The file itself ends
; below 1 MiB, but its 64 KiB segment (CS=SS=0xF800, stack at SP=0xFFF0)
; runs to 0x107FFF, past 1 MiB, where a PC with A20 off wraps to 0.
; min_mem_kib is 2048 and the default --mem is 4 MiB, so RAM size is not
; the problem.
; Check it must trip: real mode: load_addr + REAL_SEG_SIZE <=
; GPA_REAL_LIMIT (1 MiB).

%include "kvmlab.inc"                   ; constants
%define RAW_LOAD      0xF8000           ; its 64 KiB segment crosses 1 MiB  <-- the defect
%define RAW_MODE      MODE_REAL
%define RAW_MIN_KIB   2048
%define RAW_BITS      16
%define RAW_ORG       0                 ; real mode: org 0, CS = load_addr >> 4
%include "rawhdr.inc"

        RAW_HEADER "real-too-high", "real-mode segment crosses 1 MiB"
