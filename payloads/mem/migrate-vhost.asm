; migrate-vhost.asm - disk I/O through a vhost-user back-end that must survive a migration.
;
; Demonstrates: what a vhost-user-blk guest needs from a migration
; (docs/migration.md, "vhost-user-blk").  The back-end process writes guest
; RAM behind KVM's back - the data a read brings in and the used ring - so
; KVM's dirty log never sees those pages; only the back-end's own log
; (vhost-user.rst "Migration") can tell pre-copy to send them again.  Each
; round i writes one sector (512 bytes: qword j = i * GOLD + j) at sector
; (7 * i) mod 1024, then reads back the sector round i / 2 wrote into a
; buffer of its own (slot i mod 1024: 512 bytes in page i mod 128 of the
; read area), which the guest's CPU never writes: a page the back-end filled after pre-copy
; sent it, and that nobody logged, would arrive stale.  Every completion is
; checked (used id = head 0, used length, status 0) and folded into a
; running checksum; at the end the guest folds every read buffer in too.
; RBX (--arg) is the number of rounds (0 = 4096, at most 2^20).  The checkpoint comes at round 64 (half-way in a
; shorter run), so a migration started there finds most rounds ahead.
; The disk must hold 1024 sectors (give 2 MiB); its final bytes, like the
; result, equal those of a run without migration.
; kvmlab should observe:
;   report "checkpoint" (value: the round) at round 64 (half-way if shorter);
;   report "rounds", report "io_sum" (the completions' checksum), report
;   "result" (the read buffers' checksum), then exit 0; a device in
;   DEVICE_NEEDS_RESET ends the run with FAIL "device_needs_reset".

%include "kvmlab.inc"
%include "rounds.inc"
%include "blk.inc"
KVMLAB_HEADER MODE_LONG, "migrate-vhost", 4096, "writes and reads a virtio-blk disk every round; a migration must lose no byte"

%define WBUF    (VQ_BUF + 0x1000)               ; the sector written
%define RAREA   0x200000                        ; read buffers: 128 pages, 8 slots of 512 bytes each
%define SECTOR  512
%define ROUNDS_DEFAULT  4096
%define ROUNDS_MAX      (1 << 20)
%define SECTORS         1024                    ; the disk area the rounds cycle through
%define SLOTS           1024                    ; read buffers: 128 pages of 8
%define CHECKPOINT_MAX  64
%define GOLD    0x9E3779B97F4A7C15

; One request: type, sector (r64), data GPA (r64), data flags, expected used length.
; R15 = the driver's avail->idx; the completion goes into R13's checksum.
%macro BLK_REQ 5
        mov     dword [BLK_HDR], %1
        mov     dword [BLK_HDR + 4], 0
        mov     [BLK_HDR + 8], %2
        mov     byte [BLK_STATUS], 0xFF
        DESC    0, BLK_HDR, 16, VIRTQ_DESC_F_NEXT, 1
        mov     [VQ_DESC + 16], %3
        mov     dword [VQ_DESC + 16 + 8], SECTOR
        mov     word [VQ_DESC + 16 + 12], %4 | VIRTQ_DESC_F_NEXT
        mov     word [VQ_DESC + 16 + 14], 2
        DESC    2, BLK_STATUS, 1, VIRTQ_DESC_F_WRITE, 0
        BLK_PUBLISH
        lea     edx, [r15d - 1]                 ; this request's used entry
        and     edx, 7
        mov     eax, [VQ_USED + 4 + rdx * 8]
        test    eax, eax
        jnz     bad_used_id
        mov     eax, [VQ_USED + 8 + rdx * 8]
        cmp     eax, %5
        jne     bad_used_len
        xor     r13, rax
        rol     r13, 7
        movzx   eax, byte [BLK_STATUS]
        test    eax, eax
        jnz     bad_status
        add     r13, r15
        imul    r13, r13, 31
%endmacro

start:
        mov     r14, rbx                        ; rounds
        ROUNDS_OR_DEFAULT r14, ROUNDS_DEFAULT
        cmp     r14, ROUNDS_MAX
        jbe     .fits
        REPORT_FAIL "rounds_over_2_20", r14
.fits:  mov     r12, r14
        shr     r12, 1                          ; the checkpoint: half-way, at most CHECKPOINT_MAX
        mov     eax, CHECKPOINT_MAX
        cmp     r12, rax
        cmova   r12, rax
        mov     [ckpt], r12
        mov     [rounds], r14
        VIRTIO_PROBE GPA_VIRTIO_BLK, VIRTIO_ID_BLOCK
        VIRTIO_START 8, VQ_DESC, 0, 0
        test    dword [rbx + VIRTIO_STATUS], S_NEEDS_RESET
        jnz     needs_reset
        xor     r15d, r15d                      ; avail->idx
        mov     r13, GOLD                       ; the completions' checksum
        xor     r12d, r12d                      ; round i

.round: ; the sector: qword j = i * GOLD + j
        mov     rax, GOLD
        imul    rax, r12
        xor     ecx, ecx
.fill:  mov     [WBUF + rcx * 8], rax
        inc     rax
        inc     ecx
        cmp     ecx, SECTOR / 8
        jb      .fill
        imul    rsi, r12, 7
        and     esi, SECTORS - 1                ; sector (7 * i) mod 1024
        mov     rdi, WBUF
        BLK_REQ BLK_T_OUT, rsi, rdi, 0, 1
        ; read back the sector of round i / 2 into slot i: page i mod 128, 512-byte part i / 128
        mov     rsi, r12
        shr     rsi, 1
        imul    rsi, rsi, 7
        and     esi, SECTORS - 1
        mov     rdi, r12
        and     edi, 127
        shl     rdi, 12
        mov     rax, r12
        shr     rax, 7
        and     eax, 7
        shl     rax, 9
        add     rdi, rax
        add     rdi, RAREA
        BLK_REQ BLK_T_IN, rsi, rdi, VIRTQ_DESC_F_WRITE, SECTOR + 1
        inc     r12
        CHECKPOINT_AT r12, [ckpt]
        MIGRATION_WAIT_AT r12, [rounds]
        cmp     r12, [rounds]
        jb      .round

        ; every read buffer, as the back-end last wrote it, in slot order
        mov     r10, [rounds]
        mov     eax, SLOTS
        cmp     r10, rax
        cmova   r10, rax                        ; slots filled
        mov     r11, 0x243F6A8885A308D3         ; the buffers' checksum
        xor     r12d, r12d
.sum:   mov     rdi, r12
        and     edi, 127
        shl     rdi, 12
        mov     rax, r12
        shr     rax, 7
        shl     rax, 9
        add     rdi, rax
        add     rdi, RAREA
        xor     ecx, ecx
.word:  xor     r11, [rdi + rcx * 8]
        rol     r11, 13
        imul    r11, r11, 31
        inc     ecx
        cmp     ecx, SECTOR / 8
        jb      .word
        inc     r12
        cmp     r12, r10
        jb      .sum
        shr     r15, 1                          ; two requests a round
        REPORT_VALUE "rounds", r15
        REPORT_VALUE "io_sum", r13
        REPORT_VALUE "result", r11
        KVMLAB_EXIT 0

needs_reset:
        mov     eax, [rbx + VIRTIO_STATUS]
        REPORT_FAIL "device_needs_reset", rax
bad_used_id:
        REPORT_FAIL "used_id", rax
bad_used_len:
        REPORT_FAIL "used_len", rax
bad_status:
        REPORT_FAIL "status", rax

ckpt:   dq 0
rounds: dq 0
