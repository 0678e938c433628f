; tx-bench.asm - the I/O benchmark workload through virtio-net: frames out.
;
; Demonstrates: the cost of a packet.  Sends `total` bytes (port 0xE0) as
; frames of `chunk` bytes (14..1514), `batch` transmit chains per doorbell,
; then waits (polling transmitq1's used->idx) until the device has sent
; them.  A frame is the benchmark pattern itself (bytes 0, 1, 2, ...): its
; destination MAC 00:01:02:03:04:05 is nobody's, so the host side of the
; tap drops it, and the device's FNV-1a of the frames proves they went out
; whole and in order.
; kvmlab should observe: io.net.tx_packets = ceil(total / chunk),
; io.net.tx_bytes = total; reports notifies = ceil(frames / batch), cycles,
; frames.  A chunk outside 14..1514 breaks the device (frame_size) and the
; run ends with FAIL net_device_error.

%include "kvmlab.inc"
%include "io.inc"
%include "net.inc"
KVMLAB_HEADER MODE_LONG, "net-tx-bench", 4096, "iobench workload over virtio-net: frames of chunk bytes, batch per doorbell"

start:
        IOPARAM r12d, IOPARAM_TOTAL
        IOPARAM r13d, IOPARAM_CHUNK
        IOPARAM r11d, IOPARAM_BATCH
        cmp     r11d, TX_NUM                    ; a batch fits the queue
        jbe     .bok
        mov     r11d, TX_NUM
.bok:   xor     ecx, ecx                        ; the frame: header 0, then the pattern
        mov     qword [TX_BUF], 0
        mov     dword [TX_BUF + 8], 0
.fill:  cmp     ecx, r13d
        jae     .filled
        cmp     ecx, 1514
        jae     .filled
        mov     [TX_FRAME + rcx], cl
        inc     ecx
        jmp     .fill
.filled:
        NET_START
        TSC     r9
        xor     r14d, r14d                      ; transmitq1 avail->idx
        xor     r10d, r10d                      ; doorbells rung
        xor     r15d, r15d                      ; frames
.batch: test    r12, r12
        jz      .done
        xor     ecx, ecx                        ; slot in this batch
.add:   cmp     ecx, r11d
        jae     .kick
        test    r12, r12
        jz      .kick
        mov     eax, r13d                       ; len = min(chunk, left)
        cmp     rax, r12
        jbe     .len
        mov     eax, r12d
.len:   sub     r12, rax
        add     eax, NET_HDR
        mov     edi, ecx
        shl     edi, 4
        mov     qword [TXQ_DESC + rdi], TX_BUF  ; every chain: the same buffer
        mov     [TXQ_DESC + rdi + 8], eax
        mov     dword [TXQ_DESC + rdi + 12], 0
        mov     edx, r14d
        and     edx, TX_NUM - 1
        mov     [TXQ_AVAIL + 4 + rdx * 2], cx
        inc     r14d
        inc     r15d
        inc     ecx
        jmp     .add
.kick:  mov     [TXQ_AVAIL + 2], r14w
        mfence
        mov     dword [rbx + VIRTIO_QUEUE_NOTIFY], NET_TXQ
        inc     r10d
        xor     ecx, ecx
.wait:  cmp     word [TXQ_USED + 2], r14w       ; completion by polling RAM
        je      .batch
        pause
        inc     ecx
        test    ecx, 0xFFF                      ; Status (an exit) only now and then
        jnz     .wait
        test    dword [rbx + VIRTIO_STATUS], S_NEEDS_RESET
        jz      .wait
        REPORT_FAIL "net_device_error", 0
.done:  TSC     rdi
        sub     rdi, r9
        REPORT_VALUE "cycles", rdi
        REPORT_VALUE "frames", r15
        REPORT_VALUE "notifies", r10
        hlt
