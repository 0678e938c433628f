; virtio-bench.asm - the I/O benchmark workload through the virtio console.
;
; Demonstrates: one doorbell per batch.  Sends `total` bytes (port 0xE0) in
; `chunk`-byte buffers, `batch` single-descriptor chains per notification,
; then waits (polling used->idx) until the device has used them all.  The
; same driver runs whatever answers the doorbell: an exit to kvmlab, an
; ioeventfd, or nobody when the device polls (VIRTQ_USED_F_NO_NOTIFY).
; kvmlab should observe: io.virtio.bytes = total, chains = ceil(total/chunk);
; reports notifies = ceil(chains / batch) (0 with --virtio-notify poll),
; cycles, bytes.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "virtio-bench", 4096, "iobench workload over virtio-mmio: batch of chunks per doorbell"

%define NUM 128                                 ; queue size; batch <= 64

start:
        VIRTIO_BENCH_SUBMIT                     ; io.inc: fill and kick each batch
.wait:  VIRTIO_WAIT r15w                        ; completion by polling
        jmp     .batch
.done:  TSC     rdi
        sub     rdi, r9
        REPORT_VALUE "cycles", rdi
        REPORT_VALUE "bytes", r11
        REPORT_VALUE "notifies", r10
        hlt
