; load-overlap.asm - malformed payload: load address too low.
;
; Defect: load_addr is 0x8000, on top of kvmlab's own structures (page
; tables up to 0x8FFF, the stack below 0x10000).
; Check it must trip: load_addr >= GPA_LOAD_MIN (0x10000).

%include "kvmlab.inc"                   ; constants
%define RAW_LOAD      0x8000            ; below 0x10000: kvmlab's structures  <-- the defect
%include "rawhdr.inc"

        RAW_HEADER "load-overlap", "load address too low"
