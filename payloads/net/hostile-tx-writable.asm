; hostile-tx-writable.asm - a virtio-net driver giving transmitq1 a
; device-writable buffer.
;
; Demonstrates: descriptor abuse on the transmit queue.  Transmit buffers are
; device-readable only (virtio 1.1 5.1.6.2); a writable one would let the
; device write into what the driver meant to send, so the device refuses
; the chain instead of guessing.
; kvmlab should observe: io.net.tx_packets 0, io.net.error "request_format",
; Status with DEVICE_NEEDS_RESET (0x40), used->idx 0; status_after_reset 0.

%include "kvmlab.inc"
%include "io.inc"
%include "net.inc"
KVMLAB_HEADER MODE_LONG, "net-hostile-tx-writable", 4096, "virtio-net transmit chain with a device-writable buffer"

start:
        NET_START
        NET_HOSTILE_TX NET_HDR + 64, VIRTQ_DESC_F_WRITE
