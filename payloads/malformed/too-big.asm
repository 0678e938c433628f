; too-big.asm - malformed payload: does not fit in RAM.
;
; Defect: none in the header (min_mem_kib = 128 is within 256 KiB), but
; the file is 300 KiB, so loaded at 0x10000 it ends at 364 KiB.  The test
; runs it with --mem 256K; with the default 4 MiB it loads and halts.
; Check it must trip: load_addr + file size <= guest RAM size.

%include "kvmlab.inc"                   ; constants
%include "rawhdr.inc"

        RAW_HEADER "too-big", "does not fit in RAM"
        times   300 * 1024 - ($ - hdr) db 0      ; pad the file to 300 KiB  <-- the defect
