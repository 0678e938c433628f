; bad-entry.asm - malformed payload: entry past the end.
;
; Defect: entry is the file size: the first offset past the last byte,
; the off-by-one case of an entry outside the file.
; Check it must trip: hdr_size <= entry < file size.

%include "kvmlab.inc"                   ; constants
%define RAW_ENTRY     end - hdr         ; entry past the end of the file  <-- the defect
%include "rawhdr.inc"

        RAW_HEADER "bad-entry", "entry past the end"
end:
