; hostile-oversize.asm - a virtio-net driver sending a frame one byte longer
; than an Ethernet frame.
;
; Demonstrates: the device's limit on a transmit chain.  With no
; segmentation offload offered (virtio 1.1 5.1.3, 5.1.6.2) a frame is at most
; 1514 bytes (ETH_HLEN + ETH_DATA_LEN); this chain carries the 12-byte
; header and 1515 bytes.
; kvmlab should observe: nothing written to the tap (io.net.tx_packets 0),
; io.net.error "frame_size", Status with DEVICE_NEEDS_RESET (0x40) and
; used->idx 0; after the driver writes 0 to Status, status_after_reset 0.

%include "kvmlab.inc"
%include "io.inc"
%include "net.inc"
KVMLAB_HEADER MODE_LONG, "net-hostile-oversize", 4096, "virtio-net transmit chain with a 1515-byte frame"

start:
        NET_START
        NET_HOSTILE_TX NET_HDR + 1515, 0
