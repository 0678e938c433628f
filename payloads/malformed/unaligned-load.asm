; unaligned-load.asm - malformed payload: unaligned load address.
;
; Defect: load_addr is 0x10001: not a multiple of 4 KiB, nor even of 16
; (no real-mode segment could start there).
; Check it must trip: load_addr % 4096 == 0.

%include "kvmlab.inc"                   ; constants only, not KVMLAB_HEADER

        bits    64
        org     0x10001
hdr:    dd      KVMLAB_MAGIC            ; magic
        dw      KVMLAB_ABI_VERSION      ; abi_version
        dw      KVMLAB_HDR_SIZE         ; hdr_size
        db      MODE_LONG, 0, 0, 0      ; mode, reserved0
        dd      0                       ; flags
        dd      0x10001                 ; load_addr  <-- the defect
        dd      start - hdr             ; entry
        dd      128                     ; min_mem_kib
        dd      desc - hdr              ; desc_offset
name:   db      "unaligned-load"        ; name, NUL padded
        times   KVMLAB_NAME_MAX - ($ - name) db 0
desc:   db      "unaligned load address", 0
start:  hlt
