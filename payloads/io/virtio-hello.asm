; virtio-hello.asm - a virtio-mmio driver that prints one line.
;
; Demonstrates: the virtio 1.1 initialization sequence (3.1.1) over the
; virtio-mmio transport, then one buffer chain of two descriptors
; ("Hello from " -> "virtio!\n") on transmitq0 and one doorbell.  The driver
; is the same whatever answers the doorbell (kvmlab run --virtio-notify).
; kvmlab should observe: the device's output "Hello from virtio!\n" (JSON
; io.virtio.text), 1 chain, 19 bytes, status 0x0F (ACK|DRIVER|FEATURES_OK|
; DRIVER_OK); the guest reports notifies = 1 (0 with --virtio-notify poll,
; where the device asks not to be notified) and used_idx = 1.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "virtio-hello", 4096, "virtio-mmio console driver: init sequence, one 2-descriptor chain"

start:
        VIRTIO_PROBE
        VIRTIO_START 8
        ; descriptor 0: "Hello from ", continues at 1 (NEXT)
        mov     qword [VQ_DESC + 0], part1
        mov     dword [VQ_DESC + 8], part1_len
        mov     word  [VQ_DESC + 12], VIRTQ_DESC_F_NEXT
        mov     word  [VQ_DESC + 14], 1
        ; descriptor 1: "virtio!\n", end of chain
        mov     qword [VQ_DESC + 16], part2
        mov     dword [VQ_DESC + 24], part2_len
        mov     word  [VQ_DESC + 28], 0
        mov     word  [VQ_DESC + 30], 0
        mov     word  [VQ_AVAIL + 4], 0         ; avail->ring[0] = head 0
        mov     word  [VQ_AVAIL + 2], 1         ; avail->idx = 1: published
        xor     r13d, r13d                      ; doorbells rung
        mfence
        test    word [VQ_USED], VIRTQ_USED_F_NO_NOTIFY
        jnz     .quiet
        mov     dword [rbx + VIRTIO_QUEUE_NOTIFY], VIRTQ_TX
        inc     r13d
.quiet: VIRTIO_WAIT 1
        REPORT_VALUE "notifies", r13
        movzx   eax, word [VQ_USED + 2]
        REPORT_VALUE "used_idx", rax
        VIRTIO_STATUS_REPORT
        hlt

part1:  db      "Hello from "
part1_len equ   $ - part1
part2:  db      `virtio!\n`
part2_len equ   $ - part2
