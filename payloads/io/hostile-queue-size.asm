; hostile-queue-size.asm - a hostile virtio driver: a queue of 3 entries.
;
; Demonstrates: the queue size check at QueueReady (virtio 1.1 2.7: a split
; queue's size is a power of two, at most QueueNumMax).  Index arithmetic
; `idx % num` on a size that is not a power of two breaks at the 2^16 wrap.
; kvmlab should observe: QueueReady refused, Status gains DEVICE_NEEDS_RESET
; (0x40), error "queue_size"; queue_ready reads 0; after a reset Status is 0.
; kvmlab itself ends normally.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "hostile-queue-size", 4096, "hostile virtio driver: QueueNum 3, not a power of two"

start:
        VIRTIO_PROBE
        VIRTIO_START 3
        mov     eax, [rbx + VIRTIO_QUEUE_READY]
        REPORT_VALUE "queue_ready", rax
        HOSTILE_END
