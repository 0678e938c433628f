; migrate-hotplug.asm - hotplugged memory that must survive a migration.
;
; Demonstrates: the migration stream carries hotplugged slots (docs/migration.md,
; LAYOUT): the guest asks for 2 MiB at GPA_HOTPLUG (slot 2), then keeps
; rewriting 32 pages of RAM at [0x100000, 0x120000) and 32 pages of the
; hotplugged slot, folding what it reads into a running checksum, so a page of
; either slot lost, stale or doubled on the way changes the result.  At the end
; it gives the slot back: on a destination that rebuilt the slot table as the
; source's, that removal succeeds and the GPA becomes a hole (an MMIO exit).
; RBX (--arg) is the number of rounds (0 = 300).
; kvmlab should observe:
;   report "add-status" = 0 (MEMCTL_OK) before the first round;
;   report "checkpoint" (value: the round) at the half-way round;
;   report "result" = the checksum over both slots, "remove-status" = 0,
;   "after-remove" = 0xFFFFFFFFFFFFFFFF (open bus), then exit 0.
; The same --arg gives the same "result" with or without a snapshot or a
; migration in between; that equality is the test.

%include "kvmlab.inc"
%include "rounds.inc"
KVMLAB_HEADER MODE_LONG, "migrate-hotplug", 2048, "hotplugs 2 MiB, rewrites pages of RAM and of the hotplugged slot, reports a checksum a migration must not change"

RAM_REGION      equ 0x100000
PAGES           equ 32                  ; per slot
PAGE            equ 4096
ROUNDS_DEFAULT  equ 300

; One pass over PAGES pages at %1 (+ this round's offset in RAX): fold, rewrite.
%macro PASS 1
        mov     rdi, %1
        add     rdi, rax
        DIRTY_PASS rdi, PAGES, PAGE
%endmacro

start:
        mov     r15, rbx                ; rounds (--arg)
        MEMCTL  MEMCTL_HOTPLUG_ADD, 2
        MEMCTL_STATUS ebx
        REPORT_VALUE "add-status", rbx
        ROUNDS_OR_DEFAULT r15, ROUNDS_DEFAULT
        mov     r14, r15
        shr     r14, 1                  ; the half-way round: the checkpoint
        xor     r12, r12                ; round counter
        mov     r13, 0x9E3779B97F4A7C15 ; checksum seed

.round: mov     rax, r12
        and     rax, 511
        shl     rax, 3                  ; offset inside each page: (round mod 512) * 8
        PASS    RAM_REGION
        PASS    GPA_HOTPLUG
        inc     r12
        CHECKPOINT_AT r12, r14
        MIGRATION_WAIT_AT r12, r15
        cmp     r12, r15
        jb      .round

        ; the result also covers every word of both regions as they are now
        mov     rdi, RAM_REGION
        call    sum
        mov     rdi, GPA_HOTPLUG
        call    sum
        REPORT_VALUE "result", r13
        MEMCTL  MEMCTL_HOTPLUG_REMOVE, 0
        MEMCTL_STATUS ebx
        REPORT_VALUE "remove-status", rbx
        mov     edi, GPA_HOTPLUG
        mov     rax, [rdi]              ; a hole again: MMIO exit, all ones
        REPORT_VALUE "after-remove", rax
        KVMLAB_EXIT 0

sum:    mov     ecx, PAGES * PAGE / 8
.w:     add     r13, [rdi]
        rol     r13, 3
        add     rdi, 8
        dec     ecx
        jnz     .w
        ret
