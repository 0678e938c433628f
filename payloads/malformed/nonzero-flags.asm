; nonzero-flags.asm - malformed payload: flags set.
;
; Defect: flags has bit 31 set.  ABI 1 defines only KVMLAB_FLAG_MSRS (bit 0);
; every other bit must be zero: a later ABI may give it a meaning this kvmlab
; would silently ignore.  Check it must trip: no unknown flag bits.

%include "kvmlab.inc"                   ; constants
%define RAW_FLAGS     0x80000000        ; bit 31: no such flag in ABI 1  <-- the defect
%include "rawhdr.inc"

        RAW_HEADER "nonzero-flags", "flags set"
