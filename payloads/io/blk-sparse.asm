; blk-sparse.asm - a virtio-blk driver writing the first and the last sector.
;
; Demonstrates: a block device over virtio-mmio (virtio 1.1 5.2), backed by
; a sparse file (kvmlab run --blk FILE --blk-size 1G).  Each request is a
; chain of three descriptors: header {type, reserved, sector} (readable),
; 512 bytes of data, and a status byte (writable).  The driver writes
; sector 0 and the last sector, reads sector 0 back, asks for a sector just
; past the end (the device must answer IOERR, not touch the file) and asks
; for the device ID.
; kvmlab should observe: capacity = size / 512 sectors; statuses 0, 0, 0,
; 1 (IOERR), 0; readback_ok = 1; the file stays sparse: 1 GiB long but only
; the two written sectors' blocks allocated.  Without --blk the probe finds
; device id 0 and the run ends with a FAIL report.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "blk-sparse", 4096, "virtio-blk driver: write first and last sector of a sparse disk, read back"

%define HDR     VQ_BUF                          ; 16-byte request header
%define STATUS  (VQ_BUF + 0x100)                ; status byte
%define WBUF    (VQ_BUF + 0x1000)               ; 512 bytes written
%define RBUF    (VQ_BUF + 0x2000)               ; 512 bytes read
%define T_IN    0
%define T_OUT   1
%define T_GET_ID 8

; One request: type, sector (r64/imm), data GPA, data descriptor flags.
; Returns the status byte in EAX.  Uses R15 = the driver's avail->idx.
%macro BLK_REQ 4
        mov     dword [HDR], %1
        mov     dword [HDR + 4], 0
        mov     rax, %2
        mov     [HDR + 8], rax
        mov     byte [STATUS], 0xFF             ; so a status never written shows
        DESC    0, HDR, 16, VIRTQ_DESC_F_NEXT, 1
        DESC    1, %3, 512, %4 | VIRTQ_DESC_F_NEXT, 2
        DESC    2, STATUS, 1, VIRTQ_DESC_F_WRITE, 0
        mov     edx, r15d
        and     edx, 7
        mov     word [VQ_AVAIL + 4 + rdx * 2], 0        ; head = descriptor 0
        inc     r15d
        mov     [VQ_AVAIL + 2], r15w
        mfence
        mov     dword [rbx + VIRTIO_QUEUE_NOTIFY], 0    ; requestq
        VIRTIO_WAIT r15w
        movzx   eax, byte [STATUS]
%endmacro

start:
        VIRTIO_PROBE GPA_VIRTIO_BLK, VIRTIO_ID_BLOCK
        VIRTIO_START 8, VQ_DESC, 0, 0
        mov     r14d, [rbx + 0x104]             ; capacity (u64 at config 0), high half
        shl     r14, 32
        mov     eax, [rbx + 0x100]
        or      r14, rax
        REPORT_VALUE "capacity", r14
        xor     r15d, r15d
        ; sector 0 and the last sector: two different texts
        lea     rsi, [rel first]
        mov     rdi, WBUF
        mov     ecx, first_len
        rep     movsb
        BLK_REQ T_OUT, 0, WBUF, 0
        REPORT_VALUE "status_write_first", rax
        mov     rdi, WBUF                       ; clear what the first text left
        xor     eax, eax
        mov     ecx, first_len
        rep     stosb
        lea     rsi, [rel last]
        mov     rdi, WBUF
        mov     ecx, last_len
        rep     movsb
        lea     r13, [r14 - 1]
        BLK_REQ T_OUT, r13, WBUF, 0
        REPORT_VALUE "status_write_last", rax
        BLK_REQ T_IN, 0, RBUF, VIRTQ_DESC_F_WRITE
        REPORT_VALUE "status_read_first", rax
        mov     rax, [RBUF]
        xor     ecx, ecx
        cmp     rax, [rel first]
        sete    cl
        REPORT_VALUE "readback_ok", rcx
        BLK_REQ T_IN, r14, RBUF, VIRTQ_DESC_F_WRITE     ; one past the end
        REPORT_VALUE "status_past_end", rax
        BLK_REQ T_GET_ID, 0, RBUF, VIRTQ_DESC_F_WRITE
        REPORT_VALUE "status_get_id", rax
        mov     rax, [RBUF]
        REPORT_VALUE "id_first8", rax
        hlt

first:  db      `kvmlab: first sector\n`
first_len equ   $ - first
last:   db      `kvmlab: last sector\n`
last_len equ    $ - last
