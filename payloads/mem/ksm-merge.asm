; ksm-merge.asm - pages KSM can merge with another VM's, and the price of
; writing to one once it is merged.
;
; Demonstrates: kernel samepage merging (内核同页合并) of guest RAM
; (kvmlab run --ksm; Documentation/admin-guide/mm/ksm.rst).  The guest fills
; `total` bytes (port 0xE0: --io-total, whole pages) from 1 MiB up, page i
; holding the qword 0x4B534D5F_00000000 + i everywhere: the pages differ from
; each other, so one VM alone has nothing to merge, but two VMs running this
; payload have the same pages.  It snapshots its memory (port 0xFA, BEFORE),
; then naps 10 ms at a time until the kernel has merged at least that many of
; its pages (ksm_merging_pages), snapshots again (MERGED), asks whether page
; 0 is a KSM page, writes to it twice, timing each write with RDTSC, asks
; again, and stays 200 ms more so the other VM sees the sharing too.
; kvmlab should observe: merging_pages >= pages; page0_ksm_before = 1 and
; page0_ksm_after = 0 (the first write took a private copy: copy-on-write),
; or -1 for both without CAP_SYS_ADMIN; reports cow_cycles, rewrite_cycles.
; Never merged within 30 s (KSM off, or no second VM): FAIL ksm_merged;
; without --ksm (the port answers -1): FAIL ksm_unavailable.

%include "kvmlab.inc"
%include "io.inc"
KVMLAB_HEADER MODE_LONG, "ksm-merge", 4096, "fill pages another VM has too; wait for KSM; time the copy-on-write"

%define PORT_KSM        0xFA                    ; vmm/abi.h
%define KSM_CMD_BEFORE  1
%define KSM_CMD_MERGED  2
%define KSM_CMD_WAIT    3
%define KSM_CMD_PAGE    4
%define KSM_BASE        0x100000
%define KSM_TAG         0x4B534D5F00000000      ; "_MSK": not zero, so not the shared zero page
%define WAITS_MAX       3000                    ; x 10 ms
%define LINGER          20

start:
        IOPARAM r12d, IOPARAM_TOTAL
        shr     r12d, 12                        ; pages
        jnz     .fill
        REPORT_FAIL "ksm_pages", 0
.fill:  xor     ebp, ebp                        ; page index
.page:  mov     rax, KSM_TAG
        or      rax, rbp
        mov     rdi, rbp
        shl     rdi, 12
        add     rdi, KSM_BASE
        mov     ecx, 512
        rep     stosq
        inc     ebp
        cmp     ebp, r12d
        jb      .page
        REPORT_VALUE "pages", r12
        mov     eax, KSM_CMD_BEFORE
        out     PORT_KSM, eax
        mov     r13d, WAITS_MAX
.wait:  mov     eax, KSM_CMD_WAIT
        out     PORT_KSM, eax                   ; kvmlab naps 10 ms, then counts
        in      eax, PORT_KSM
        cmp     eax, -1                         ; no --ksm, or no ksm_merging_pages
        je      .nocount
        cmp     eax, r12d
        jae     .merged
        dec     r13d
        jnz     .wait
        REPORT_VALUE "merging_pages", rax
        REPORT_FAIL "ksm_merged", rax
.nocount:
        REPORT_FAIL "ksm_unavailable", rax      ; run without --ksm, or a kernel before 6.1
.merged:
        mov     eax, KSM_CMD_MERGED
        out     PORT_KSM, eax
        in      eax, PORT_KSM
        REPORT_VALUE "merging_pages", rax
        mov     eax, KSM_BASE | KSM_CMD_PAGE
        out     PORT_KSM, eax
        in      eax, PORT_KSM
        movsx   rax, eax
        REPORT_VALUE "page0_ksm_before", rax
        ; The first write to a merged page faults into the host kernel, which
        ; copies the page (copy-on-write); the second finds it private.
        TSC     r8
        mov     byte [KSM_BASE], 1
        TSC     r9
        sub     r9, r8
        TSC     r8
        mov     byte [KSM_BASE + 8], 2
        TSC     r10
        sub     r10, r8
        REPORT_VALUE "cow_cycles", r9
        REPORT_VALUE "rewrite_cycles", r10
        mov     eax, KSM_BASE | KSM_CMD_PAGE
        out     PORT_KSM, eax
        in      eax, PORT_KSM
        movsx   rax, eax
        REPORT_VALUE "page0_ksm_after", rax
        mov     r13d, LINGER
.linger:
        mov     eax, KSM_CMD_WAIT
        out     PORT_KSM, eax
        dec     r13d
        jnz     .linger
        hlt
