; sipi-no-lapic.asm - malformed payload: APs waiting for a SIPI nobody can receive.
;
; Defect: flags sets KVMLAB_FLAG_AP_SIPI (bit 4, the APs wait for INIT-SIPI-SIPI)
; without an interrupt model that has a LAPIC in KVM (bit 2 or bit 3).
; Check it must trip: only a LAPIC receives INIT and SIPI (SDM Vol. 3A 10.4.4).

%include "kvmlab.inc"                   ; constants
%define RAW_FLAGS     KVMLAB_FLAG_AP_SIPI   ; <-- the defect
%include "rawhdr.inc"

        RAW_HEADER "sipi-no-lapic", "APs wait for a SIPI without a LAPIC"
