; hostile-balloon-length.asm - a hostile balloon driver: a buffer of 3 bytes: not whole le32 PFNs
;
; Demonstrates: kvmlab checks every PFN a balloon driver hands over
; (traps/devices/virtio_balloon.c) before it releases any host memory.
; kvmlab should observe: the device sets DEVICE_NEEDS_RESET (Status 0x40),
; io.balloon.error "balloon_pfn" with violation "length"; after the
; driver writes 0 to Status it reads 0.  kvmlab ends normally (hlt, exit 0).
; Run: kvmlab run --balloon 4 build/payloads/io/hostile-balloon-length.bin

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "hostile-balloon-length", 4096, "hostile balloon driver: a buffer of 3 bytes: not whole le32 PFNs"

start:
        BALLOON_START
        xor     r14d, r14d
        xor     r15d, r15d
        mov     dword [BQ_PFNS], 0x300
        mov     ecx, 3
        BALLOON_INFLATE
        BALLOON_HOSTILE_END
