; blk-verify.asm - a virtio-blk driver that writes sectors, reads them back
; and compares, on whatever serves the device: kvmlab itself (--blk FILE) or
; a vhost-user back-end in another process (--vhost-user-blk SOCKET).
;
; Demonstrates: the guest cannot tell who serves its disk.  16 requests each
; write 1 KiB (2 sectors) filled with byte 0x41 + i at sector i * 128 (64 KiB
; apart: one qcow2 cluster each, one file-system block each in a sparse raw
; file), then 16 reads bring every KiB back and compare it.  Every completion
; is checked as a careful driver does: used id = our head, used length = the
; bytes the device wrote (1 status byte for a write, 1 KiB + 1 for a read),
; status byte 0.  While it waits it reads Status every 65536 spins: a device
; in DEVICE_NEEDS_RESET ends the run with a FAIL report, not a hang.
; It reports `cycles`, the guest TSC spent inside the 32 requests, from
; building the header to seeing the completion (kvmlab iobench), not filling
; or comparing buffers.
; kvmlab should observe: readback_ok = 16, mismatches = 0; on the vhost-user
; path no MMIO exit at QueueNotify (the doorbell is the back-end's ioeventfd).
; The disk must hold 15 * 128 + 2 sectors (give 2 MiB).

%include "kvmlab.inc"
%include "blk.inc"
KVMLAB_HEADER MODE_LONG, "blk-verify", 4096, "virtio-blk driver: write 16 KiB at 16 places, read back, verify"

%define WBUF    (VQ_BUF + 0x1000)               ; 1 KiB written
%define RBUF    (VQ_BUF + 0x2000)               ; 1 KiB read
%define REQ     1024
%define NREQ    16
%define STRIDE  128                             ; sectors between requests: 64 KiB
%define T0      (VQ_BUF + 0x3000)               ; TSC at the start of the request going on
%define CYC     (VQ_BUF + 0x3008)               ; guest TSC summed over the requests only

; One request: type, sector (r64), data GPA, data flags, expected used length.
; Returns the status byte in EAX.  R15 = the driver's avail->idx.
%macro BLK_REQ 5
        TSC     rax
        mov     [T0], rax
        mov     dword [BLK_HDR], %1
        mov     dword [BLK_HDR + 4], 0
        mov     rax, %2
        mov     [BLK_HDR + 8], rax
        mov     byte [BLK_STATUS], 0xFF
        DESC    0, BLK_HDR, 16, VIRTQ_DESC_F_NEXT, 1
        DESC    1, %3, REQ, %4 | VIRTQ_DESC_F_NEXT, 2
        DESC    2, BLK_STATUS, 1, VIRTQ_DESC_F_WRITE, 0
        BLK_PUBLISH
        TSC     rax
        sub     rax, [T0]
        add     [CYC], rax
        lea     edx, [r15d - 1]                 ; the used entry of this request
        and     edx, 7
        cmp     dword [VQ_USED + 4 + rdx * 8], 0
        jne     bad_used_id
        cmp     dword [VQ_USED + 8 + rdx * 8], %5
        jne     bad_used_len
        movzx   eax, byte [BLK_STATUS]
        test    eax, eax
        jnz     bad_status
%endmacro

start:
        VIRTIO_PROBE GPA_VIRTIO_BLK, VIRTIO_ID_BLOCK
        VIRTIO_START 8, VQ_DESC, 0, 0
        test    dword [rbx + VIRTIO_STATUS], S_NEEDS_RESET
        jnz     needs_reset                     ; the back-end refused the rings
        mov     r14d, [rbx + 0x104]             ; capacity, high half
        shl     r14, 32
        mov     eax, [rbx + 0x100]
        or      r14, rax
        REPORT_VALUE "capacity", r14
        cmp     r14, (NREQ - 1) * STRIDE + REQ / 512
        jae     .big
        REPORT_FAIL "disk_too_small", r14
.big:   mov     qword [CYC], 0
        xor     r15d, r15d
        xor     r13d, r13d                      ; i
.write: lea     eax, [r13d + 0x41]
        mov     rdi, WBUF
        mov     ecx, REQ
        rep     stosb
        imul    r12, r13, STRIDE
        BLK_REQ BLK_T_OUT, r12, WBUF, 0, 1
        inc     r13d
        cmp     r13d, NREQ
        jb      .write
        xor     r13d, r13d
        xor     r11d, r11d                      ; blocks read back intact
.read:  mov     rdi, RBUF                       ; clear, so stale bytes cannot pass
        xor     eax, eax
        mov     ecx, REQ
        rep     stosb
        imul    r12, r13, STRIDE
        push    r11
        BLK_REQ BLK_T_IN, r12, RBUF, VIRTQ_DESC_F_WRITE, REQ + 1
        pop     r11
        lea     eax, [r13d + 0x41]
        mov     rdi, RBUF
        mov     ecx, REQ
        repe    scasb
        jne     .next
        inc     r11d
.next:  inc     r13d
        cmp     r13d, NREQ
        jb      .read
        mov     rax, [CYC]
        push    r11
        REPORT_VALUE "cycles", rax              ; guest TSC inside the 32 requests (kvmlab iobench)
        pop     r11
        REPORT_VALUE "readback_ok", r11
        mov     eax, NREQ
        sub     eax, r11d
        REPORT_VALUE "mismatches", rax
        REPORT_VALUE "requests", r15
        cmp     r11d, NREQ
        je      .ok
        REPORT_FAIL "readback", r11
.ok:    KVMLAB_EXIT 0                   ; not hlt: with a LAPIC in KVM, hlt waits for an interrupt

needs_reset:
        mov     eax, [rbx + VIRTIO_STATUS]
        REPORT_FAIL "device_needs_reset", rax
bad_used_id:
        REPORT_FAIL "used_id", rdx
bad_used_len:
        mov     eax, [VQ_USED + 8 + rdx * 8]
        REPORT_FAIL "used_len", rax
bad_status:
        REPORT_FAIL "blk_status", rax
