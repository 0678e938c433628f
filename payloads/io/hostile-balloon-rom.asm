; hostile-balloon-rom.asm - a hostile balloon driver: a PFN inside the ROM slot
;
; Demonstrates: kvmlab checks every PFN a balloon driver hands over
; (traps/devices/virtio_balloon.c) before it releases any host memory.
; kvmlab should observe: the device sets DEVICE_NEEDS_RESET (Status 0x40),
; io.balloon.error "balloon_pfn" with violation "rom" (run with --rom); after the
; driver writes 0 to Status it reads 0.  kvmlab ends normally (hlt, exit 0).
; Run: kvmlab run --balloon 4 --rom build/payloads/io/hostile-balloon-rom.bin

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "hostile-balloon-rom", 4096, "hostile balloon driver: a PFN inside the ROM slot"

start:
        BALLOON_START
        xor     r14d, r14d
        xor     r15d, r15d
        mov     dword [BQ_PFNS], 0xFFFF0        ; the default --rom at 0xFFFF0000
        mov     ecx, 4
        BALLOON_INFLATE
        BALLOON_HOSTILE_END
