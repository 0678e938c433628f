; nonzero-flags.asm - malformed payload: flags set.
;
; Defect: flags is 1.  ABI 1 defines no flags, so they must be zero:
; a later ABI may give bit 0 a meaning this kvmlab would silently ignore.
; Check it must trip: flags == 0.

%include "kvmlab.inc"                   ; constants
%define RAW_FLAGS     1                 ; no flags exist in ABI 1  <-- the defect
%include "rawhdr.inc"

        RAW_HEADER "nonzero-flags", "flags set"
