; bad-mode.asm - malformed payload: unknown mode.
;
; Defect: mode is 7; only MODE_REAL=1, MODE_PROT=2 and MODE_LONG=3 exist.
; Check it must trip: mode is a known enum payload_mode.

%include "kvmlab.inc"                   ; constants only, not KVMLAB_HEADER

        bits    64
        org     0x10000
hdr:    dd      KVMLAB_MAGIC            ; magic
        dw      KVMLAB_ABI_VERSION      ; abi_version
        dw      KVMLAB_HDR_SIZE         ; hdr_size
        db      7, 0, 0, 0              ; mode, reserved0  <-- the defect
        dd      0                       ; flags
        dd      0x10000                 ; load_addr
        dd      start - hdr             ; entry
        dd      128                     ; min_mem_kib
        dd      desc - hdr              ; desc_offset
name:   db      "bad-mode"              ; name, NUL padded
        times   KVMLAB_NAME_MAX - ($ - name) db 0
desc:   db      "unknown mode", 0
start:  hlt
