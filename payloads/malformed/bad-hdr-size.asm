; bad-hdr-size.asm - malformed payload: wrong header size.
;
; Defect: hdr_size says 32, but an ABI 1 header is exactly 64 bytes
; (the 64 bytes are still all there).
; Check it must trip: hdr_size == KVMLAB_HDR_SIZE.

%include "kvmlab.inc"                   ; constants
%define RAW_HDR_SIZE  32                ; hdr_size is not 64  <-- the defect
%include "rawhdr.inc"

        RAW_HEADER "bad-hdr-size", "wrong header size"
