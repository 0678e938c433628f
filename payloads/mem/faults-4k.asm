; faults-4k.asm - what a first touch costs, through 4 KiB guest pages.
;
; Demonstrates: the same two passes as faults-2m, but the guest maps the
; 64 pages with its own page table (PTEs, 4 KiB each) at GVA
; 0xFFFF800000000000 -> GPA 0x200000.  Compare the two payloads' KVM stats:
; with shadow paging every guest PTE is a shadow PTE KVM must build; with
; EPT/NPT the guest's page size does not change the EPT/NPT work.
; kvmlab should observe: marks 1..4 on port 0xF8 as in faults-2m; reports
; pass1-cycles, pass2-cycles, pages = 64; HLT.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "faults-4k", 4096, "touches 64 fresh pages twice through 4 KiB guest PTEs; times each pass"

PML4            equ 0x100000            ; the payload's tables, as in four-addresses
PDPT_HI         equ 0x101000
PD_HI           equ 0x102000
PT_HI           equ 0x103000
P_RW            equ 0x3
GVA_BASE        equ 0xFFFF800000000000  ; PML4[256] PDPT[0] PD[0] PT[0..63]
BASE            equ 0x200000
PAGES           equ 64

%macro PASS 0
        RDTSC64 r8
        mov     rdi, GVA_BASE
        mov     ecx, PAGES
%%l:    mov     byte [rdi], 1
        add     rdi, 4096
        dec     ecx
        jnz     %%l
        RDTSC64 rbx
        sub     rbx, r8
%endmacro

start:
        mov     edi, PML4
        xor     eax, eax
        mov     ecx, 4 * 4096 / 8
        rep stosq
        mov     rax, cr3
        mov     rax, [rax]
        mov     [PML4], rax             ; keep the identity map for code and stack
        mov     qword [PML4 + 256 * 8], PDPT_HI | P_RW
        mov     qword [PDPT_HI], PD_HI | P_RW
        mov     qword [PD_HI], PT_HI | P_RW
        mov     edi, PT_HI
        mov     eax, BASE | P_RW
        mov     ecx, PAGES
.pte:   mov     [rdi], rax              ; PT[i] -> BASE + i * 4 KiB
        add     rdi, 8
        add     eax, 4096
        loop    .pte
        mov     eax, PML4
        mov     cr3, rax

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
