; bad-mode.asm - malformed payload: unknown mode.
;
; Defect: mode is 7; only MODE_REAL=1, MODE_PROT=2 and MODE_LONG=3 exist.
; Check it must trip: mode is a known enum payload_mode.

%include "kvmlab.inc"                   ; constants
%define RAW_MODE      7                 ; no CPU mode 7  <-- the defect
%include "rawhdr.inc"

        RAW_HEADER "bad-mode", "unknown mode"
