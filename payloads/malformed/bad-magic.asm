; bad-magic.asm - malformed payload: wrong magic.
;
; Defect: magic is "KVMX" (0x584D564B), not "KVML"; everything else
; is valid.
; Check it must trip: magic == KVMLAB_MAGIC.

%include "kvmlab.inc"                   ; constants only, not KVMLAB_HEADER

        bits    64
        org     0x10000
hdr:    dd      0x584D564B              ; magic = "KVMX"  <-- the defect
        dw      KVMLAB_ABI_VERSION      ; abi_version
        dw      KVMLAB_HDR_SIZE         ; hdr_size
        db      MODE_LONG, 0, 0, 0      ; mode, reserved0
        dd      0                       ; flags
        dd      0x10000                 ; load_addr
        dd      start - hdr             ; entry
        dd      128                     ; min_mem_kib
        dd      desc - hdr              ; desc_offset
name:   db      "bad-magic"             ; name, NUL padded
        times   KVMLAB_NAME_MAX - ($ - name) db 0
desc:   db      "wrong magic", 0
start:  hlt
