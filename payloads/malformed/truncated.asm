; truncated.asm - malformed payload: shorter than the header.
;
; Defect: the file is 20 bytes, the first 20 of a valid long-mode header;
; the header is 64.
; Check it must trip: file size >= KVMLAB_HDR_SIZE, tested before any field
; is read (reading entry or name here would run off the end of the file).

%include "kvmlab.inc"                   ; constants only, not KVMLAB_HEADER

        bits    64
        org     0x10000
hdr:    dd      KVMLAB_MAGIC            ; magic
        dw      KVMLAB_ABI_VERSION      ; abi_version
        dw      KVMLAB_HDR_SIZE         ; hdr_size: claims 64
        db      MODE_LONG, 0, 0, 0      ; mode, reserved0
        dd      0                       ; flags
        dd      0x10000                 ; load_addr
        ; the file ends here, at 20 bytes  <-- the defect
