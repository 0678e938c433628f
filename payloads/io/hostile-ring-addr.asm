; hostile-ring-addr.asm - a hostile virtio driver: a descriptor table at
; 2^64 - 4 KiB.
;
; Demonstrates: ring addresses checked once, at QueueReady, with
; overflow-safe arithmetic: 0xFFFFFFFFFFFFF000 + 16 * 8 wraps past 2^64,
; and a naive `addr + size <= ram_size` test would pass it.
; kvmlab should observe: QueueReady refused, Status gains DEVICE_NEEDS_RESET
; (0x40), error "ring_address"; queue_ready reads 0; after a reset Status
; is 0.  kvmlab itself ends normally.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "hostile-ring-addr", 4096, "hostile virtio driver: descriptor table at 2^64 - 4 KiB"

start:
        VIRTIO_PROBE
        VIRTIO_START 8, 0xFFFFF000, 0xFFFFFFFF
        mov     eax, [rbx + VIRTIO_QUEUE_READY]
        REPORT_VALUE "queue_ready", rax
        HOSTILE_END
