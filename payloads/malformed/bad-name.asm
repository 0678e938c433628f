; bad-name.asm - malformed payload: non-printable name.
;
; Defect: the name contains 0x07 (BEL), which would ring the terminal
; when kvmlab prints it.
; Check it must trip: name is 1 to 31 printable ASCII bytes (0x20-0x7E),
; then NULs.

%include "kvmlab.inc"                   ; constants
%include "rawhdr.inc"

        ; the name holds a BEL character (7): not printable  <-- the defect
        RAW_HEADER {"bad", 7, "name"}, "non-printable name"
