; hostile-balloon-outside_ram.asm - a hostile balloon driver: a PFN beyond the end of guest RAM
;
; Demonstrates: kvmlab checks every PFN a balloon driver hands over
; (traps/devices/virtio_balloon.c) before it releases any host memory.
; kvmlab should observe: the device sets DEVICE_NEEDS_RESET (Status 0x40),
; io.balloon.error "balloon_pfn" with violation "outside_ram"; after the
; driver writes 0 to Status it reads 0.  kvmlab ends normally (hlt, exit 0).
; Run: kvmlab run --balloon 4 build/payloads/io/hostile-balloon-outside_ram.bin

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "hostile-balloon-outside_ram", 4096, "hostile balloon driver: a PFN beyond the end of guest RAM"

start:
        BALLOON_START
        xor     r14d, r14d
        xor     r15d, r15d
        mov     dword [BQ_PFNS], 0xFFFFF        ; 4 GiB - 4 KiB: no RAM there
        mov     ecx, 4
        BALLOON_INFLATE
        BALLOON_HOSTILE_END
