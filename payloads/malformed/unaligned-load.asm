; unaligned-load.asm - malformed payload: unaligned load address.
;
; Defect: load_addr is 0x10001: not a multiple of 4 KiB, nor even of 16
; (no real-mode segment could start there).
; Check it must trip: load_addr % 4096 == 0.

%include "kvmlab.inc"                   ; constants
%define RAW_LOAD      0x10001           ; not 4 KiB aligned  <-- the defect
%include "rawhdr.inc"

        RAW_HEADER "unaligned-load", "unaligned load address"
