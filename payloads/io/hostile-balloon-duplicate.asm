; hostile-balloon-duplicate.asm - a hostile balloon driver: the same PFN twice in one buffer
;
; Demonstrates: kvmlab checks every PFN a balloon driver hands over
; (traps/devices/virtio_balloon.c) before it releases any host memory.
; kvmlab should observe: the device sets DEVICE_NEEDS_RESET (Status 0x40),
; io.balloon.error "balloon_pfn" with violation "duplicate"; the first copy was released, the second refused; after the
; driver writes 0 to Status it reads 0.  kvmlab ends normally (hlt, exit 0).
; Run: kvmlab run --balloon 4 build/payloads/io/hostile-balloon-duplicate.bin

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "hostile-balloon-duplicate", 4096, "hostile balloon driver: the same PFN twice in one buffer"

start:
        BALLOON_START
        xor     r14d, r14d
        xor     r15d, r15d
        mov     dword [BQ_PFNS], 0x300
        mov     dword [BQ_PFNS + 4], 0x300
        mov     ecx, 8
        BALLOON_INFLATE
        BALLOON_HOSTILE_END
