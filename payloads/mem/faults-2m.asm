; faults-2m.asm - what a first touch costs, through 2 MiB guest pages.
;
; Demonstrates: the first write to a guest page costs a fault somewhere
; below the guest (a shadow page fault on shadow paging, an EPT/NPT
; violation with two-dimensional paging, and a host page fault to allocate
; the backing); the second write to the same page costs none of that.
; The pages [0x200000, 0x200000 + 64 pages) sit in one 2 MiB page of
; kvmlab's identity map and are untouched before this pass.
; kvmlab should observe: marks 1, 2, 3 on port 0xF8 around pass 1 and pass
; 2 (KVM stats and host faults sampled at each); reports pass1-cycles and
; pass2-cycles (guest TSC for 64 pages), pages = 64; HLT.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "faults-2m", 4096, "touches 64 fresh pages twice through a 2 MiB guest mapping; times each pass"

BASE            equ 0x200000
PAGES           equ 64

%macro PASS 0                           ; one write per page; RBX = cycles
        RDTSC64 r8
        mov     edi, BASE
        mov     ecx, PAGES
%%l:    mov     byte [rdi], 1
        add     rdi, 4096
        dec     ecx
        jnz     %%l
        RDTSC64 rbx
        sub     rbx, r8
%endmacro

start:
        MEMCTL  MEMCTL_MARK, 1
        PASS
        MEMCTL  MEMCTL_MARK, 2
        REPORT_VALUE "pass1-cycles", rbx
        MEMCTL  MEMCTL_MARK, 3
        PASS
        MEMCTL  MEMCTL_MARK, 4
        REPORT_VALUE "pass2-cycles", rbx
        REPORT_VALUE "pages", PAGES
        hlt
