; bad-desc.asm - malformed payload: description past the end.
;
; Defect: desc_offset is the file size: the first offset past the last
; byte, so there is no description to read.
; Check it must trip: desc_offset == 0, or hdr_size <= desc_offset <
; file size with a NUL inside the file.

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
        dd      end - hdr               ; desc_offset  <-- the defect
name:   db      "bad-desc"              ; name, NUL padded
        times   KVMLAB_NAME_MAX - ($ - name) db 0
start:  hlt
end:
