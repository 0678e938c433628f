; bad-version.asm - malformed payload: unknown ABI version.
;
; Defect: abi_version is 99; this kvmlab implements ABI 1 only.
; Check it must trip: abi_version == KVMLAB_ABI_VERSION.

%include "kvmlab.inc"                   ; constants only, not KVMLAB_HEADER

        bits    64
        org     0x10000
hdr:    dd      KVMLAB_MAGIC            ; magic
        dw      99                      ; abi_version  <-- the defect
        dw      KVMLAB_HDR_SIZE         ; hdr_size
        db      MODE_LONG, 0, 0, 0      ; mode, reserved0
        dd      0                       ; flags
        dd      0x10000                 ; load_addr
        dd      start - hdr             ; entry
        dd      128                     ; min_mem_kib
        dd      desc - hdr              ; desc_offset
name:   db      "bad-version"           ; name, NUL padded
        times   KVMLAB_NAME_MAX - ($ - name) db 0
desc:   db      "unknown ABI version", 0
start:  hlt
