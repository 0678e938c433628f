; migrate-smp.asm - two vCPUs, each with a running computation that a live
; migration must not change.
;
; Demonstrates: live migration of a --vcpus 2 guest (docs/migration.md).  vCPU
; i (RDI) rewrites its own 32 pages at 0x100000 + i x 0x20000 in rounds, as
; migrate-counter does, and folds what it reads into its own checksum.  vCPU 0
; sends report "checkpoint" half-way; vCPU 1 stores its checksum and then
; waits (it must still be running when the migration stops the vCPUs).
; RBX (--arg) is the number of rounds (0 = 400).
; kvmlab should observe: reports "checkpoint", "result0", "result1" (the same
; with or without a migration in between), then exit 0 from vCPU 0.

%include "kvmlab.inc"
%include "rounds.inc"
KVMLAB_HEADER MODE_LONG, "migrate-smp", 2048, "two vCPUs rewrite their own pages and report checksums a migration must not change"

REGION          equ 0x100000
PAGES           equ 32
PAGE            equ 4096
ROUNDS_DEFAULT  equ 400

start:
        cmp     edi, 1
        ja      .idle                   ; a third vCPU has nothing to do
        mov     r15, rbx
        ROUNDS_OR_DEFAULT r15, ROUNDS_DEFAULT
        mov     r14, r15
        shr     r14, 1                  ; the half-way round
        mov     rbp, rdi
        shl     rbp, 17                 ; 0x20000 per vCPU
        add     rbp, REGION
        xor     r12, r12
        mov     r13, 0x9E3779B97F4A7C15
        add     r13, rdi                ; a different seed per vCPU

.round: mov     rsi, rbp
        mov     rax, r12
        and     rax, 511
        shl     rax, 3
        add     rsi, rax
        DIRTY_PASS rsi, PAGES, PAGE
        inc     r12
        test    edi, edi
        jnz     .next
        cmp     r12, r14
        jne     .next
        REPORT_VALUE "checkpoint", r12
.next:  MIGRATION_WAIT_AT r12, r15       ; each vCPU
        cmp     r12, r15
        jb      .round

        test    edi, edi
        jnz     .ap_done
.wait:  cmp     dword [rel ap_done], 0  ; vCPU 0: until vCPU 1 has its result
        je      .wait
        REPORT_VALUE "result0", r13
        mov     rax, [rel ap_sum]
        REPORT_VALUE "result1", rax
        KVMLAB_EXIT 0

.ap_done:
        mov     [rel ap_sum], r13
        mov     dword [rel ap_done], 1
.idle:  jmp     .idle                   ; running, not halted: exit 0 from vCPU 0 ends the VM

align 8
ap_sum:  dq 0
ap_done: dd 0
