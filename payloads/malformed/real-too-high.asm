; real-too-high.asm - malformed payload: real-mode segment crosses 1 MiB.
;
; Defect: a MODE_REAL payload at load_addr 0xF8000.  The file itself ends
; below 1 MiB, but its 64 KiB segment (CS=SS=0xF800, stack at SP=0xFFF0)
; runs to 0x107FFF, past 1 MiB, where a PC with A20 off wraps to 0.
; min_mem_kib is 2048 and the default --mem is 4 MiB, so RAM size is not
; the problem.
; Check it must trip: real mode: load_addr + REAL_SEG_SIZE <=
; GPA_REAL_LIMIT (1 MiB).

%include "kvmlab.inc"                   ; constants only, not KVMLAB_HEADER

        bits    16
        org     0
hdr:    dd      KVMLAB_MAGIC            ; magic
        dw      KVMLAB_ABI_VERSION      ; abi_version
        dw      KVMLAB_HDR_SIZE         ; hdr_size
        db      MODE_REAL, 0, 0, 0      ; mode, reserved0
        dd      0                       ; flags
        dd      0xF8000                 ; load_addr  <-- the defect
        dd      start - hdr             ; entry
        dd      2048                    ; min_mem_kib
        dd      desc - hdr              ; desc_offset
name:   db      "real-too-high"         ; name, NUL padded
        times   KVMLAB_NAME_MAX - ($ - name) db 0
desc:   db      "real-mode segment crosses 1 MiB", 0
start:  hlt
