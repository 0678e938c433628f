; bad-hdr-size.asm - malformed payload: wrong header size.
;
; Defect: hdr_size says 32, but an ABI 1 header is exactly 64 bytes
; (the 64 bytes are still all there).
; Check it must trip: hdr_size == KVMLAB_HDR_SIZE.

%include "kvmlab.inc"                   ; constants only, not KVMLAB_HEADER

        bits    64
        org     0x10000
hdr:    dd      KVMLAB_MAGIC            ; magic
        dw      KVMLAB_ABI_VERSION      ; abi_version
        dw      32                      ; hdr_size  <-- the defect
        db      MODE_LONG, 0, 0, 0      ; mode, reserved0
        dd      0                       ; flags
        dd      0x10000                 ; load_addr
        dd      start - hdr             ; entry
        dd      128                     ; min_mem_kib
        dd      desc - hdr              ; desc_offset
name:   db      "bad-hdr-size"          ; name, NUL padded
        times   KVMLAB_NAME_MAX - ($ - name) db 0
desc:   db      "wrong header size", 0
start:  hlt
