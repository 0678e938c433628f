; bad-desc.asm - malformed payload: description past the end.
;
; Defect: desc_offset is the file size: the first offset past the last
; byte, so there is no description to read.
; Check it must trip: desc_offset == 0, or hdr_size <= desc_offset <
; file size with a NUL inside the file.

%include "kvmlab.inc"                   ; constants
%define RAW_DESC_OFF  end - hdr         ; desc_offset past the end of the file  <-- the defect
%include "rawhdr.inc"

        RAW_HEADER "bad-desc", "desc_offset points past the end"
end:
