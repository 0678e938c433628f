; migrate-balloon.asm - a balloon driver that keeps inflating and deflating across a migration.
;
; Demonstrates: the virtio-balloon's state and its pages in the migration
; stream (docs/migration.md, sections VIRTIO and BALLOON).  The guest writes
; every page of a window of K + 1 pages from 4 MiB (K = num_pages, --balloon
; K, 2..256) and inflates the first K.  Pages 0 .. K-2 then stay in the
; balloon for the whole run; the last one swaps places with page K each
; round: the guest deflates the balloon's moving page, checks that it reads
; zero (the host gave its memory back), writes the round into it, folds the
; other page into a checksum (a page it wrote earlier, which must have kept
; its value) and inflates that one.  RBX
; (--arg) is the number of rounds (0 = 4000).  The checkpoint comes early
; (round 64, or half-way) so that a live migration started there finds most
; of the run still ahead.  A migration in between must bring the balloon's
; queue places (a device at power-on would ignore the doorbell), its page set
; (a deflate of a page it does not know is refused: not_inflated) and the
; pages' contents (zero in the balloon, the written value outside it); the
; K - 1 pages that never leave the balloon show whether the destination gave
; its copy of them back (io.balloon.held_resident_bytes).
; kvmlab should observe:
;   io.balloon: held = K, inflated = K + rounds, deflated = rounds, no violation,
;   held_resident_bytes = 0;
;   report "checkpoint" (value: the round), then "counter" = rounds,
;   "nonzero" = 0 (pages given back read zero), "result" = the checksum, exit 0.
; Run: kvmlab run --balloon 64 build/payloads/mem/migrate-balloon.bin

%include "kvmlab.inc"
%include "rounds.inc"
%include "io.inc"
KVMLAB_HEADER MODE_LONG, "migrate-balloon", 8192, "swaps one page of a balloon of num_pages in and out each round; a migration must keep its pages"

FIRST_PFN       equ 0x400               ; 4 MiB: above the code, rings and page tables
K_MAX           equ 256                 ; a window of 257 pages ends below 5.1 MiB, inside 8 MiB
ROUNDS_DEFAULT  equ 4000
CHECKPOINT_MAX  equ 64

start:
        mov     r13, rbx                ; rounds
        ROUNDS_OR_DEFAULT r13, ROUNDS_DEFAULT
        CHECKPOINT_CAPPED r11, r13, CHECKPOINT_MAX
        BALLOON_START
        xor     r14d, r14d              ; inflateq avail->idx
        xor     r15d, r15d              ; deflateq avail->idx
        mov     r12d, [rbx + BALLOON_NUM_PAGES]
        cmp     r12d, 2
        jb      .badk
        cmp     r12d, K_MAX
        jbe     .kok
.badk:  REPORT_FAIL "num_pages_not_2_to_256", r12
.kok:   ; every page of the window holds its own page number, so that each is backed
        mov     rdi, FIRST_PFN << 12
        lea     rsi, [r12 + 1 + FIRST_PFN]
        shl     rsi, 12
.touch: mov     rax, rdi
        shr     rax, 12
        mov     [rdi], rax
        add     rdi, 4096
        cmp     rdi, rsi
        jb      .touch
        xor     esi, esi                ; inflate window pages 0 .. K-1
.fill:  lea     eax, [esi + FIRST_PFN]
        mov     [BQ_PFNS + rsi * 4], eax
        inc     esi
        cmp     esi, r12d
        jb      .fill
        mov     ecx, r12d
        shl     ecx, 2
        BALLOON_INFLATE
        test    dword [rbx + VIRTIO_STATUS], S_NEEDS_RESET
        jnz     .refused
        mov     [rbx + BALLOON_ACTUAL], r12d    ; 5.5.6: what the driver gave
        xor     r10, r10                ; round
        xor     r9, r9                  ; pages given back that did not read zero
        mov     r8, 0x9E3779B97F4A7C15  ; checksum seed (any odd constant)

.round: ; the balloon holds pages 0 .. K-2 and K-1 (even rounds) or K (odd ones)
        mov     rax, r10
        and     eax, 1
        lea     rdi, [r12 - 1 + rax]    ; out: the moving page, K-1 + (round & 1)
        mov     rsi, r12
        sub     rsi, rax                ; in: the other one, K - (round & 1)
        push    rsi
        lea     eax, [edi + FIRST_PFN]
        mov     [BQ_PFNS], eax
        mov     ecx, 4
        BALLOON_DEFLATE
        test    dword [rbx + VIRTIO_STATUS], S_NEEDS_RESET
        jnz     .refused
        lea     rax, [rdi + FIRST_PFN]
        shl     rax, 12
        cmp     qword [rax], 0          ; given back: reads zero
        je      .zero
        inc     r9
.zero:  mov     rdx, r10
        imul    rdx, rdx, 0x1000193
        inc     rdx
        mov     [rax], rdx              ; the page is the guest's again
        pop     rsi
        lea     rax, [rsi + FIRST_PFN]
        shl     rax, 12
        xor     r8, [rax]               ; the page about to go kept its value
        rol     r8, 9
        imul    r8, r8, 31
        lea     eax, [esi + FIRST_PFN]
        mov     [BQ_PFNS], eax
        mov     ecx, 4
        BALLOON_INFLATE
        test    dword [rbx + VIRTIO_STATUS], S_NEEDS_RESET
        jnz     .refused
        inc     r10
        CHECKPOINT_AT r10, r11
        MIGRATION_WAIT_AT r10, r13
        cmp     r10, r13
        jb      .round

        REPORT_VALUE "counter", r10
        REPORT_VALUE "nonzero", r9
        REPORT_VALUE "result", r8
        KVMLAB_EXIT 0
.refused:
        REPORT_FAIL "balloon_refused", r10
