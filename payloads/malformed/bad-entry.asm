; bad-entry.asm - malformed payload: entry past the end.
;
; Defect: entry is the file size: the first offset past the last byte,
; the off-by-one case of an entry outside the file.
; Check it must trip: hdr_size <= entry < file size.

%include "kvmlab.inc"                   ; constants only, not KVMLAB_HEADER

        bits    64
        org     0x10000
hdr:    dd      KVMLAB_MAGIC            ; magic
        dw      KVMLAB_ABI_VERSION      ; abi_version
        dw      KVMLAB_HDR_SIZE         ; hdr_size
        db      MODE_LONG, 0, 0, 0      ; mode, reserved0
        dd      0                       ; flags
        dd      0x10000                 ; load_addr
        dd      end - hdr               ; entry  <-- the defect
        dd      128                     ; min_mem_kib
        dd      desc - hdr              ; desc_offset
name:   db      "bad-entry"             ; name, NUL padded
        times   KVMLAB_NAME_MAX - ($ - name) db 0
desc:   db      "entry past the end", 0
start:  hlt
end:
