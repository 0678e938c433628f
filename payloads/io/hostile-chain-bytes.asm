; hostile-chain-bytes.asm - a hostile virtio driver: 8 descriptors of 256 KiB each: 2 MiB in one chain, over kvmlab's 1 MiB cap
;
; Demonstrates: kvmlab's virtqueue checks (traps/virtqueue.c).  The driver
; initializes the console properly, then breaks one rule.
; kvmlab should observe: the device sets DEVICE_NEEDS_RESET (Status bit 0x40)
; and records the error "chain_bytes" (JSON io.virtio.error); no buffer is used
; (used_idx 0) and no byte reaches the console; after the driver writes 0 to
; Status it reads 0.  kvmlab itself ends normally (hlt, exit code 0).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "hostile-chain-bytes", 4096, "hostile virtio driver: 8 descriptors of 256 KiB each: 2 MiB in one chain, over kvmlab's 1 MiB cap"

start:
        VIRTIO_PROBE
        VIRTIO_START 8
%assign i 0
%rep 7
        DESC i, 0x10000, 0x40000, VIRTQ_DESC_F_NEXT, i + 1
%assign i i + 1
%endrep
        DESC 7, 0x10000, 0x40000, 0, 0
        mov     word [VQ_AVAIL + 4], 0         ; avail->ring[0]
        HOSTILE_KICK 1
        HOSTILE_END

msg:    db      "never printed"
