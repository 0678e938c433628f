; hostile-balloon-excess.asm - a hostile balloon driver: more PFNs than num_pages asked for
;
; Demonstrates: kvmlab checks every PFN a balloon driver hands over
; (traps/devices/virtio_balloon.c) before it releases any host memory.
; kvmlab should observe: the device sets DEVICE_NEEDS_RESET (Status 0x40),
; io.balloon.error "balloon_pfn" with violation "excess" (num_pages 1, two PFNs); after the
; driver writes 0 to Status it reads 0.  kvmlab ends normally (hlt, exit 0).
; Run: kvmlab run --balloon 1 build/payloads/io/hostile-balloon-excess.bin

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "hostile-balloon-excess", 4096, "hostile balloon driver: more PFNs than num_pages asked for"

start:
        BALLOON_START
        xor     r14d, r14d
        xor     r15d, r15d
        mov     dword [BQ_PFNS], 0x300
        mov     dword [BQ_PFNS + 4], 0x301
        mov     ecx, 8
        BALLOON_INFLATE
        BALLOON_HOSTILE_END
