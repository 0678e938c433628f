; too-big.asm - malformed payload: does not fit in RAM.
;
; Defect: none in the header (min_mem_kib = 128 is within 256 KiB), but
; the file is 300 KiB, so loaded at 0x10000 it ends at 364 KiB.  The test
; runs it with --mem 256K; with the default 4 MiB it loads and halts.
; Check it must trip: load_addr + file size <= guest RAM size.

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
        dd      desc - hdr              ; desc_offset
name:   db      "too-big"               ; name, NUL padded
        times   KVMLAB_NAME_MAX - ($ - name) db 0
desc:   db      "does not fit in RAM", 0
start:  hlt
        times   300 * 1024 - ($ - hdr) db 0      ; pad the file to 300 KiB
