; sink-bench.asm - the I/O benchmark workload as MMIO stores to the sink.
;
; Demonstrates: coalesced MMIO.  Stores `total` bytes of the chunk pattern
; 8 bytes at a time (the tail byte by byte) into the write-only sink at
; 0xC0001000.  Plain MMIO: one exit per store.  With --coalesced-mmio KVM
; queues the stores in the coalesced ring and only a full ring (or any
; other exit) brings kvmlab in, which then drains it in order.
; kvmlab should observe: io.sink.bytes = total; sink exits = stores without
; coalescing, far fewer with it (io.sink.drained counts the rest); reports
; cycles, bytes.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "sink-bench", 4096, "iobench workload as 8-byte MMIO stores: plain or coalesced"

start:
        IOPARAM r12d, IOPARAM_TOTAL
        IOPARAM r13d, IOPARAM_CHUNK
        mov     r15, r12
        FILL_PATTERN r13d
        mov     rbx, GPA_SINK
        TSC     r14
.chunk: test    r12, r12
        jz      .done
        mov     ecx, r13d                       ; len = min(chunk, left)
        cmp     rcx, r12
        jbe     .len
        mov     ecx, r12d
.len:   sub     r12, rcx
        xor     esi, esi
.qw:    cmp     ecx, 8
        jb      .tail
        mov     rax, [VQ_BUF + rsi]
        mov     [rbx], rax                      ; one 8-byte MMIO store
        add     esi, 8
        sub     ecx, 8
        jmp     .qw
.tail:  test    ecx, ecx
        jz      .chunk
        mov     al, [VQ_BUF + rsi]
        mov     [rbx], al
        inc     esi
        dec     ecx
        jmp     .tail
.done:  TSC     rdi
        sub     rdi, r14
        REPORT_VALUE "cycles", rdi
        REPORT_VALUE "bytes", r15
        hlt
