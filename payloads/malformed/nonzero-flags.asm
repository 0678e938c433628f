; nonzero-flags.asm - malformed payload: flags set.
;
; Defect: flags is 1.  ABI 1 defines no flags, so they must be zero:
; a later ABI may give bit 0 a meaning this kvmlab would silently ignore.
; Check it must trip: flags == 0.

%include "kvmlab.inc"                   ; constants only, not KVMLAB_HEADER

        bits    64
        org     0x10000
hdr:    dd      KVMLAB_MAGIC            ; magic
        dw      KVMLAB_ABI_VERSION      ; abi_version
        dw      KVMLAB_HDR_SIZE         ; hdr_size
        db      MODE_LONG, 0, 0, 0      ; mode, reserved0
        dd      1                       ; flags  <-- the defect
        dd      0x10000                 ; load_addr
        dd      start - hdr             ; entry
        dd      128                     ; min_mem_kib
        dd      desc - hdr              ; desc_offset
name:   db      "nonzero-flags"         ; name, NUL padded
        times   KVMLAB_NAME_MAX - ($ - name) db 0
desc:   db      "flags set", 0
start:  hlt
