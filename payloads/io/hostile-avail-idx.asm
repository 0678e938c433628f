; hostile-avail-idx.asm - a hostile virtio driver: avail->idx runs 200 ahead of a queue of 8
;
; Demonstrates: kvmlab's virtqueue checks (traps/virtqueue.c).  The driver
; initializes the console properly, then breaks one rule.
; kvmlab should observe: the device sets DEVICE_NEEDS_RESET (Status bit 0x40)
; and records the error "avail_idx" (JSON io.virtio.error); no buffer is used
; (used_idx 0) and no byte reaches the console; after the driver writes 0 to
; Status it reads 0.  kvmlab itself ends normally (hlt, exit code 0).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "hostile-avail-idx", 4096, "hostile virtio driver: avail->idx runs 200 ahead of a queue of 8"

start:
        VIRTIO_PROBE
        VIRTIO_START 8
        DESC 0, msg, 13, 0, 0
        mov     word [VQ_AVAIL + 4], 0         ; avail->ring[0]
        HOSTILE_KICK 200
        HOSTILE_END

msg:    db      "never printed"
