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
        IOPARAM r12d, IOPARAM_TOTAL
        IOPARAM r13d, IOPARAM_CHUNK
        IOPARAM r14d, IOPARAM_BATCH
        mov     r11, r12                        ; bytes, for the report
        FILL_PATTERN r13d
        VIRTIO_PROBE
        VIRTIO_START NUM
        TSC     r9
        xor     r15d, r15d                      ; driver's avail->idx
        xor     r10d, r10d                      ; doorbells rung
.batch: test    r12, r12
        jz      .done
        xor     ecx, ecx                        ; descriptor / slot in this batch
.fill:  cmp     ecx, r14d
        jae     .kick
        test    r12, r12
        jz      .kick
        mov     eax, r13d                       ; len = min(chunk, left)
        cmp     rax, r12
        jbe     .len
        mov     eax, r12d
.len:   mov     edi, ecx
        shl     edi, 4
        mov     qword [VQ_DESC + rdi], VQ_BUF   ; one descriptor, no NEXT
        mov     [VQ_DESC + rdi + 8], eax
        mov     dword [VQ_DESC + rdi + 12], 0   ; flags 0, next 0
        sub     r12, rax
        mov     edx, r15d
        and     edx, NUM - 1
        mov     [VQ_AVAIL + 4 + rdx * 2], cx    ; avail->ring[idx % num] = head
        inc     r15d
        inc     ecx
        jmp     .fill
.kick:  mov     [VQ_AVAIL + 2], r15w            ; publish the batch
        mfence                                  ; 2.7.13.3.1: before reading used->flags
        test    word [VQ_USED], VIRTQ_USED_F_NO_NOTIFY
        jnz     .wait
        mov     dword [rbx + VIRTIO_QUEUE_NOTIFY], VIRTQ_TX     ; the doorbell
        inc     r10d
.wait:  VIRTIO_WAIT r15w                        ; completion by polling
        jmp     .batch
.done:  TSC     rdi
        sub     rdi, r9
        REPORT_VALUE "cycles", rdi
        REPORT_VALUE "bytes", r11
        REPORT_VALUE "notifies", r10
        hlt
