; bad-name.asm - malformed payload: non-printable name.
;
; Defect: the name contains 0x07 (BEL), which would ring the terminal
; when kvmlab prints it.
; Check it must trip: name is 1 to 31 printable ASCII bytes (0x20-0x7E),
; then NULs.

%include "kvmlab.inc"                   ; constants only, not KVMLAB_HEADER

        bits    64
        org     0x10000
hdr:    dd      KVMLAB_MAGIC            ; magic
        dw      KVMLAB_ABI_VERSION      ; abi_version
        dw      KVMLAB_HDR_SIZE         ; hdr_size
        db      MODE_LONG, 0, 0, 0      ; mode, reserved0
        dd      0                       ; flags
        dd      0x10000                 ; load_addr
        dd      start - hdr             ; entry
        dd      128                     ; min_mem_kib
        dd      desc - hdr              ; desc_offset
name:   db      "bad", 7, "name"        ; name, NUL padded  <-- the defect
        times   KVMLAB_NAME_MAX - ($ - name) db 0
desc:   db      "non-printable name", 0
start:  hlt
