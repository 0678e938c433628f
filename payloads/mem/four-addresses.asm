; four-addresses.asm - a guest that builds its own page tables (内存虚拟化).
;
; Demonstrates: GVA -> GPA is the guest's business.  The payload builds a
; 4-level table at GPA 0x100000 (above kvmlab's structures and itself), keeps
; kvmlab's identity map for the low 512 GiB (PML4[0]) and adds, in the upper
; half:
;   GVA 0xFFFF800000200000 -> GPA 0x150000   through a PTE  (4 KiB page)
;   GVA 0xFFFF800000400000 -> GPA 0x200000   through a PDE with PS=1 (2 MiB page)
; It loads CR3, writes a signature through each GVA, reads it back through
; the identity map (the GPA) and halts with its tables still live, so
;   kvmlab run mem/four-addresses --translate 0xFFFF800000200123 --translate 0xFFFF800000412345
; shows GVA -> GPA -> HVA -> HPA.  The payload also asks for one translation
; itself (MEMCTL_TRANSLATE with GVA 0xFFFF8000002007F8 in RDI).  kvmlab should
; observe: VALUE reports gva-4k, gpa-4k, gva-2m, gpa-2m, cr3; PASS sig-4k,
; sig-2m; VALUE translate-status = 0; one memctl OUT, one IN; one HLT.
; With --vcpus N only vCPU 0 (RDI = 0 at entry, guest-abi.md "Several vCPUs")
; builds the tables; the others wait for tables_ready and then load the same
; CR3, so no vCPU zeroes tables another is walking or having translated.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "four-addresses", 4096, "own page tables: an upper-half GVA mapped by a 4 KiB PTE and one by a 2 MiB PDE"

PML4            equ 0x100000            ; the payload's tables: 4 pages from 1 MiB
PDPT_HI         equ 0x101000
PD_HI           equ 0x102000
PT_HI           equ 0x103000
P_RW            equ 0x3                 ; present | writable (SDM 4.5, table 4-15)
PS              equ 0x80                ; page size: the PDE maps 2 MiB

GVA_4K          equ 0xFFFF800000200000  ; PML4[256] PDPT[0] PD[1] PT[0]
GPA_4K          equ 0x150000
GVA_2M          equ 0xFFFF800000400000  ; PML4[256] PDPT[0] PD[2], PS=1
GPA_2M          equ 0x200000
SIG_4K          equ 0x4B345F4B4C4D564B  ; arbitrary signatures
SIG_2M          equ 0x4D325F4B4C4D564B
OFF_2M          equ 0x12340             ; a byte deep inside the 2 MiB page

start:
        test    edi, edi
        jnz     .wait_tables            ; vCPU 1..N-1: vCPU 0 builds them
        ; Zero the four table pages.
        mov     edi, PML4
        xor     eax, eax
        mov     ecx, 4 * 4096 / 8
        rep stosq
        ; PML4[0]: reuse kvmlab's identity map, so this code keeps running.
        mov     rax, cr3
        mov     rax, [rax]
        mov     [PML4], rax
        mov     qword [PML4 + 256 * 8], PDPT_HI | P_RW
        mov     qword [PDPT_HI], PD_HI | P_RW
        mov     qword [PD_HI + 1 * 8], PT_HI | P_RW
        mov     qword [PT_HI], GPA_4K | P_RW
        mov     qword [PD_HI + 2 * 8], GPA_2M | P_RW | PS
        mov     dword [rel tables_ready], 1     ; x86 stores are seen in order (TSO)
        jmp     .load_cr3
.wait_tables:
        cmp     dword [rel tables_ready], 0
        je      .wait_tables
.load_cr3:
        mov     eax, PML4
        mov     cr3, rax                ; flushes the TLB: the new map is live

        mov     rdi, GVA_4K
        mov     rax, SIG_4K
        mov     [rdi + 0x123], rax      ; through the 4 KiB mapping
        mov     rdi, GVA_2M + OFF_2M
        mov     rax, SIG_2M
        mov     [rdi + 5], rax          ; through the 2 MiB mapping

        mov     rax, GVA_4K
        REPORT_VALUE "gva-4k", rax
        REPORT_VALUE "gpa-4k", GPA_4K
        mov     rax, GVA_2M
        REPORT_VALUE "gva-2m", rax
        REPORT_VALUE "gpa-2m", GPA_2M
        mov     rax, cr3
        REPORT_VALUE "cr3", rax
        ; The same bytes, read back through their GPAs (identity map).
        mov     rax, [GPA_4K + 0x123]
        mov     rbx, SIG_4K
        cmp     rax, rbx
        jne     .bad4k
        REPORT_PASS "sig-4k", rax
        mov     edi, GPA_2M + OFF_2M
        mov     rax, [rdi + 5]
        mov     rbx, SIG_2M
        cmp     rax, rbx
        jne     .bad2m
        REPORT_PASS "sig-2m", rax
        ; Ask kvmlab to translate a GVA now, with these tables live (MEMCTL_TRANSLATE).
        mov     rdi, GVA_4K + 0x7F8
        MEMCTL  MEMCTL_TRANSLATE, 0
        MEMCTL_STATUS ebx
        REPORT_VALUE "translate-status", rbx
        hlt
.bad4k: REPORT_FAIL "sig-4k", rax
.bad2m: REPORT_FAIL "sig-2m", rax

tables_ready:   dd 0                    ; set by vCPU 0 once the tables are complete
