; bad-version.asm - malformed payload: unknown ABI version.
;
; Defect: abi_version is 99; this kvmlab implements ABI 1 only.
; Check it must trip: abi_version == KVMLAB_ABI_VERSION.

%include "kvmlab.inc"                   ; constants
%define RAW_VERSION   99                ; ABI version 99  <-- the defect
%include "rawhdr.inc"

        RAW_HEADER "bad-version", "unknown ABI version"
