; migrate-dirty.asm - a guest that dirties memory faster than a slow link can follow.
;
; Demonstrates: pre-copy that does not converge (--bandwidth below the dirty
; rate: the round limit ends it) and auto-converge (--auto-converge throttles
; the vCPU until the rest fits --max-downtime); docs/migration.md.  The guest
; writes one qword to each of 1024 pages at [0x100000, 0x500000) per pass,
; pass after pass, for RBX (--arg) milliseconds of guest TSC time (0 = 3000)
; and then for as long as a live migration of it is still to come or under
; way (memctl request 7, MEMCTL_MIGRATION_PENDING, asked once a pass after
; the deadline): it keeps dirtying until pre-copy has stopped it, however slow
; the host, and on the destination it ends after the pass it was moved in.
; kvmlab should observe: report "passes" (how many it made, host dependent),
; report "tsc-khz" (the rate port 0xE0 gave it, non-zero), then exit 0.

%include "kvmlab.inc"
%include "apic.inc"                     ; MACHINE_FACT: the TSC rate (port 0xE0)
%include "mem.inc"                      ; MEMCTL: is a migration still to come?
KVMLAB_HEADER MODE_LONG, "migrate-dirty", 8192, "dirties 1024 pages per pass for --arg ms of guest time (auto-converge, non-convergence)"

REGION          equ 0x100000
PAGES           equ 1024
PAGE            equ 4096
MS_DEFAULT      equ 3000

start:
        MACHINE_FACT r8d, FACT_TSC_KHZ  ; TSC ticks per ms
        test    r8d, r8d
        jz      .fail
        mov     rax, rbx
        test    rax, rax
        jnz     .ms
        mov     eax, MS_DEFAULT
.ms:    mul     r8                      ; RDX:RAX = ms * kHz = ticks
        mov     r9, rax
        rdtsc                           ; EDX:EAX (SDM Vol. 2B, RDTSC)
        shl     rdx, 32
        or      rax, rdx
        add     r9, rax                 ; the deadline
        xor     r12, r12                ; passes
.pass:  mov     rdi, REGION
        mov     ecx, PAGES
.page:  mov     [rdi], r12              ; every page dirty again
        add     rdi, PAGE
        dec     ecx
        jnz     .page
        inc     r12
        rdtsc
        shl     rdx, 32
        or      rax, rdx
        cmp     rax, r9
        jb      .pass
        MEMCTL  MEMCTL_MIGRATION_PENDING, 0
        MEMCTL_STATUS r10d              ; (not eax: the macro keeps RAX)
        cmp     r10d, MEMCTL_MIGRATING
        je      .pass                   ; past the deadline, but not migrated yet
        REPORT_VALUE "tsc-khz", r8
        REPORT_VALUE "passes", r12
        KVMLAB_EXIT 0
.fail:  REPORT_FAIL "no TSC rate from port 0xE0", r8
