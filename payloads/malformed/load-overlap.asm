; load-overlap.asm - malformed payload: load address too low.
;
; Defect: load_addr is 0x8000, on top of kvmlab's own structures (page
; tables up to 0x8FFF, the stack below 0x10000).
; Check it must trip: load_addr >= GPA_LOAD_MIN (0x10000).

%include "kvmlab.inc"                   ; constants only, not KVMLAB_HEADER

        bits    64
        org     0x8000
hdr:    dd      KVMLAB_MAGIC            ; magic
        dw      KVMLAB_ABI_VERSION      ; abi_version
        dw      KVMLAB_HDR_SIZE         ; hdr_size
        db      MODE_LONG, 0, 0, 0      ; mode, reserved0
        dd      0                       ; flags
        dd      0x8000                  ; load_addr  <-- the defect
        dd      start - hdr             ; entry
        dd      128                     ; min_mem_kib
        dd      desc - hdr              ; desc_offset
name:   db      "load-overlap"          ; name, NUL padded
        times   KVMLAB_NAME_MAX - ($ - name) db 0
desc:   db      "load address too low", 0
start:  hlt
