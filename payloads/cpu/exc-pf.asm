; exc-pf.asm - #PF delivered to the guest's own IDT handler.
;
; Demonstrates: a page fault the guest handles itself.  kvmlab's identity
; map covers [0, 4 GiB) only; a write to 4 GiB walks to a PDPT entry that
; is not present, so the CPU raises #PF with CR2 = the address and error
; code 2 (P=0: not present, W/R=1: a write, U/S=0: supervisor; SDM Vol. 3A
; 4.7, "Page-Fault Exceptions").
; kvmlab should observe, where the host delivers exceptions to the guest:
; exc.vector = 14, exc.error = 2, exc.rip = fault.rip, exc.cpl = 0,
; exc.cr2 = 0x100000000, then resumed = 14 and hlt: success.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "exc-pf", 128, "a write above the 4 GiB identity map with a guest IDT: #PF is delivered to the guest"

UNMAPPED        equ     0x100000000     ; first byte past kvmlab's identity map

start:
        IDT_INSTALL
        lea     rax, [rel fault]
        REPORT_VALUE "fault.rip", rax
        mov     rbx, UNMAPPED
        IDT_TRY resume
fault:  mov     dword [rbx], 1
        IDT_TRY_END
        REPORT_FAIL "no exception", 0
resume:
        REPORT_VALUE "resumed", qword [rel idt_last_vector]
        hlt
