; migrate-counter.asm - a running computation that must survive a migration.
;
; Demonstrates: snapshot/restore and live migration (docs/migration.md).  The
; guest keeps rewriting 64 pages at [0x100000, 0x140000) and folds what it
; writes into a running checksum, so any page lost, stale or doubled on the way
; changes the result.  RBX (--arg) is the number of rounds (0 = 400).
; kvmlab should observe:
;   console: "tick " and a letter every 25 rounds (a, b, c, ...), then "done\n";
;   report "checkpoint" (value: the round) at the half-way round;
;   report "counter" = rounds done, report "result" = the checksum, then exit 0.
; The same --arg gives the same "result" with or without a snapshot or a
; migration in between; that equality is the test.

%include "kvmlab.inc"
%include "rounds.inc"
KVMLAB_HEADER MODE_LONG, "migrate-counter", 2048, "rewrites 64 pages in rounds and reports a checksum that a migration must not change"

REGION          equ 0x100000
PAGES           equ 64
PAGE            equ 4096
ROUNDS_DEFAULT  equ 400
TICK_EVERY      equ 25

start:
        mov     r15, rbx                ; rounds
        ROUNDS_OR_DEFAULT r15, ROUNDS_DEFAULT
        mov     r14, r15
        shr     r14, 1                  ; the half-way round: the checkpoint
        xor     r12, r12                ; round counter
        mov     r13, 0x9E3779B97F4A7C15 ; checksum seed (golden ratio, any odd constant)

.round: ; every page: read its old qword at this round's offset, fold it in, write a new one
        mov     rdi, REGION
        mov     rax, r12
        and     rax, 511
        shl     rax, 3                  ; offset inside the page: (round mod 512) * 8
        add     rdi, rax
        DIRTY_PASS rdi, PAGES, PAGE

        inc     r12
        CHECKPOINT_AT r12, r14
        MIGRATION_WAIT_AT r12, r15
        mov     rax, r12
        xor     edx, edx
        mov     ecx, TICK_EVERY
        div     rcx
        test    rdx, rdx
        jnz     .notick
        PRINT   "tick "
        add     al, 'a' - 1             ; the tick's letter
        out     PORT_CONSOLE, al
        mov     al, 10
        out     PORT_CONSOLE, al
.notick:
        cmp     r12, r15
        jb      .round

        ; the result also covers every page as it is now
        mov     rdi, REGION
        mov     ecx, PAGES * PAGE / 8
.sum:   add     r13, [rdi]
        rol     r13, 3
        add     rdi, 8
        dec     ecx
        jnz     .sum
        PRINT   "done", 10
        REPORT_VALUE "counter", r12
        REPORT_VALUE "result", r13
        KVMLAB_EXIT 0
