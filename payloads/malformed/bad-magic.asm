; bad-magic.asm - malformed payload: wrong magic.
;
; Defect: magic is "KVMX" (0x584D564B), not "KVML"; everything else
; is valid.
; Check it must trip: magic == KVMLAB_MAGIC.

%include "kvmlab.inc"                   ; constants
%define RAW_MAGIC     0x584D564B        ; "KVMX", not "KVML"  <-- the defect
%include "rawhdr.inc"

        RAW_HEADER "bad-magic", "wrong magic"
