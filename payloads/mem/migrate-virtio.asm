; migrate-virtio.asm - console output through virtio that must survive a migration.
;
; Demonstrates: the virtio console's state in the migration stream
; (docs/migration.md, section VIRTIO).  The guest sets the console up once
; (virtio 1.1 3.1.1) and then sends one chain a round on transmitq0: one byte,
; the letters a..z in turn, and a newline after every 32nd round.  Each round
; rings the doorbell (unless the device polls) and waits for the used ring;
; it folds the used entry's id and length into a running checksum.  RBX
; (--arg) is the number of rounds (0 = 2000).  The checkpoint comes early
; (round 64, or half-way in a shorter run) so that a live migration started
; there finds most of the run still ahead; the guest waits for its stop before
; the last eighth (MIGRATION_WAIT_AT), however slow the host.  A migration in between must
; land on a device that knows the queue's place (last_avail, used_idx): a
; device at power-on would ignore the doorbell, and one that restarted the
; ring at 0 would send bytes again.
; kvmlab should observe:
;   virtio console: every round's byte once, in order (JSON io.virtio: bytes =
;   rounds + rounds / 32, the same fnv as a run without migration);
;   report "checkpoint" (value: the round) at round 64 (half-way if shorter);
;   report "counter" = rounds done, report "used_idx" = rounds,
;   report "result" = the checksum, then exit 0.

%include "kvmlab.inc"
%include "rounds.inc"
KVMLAB_HEADER MODE_LONG, "migrate-virtio", 2048, "sends through the virtio console every round; a migration must not lose or repeat a byte"

QSIZE           equ 8
ROUNDS_DEFAULT  equ 2000
CHECKPOINT_MAX  equ 64
LINE_EVERY      equ 32

start:
        mov     r15, rbx                ; rounds
        test    r15, r15
        jnz     .have
        mov     r15, ROUNDS_DEFAULT
.have:  mov     r14, r15
        shr     r14, 1                  ; the half-way round, at most CHECKPOINT_MAX: the checkpoint
        mov     eax, CHECKPOINT_MAX
        cmp     r14, rax
        cmova   r14, rax
        VIRTIO_PROBE
        VIRTIO_START QSIZE
        xor     r12, r12                ; round counter = avail->idx
        mov     r13, 0x9E3779B97F4A7C15 ; checksum seed (any odd constant)

.round: ; descriptor (round mod QSIZE) -> its own 2-byte buffer
        mov     rsi, r12
        and     rsi, QSIZE - 1
        mov     rdi, rsi
        shl     rdi, 4                  ; 16 bytes a buffer
        add     rdi, VQ_BUF
        mov     rax, r12
        xor     edx, edx
        mov     ecx, 26
        div     rcx
        add     dl, 'a'
        mov     [rdi], dl               ; the round's letter
        mov     byte [rdi + 1], 10
        mov     rax, r12
        inc     rax
        and     rax, LINE_EVERY - 1
        setz    al
        movzx   eax, al
        inc     eax                     ; 1 byte, or 2 with the newline
        mov     rdx, rsi
        shl     rdx, 4                  ; descriptor offset
        mov     [VQ_DESC + rdx], rdi
        mov     [VQ_DESC + rdx + 8], eax
        mov     dword [VQ_DESC + rdx + 12], 0   ; flags 0, next 0
        mov     [VQ_AVAIL + 4 + rsi * 2], si    ; avail->ring[slot] = descriptor
        inc     r12
        mov     [VQ_AVAIL + 2], r12w    ; published
        VIRTIO_KICK
        VIRTIO_WAIT r12w
        ; fold the used entry in: id and length as the device wrote them
        lea     rdx, [r12 - 1]
        and     rdx, QSIZE - 1
        mov     eax, [VQ_USED + 4 + rdx * 8]
        xor     r13, rax
        rol     r13, 7
        mov     eax, [VQ_USED + 8 + rdx * 8]
        add     r13, rax
        imul    r13, r13, 31
        CHECKPOINT_AT r12, r14
        MIGRATION_WAIT_AT r12, r15
        cmp     r12, r15
        jb      .round

        REPORT_VALUE "counter", r12
        movzx   eax, word [VQ_USED + 2]
        REPORT_VALUE "used_idx", rax
        REPORT_VALUE "result", r13
        KVMLAB_EXIT 0
