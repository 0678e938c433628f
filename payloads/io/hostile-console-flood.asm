; hostile-console-flood.asm - 8 MiB through the virtio console, control bytes included.
;
; Demonstrates: the virtio console is a console like port 0xE9 and COM1: its
; bytes go through kvmlab's one console (traps/console.c), with the same
; --console-limit and the same JSON escaping (docs/io.md, docs/security.md).
; The driver queues CHAINS chains, each one 1 MiB buffer at GPA 0 (kvmlab's
; page tables, the payload's code: every byte value, ESC and NUL included),
; rings once and waits for all of them.
; kvmlab should observe: virtio.bytes = 8 MiB; console.bytes = 8 MiB;
; console.dropped = 8 MiB - --console-limit; no more than --console-limit
; bytes of guest output on stdout; HLT.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "hostile-console-flood", 4096, "8 MiB of raw RAM bytes through the virtio console"

%define CHAINS  8
%define BUF_LEN 0x100000                ; 1 MiB: VIRTQ_CHAIN_BYTES_MAX

start:
        VIRTIO_PROBE
        VIRTIO_START CHAINS
        xor     ecx, ecx
.desc:  mov     rax, rcx
        shl     rax, 4
        mov     qword [VQ_DESC + rax], 0
        mov     dword [VQ_DESC + rax + 8], BUF_LEN
        mov     dword [VQ_DESC + rax + 12], 0
        mov     [VQ_AVAIL + 4 + rcx * 2], cx
        inc     ecx
        cmp     ecx, CHAINS
        jb      .desc
        mov     word [VQ_AVAIL + 2], CHAINS
        VIRTIO_KICK
        VIRTIO_WAIT CHAINS
        VIRTIO_STATUS_REPORT
        hlt
