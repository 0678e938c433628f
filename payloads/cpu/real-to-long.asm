; real-to-long.asm - the guest climbs from real mode to 64-bit long mode itself.
;
; Demonstrates: what a boot loader does between reset and a 64-bit kernel
; (SDM vol. 3A 10.8 "Initializing IA-32e Mode"), one control-register write
; at a time, with no help from kvmlab (the header asks for MODE_REAL, so
; kvmlab builds no GDT and no page tables):
;   1. real mode: as after reset (CR0.PE = 0)
;   2. lgdt a GDT of its own, CR0.PE = 1, far jump: 32-bit protected mode
;   3. build a PML4 -> PDPT -> PD identity map of the first 2 MiB at
;      0x30000, CR3 = 0x30000, CR4.PAE = 1
;   4. wrmsr IA32_EFER.LME = 1 (long mode enabled, not yet active)
;   5. CR0.PG = 1: the CPU sets EFER.LMA; code still runs in 32-bit
;      compatibility mode (CS.L = 0)
;   6. far jump to a 64-bit code segment (CS.L = 1): 64-bit long mode
; At each stage it prints "stage N: ..." and sends VALUE reports
; "N.cr0", "N.cr4", "N.efer" (N = 1..6).
; kvmlab should observe: console lines "stage 1" .. "stage 6", 18 VALUE
; reports, a HLT exit, and final registers in mode "long" with
; CR0.PE|PG, CR4.PAE, EFER.LME|LMA set; no exit other than IO and HLT:
; mov to CR0/CR3/CR4, lgdt, wrmsr EFER and the far jumps are handled by KVM.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_REAL, "real-to-long", 256, "starts in real mode, enters protected then long mode itself, reporting CR0/CR4/EFER"

; Architectural bits (SDM vol. 3A 2.5, 2.2.1), as in vmm/x86.h.
%define CR0_PE          (1 << 0)
%define CR0_PG          (1 << 31)
%define CR4_PAE         (1 << 5)
%define MSR_EFER        0xC0000080
%define EFER_LME        (1 << 8)
%define PTE_P           (1 << 0)
%define PTE_RW          (1 << 1)
%define PTE_PS          (1 << 7)        ; 2 MiB page in a PDE

; The guest's own page tables: three pages past the payload, below 256 KiB.
%define PT_PML4         0x30000
%define PT_PDPT         0x31000
%define PT_PD           0x32000
%define STACK32         0x1FFF0         ; the real-mode stack's linear address, kept

; Its own GDT selectors (the same numbers as kvmlab's, for comparison).
%define SEL32           0x08
%define SELDATA         0x10
%define SEL64           0x18

; REPORT_CREGS "N", reg: VALUE reports N.cr0, N.cr4, N.efer through reg (EAX,
; or RAX in 64-bit code, where mov from CR takes 64-bit registers only).
; rdmsr works in every mode at CPL0; EFER's defined bits are all in EAX.
%macro REPORT_CREGS 2
  %strcat %%cr0 %1, ".cr0"
  %strcat %%cr4 %1, ".cr4"
  %strcat %%efer %1, ".efer"
        mov     %2, cr0
        REPORT_VALUE %%cr0, %2
        mov     %2, cr4
        REPORT_VALUE %%cr4, %2
        mov     ecx, MSR_EFER
        rdmsr
        REPORT_VALUE %%efer, %2
%endmacro

        bits    16
start:
        cli
        PRINT   `stage 1: real mode\n`
        REPORT_CREGS "1", eax

        ; Stage 2: load our GDT (its base is a linear address) and set CR0.PE.
        lgdt    [cs:gdtr]
        mov     eax, cr0
        or      eax, CR0_PE
        mov     cr0, eax                        ; protected mode, but CS is still a real-mode segment
        jmp     dword SEL32:KVMLAB_GPA(prot32)  ; reload CS from the GDT: 32-bit code

        bits    32
prot32:
        mov     ax, SELDATA
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     esp, STACK32
        PRINT   `stage 2: protected mode\n`
        REPORT_CREGS "2", eax

        ; Stage 3: identity-map [0, 2 MiB) with one 2 MiB page, CR3, CR4.PAE.
        cld
        mov     edi, PT_PML4
        xor     eax, eax
        mov     ecx, 3 * 4096 / 4
        rep     stosd                           ; clear the three tables
        mov     dword [PT_PML4], PT_PDPT | PTE_P | PTE_RW
        mov     dword [PT_PDPT], PT_PD | PTE_P | PTE_RW
        mov     dword [PT_PD], 0 | PTE_P | PTE_RW | PTE_PS
        mov     eax, PT_PML4
        mov     cr3, eax
        mov     eax, cr4
        or      eax, CR4_PAE
        mov     cr4, eax
        PRINT   `stage 3: PAE on, CR3 set\n`
        REPORT_CREGS "3", eax

        ; Stage 4: long mode enable (EFER.LME); not active until paging is on.
        mov     ecx, MSR_EFER
        rdmsr
        or      eax, EFER_LME
        wrmsr
        PRINT   `stage 4: EFER.LME set\n`
        REPORT_CREGS "4", eax

        ; Stage 5: paging on.  With LME set the CPU activates long mode (EFER.LMA)
        ; but this code segment has L = 0: compatibility mode.
        mov     eax, cr0
        or      eax, CR0_PG
        mov     cr0, eax
        PRINT   `stage 5: paging on, compatibility mode\n`
        REPORT_CREGS "5", eax

        ; Stage 6: a 64-bit code segment (L = 1).
        jmp     SEL64:KVMLAB_GPA(long64)

        bits    64
long64:
        PRINT   `stage 6: 64-bit long mode\n`
        REPORT_CREGS "6", rax
        hlt

        align   8
gdt:    dq      0                               ; null descriptor
        dq      0x00CF9A000000FFFF              ; 0x08: code, 32-bit (D = 1), flat 4 GiB
        dq      0x00CF92000000FFFF              ; 0x10: data, flat 4 GiB
        dq      0x00AF9A000000FFFF              ; 0x18: code, 64-bit (L = 1)
gdt_end:
gdtr:   dw      gdt_end - gdt - 1               ; limit
        dd      KVMLAB_GPA(gdt)                 ; linear base
