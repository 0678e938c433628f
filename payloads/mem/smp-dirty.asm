; smp-dirty.asm - two vCPUs dirty their own pages; one round collects both.
;
; Demonstrates: with --dirty-log ring every vCPU has its own dirty ring
; (api.rst 8.29, KVM_CAP_DIRTY_LOG_RING: "each vCPU ... a ring buffer"), so
; a harvest must read all of them.  vCPU 0 takes the baseline round 0 while
; vCPU 1 waits; then vCPU i writes one qword to each of PAGES pages at
; AREA + i x 0x10000; vCPU 0 waits for both and takes round 1.  With the
; bitmap (--dirty-log bitmap) the slot's one log holds every vCPU's writes.
; kvmlab should observe: round 1 lists the 2 x PAGES pages (plus at most the
; payload's own data page and vCPU 0's stack page); both vCPUs end with HLT.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "smp-dirty", 4096, "two vCPUs dirty 8 pages each; one dirty round must list all 16"

%define AREA    0x100000
%define PAGES   8

start:
        cmp     edi, 1
        ja      .halt
        test    edi, edi
        jnz     .go
        MEMCTL  MEMCTL_DIRTY_ROUND, 0           ; the baseline
        mov     dword [rel baseline], 1
.go:    cmp     dword [rel baseline], 0
        je      .go
        mov     rbx, rdi
        shl     rbx, 16
        add     rbx, AREA
        mov     ecx, PAGES
.wr:    mov     [rbx], rdi
        add     rbx, 0x1000
        dec     ecx
        jnz     .wr
        lock inc dword [rel arrived]
        test    edi, edi
        jnz     .halt
.wait:  cmp     dword [rel arrived], 2
        jne     .wait
        MEMCTL  MEMCTL_DIRTY_ROUND, 1
.halt:  hlt

        align   4
baseline: dd    0
arrived:  dd    0
