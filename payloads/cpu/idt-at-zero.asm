; idt-at-zero.asm - a valid #UD gate written at GPA 0, then ud2.
;
; Demonstrates: kvmlab enters long (and protected) mode with IDTR base 0 and
; limit 0 (docs/guest-abi.md), not the reset IDTR (base 0, limit 0xFFFF: SDM
; Vol. 3A 10.1.1, Table 10-1).  A limit of 0 covers no gate (SDM Vol. 3A 6.10:
; a vector whose gate lies beyond the limit raises #GP), so whatever sits at
; GPA 0 is not an IDT: the #UD cannot be delivered, nor the #GP and #DF that
; follow, and the vCPU triple-faults.
; kvmlab should observe: no report ("handled" would mean page 0 was the live
; IDT), then KVM_EXIT_SHUTDOWN with RIP at the ud2; registers.idtr = {0, 0}.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "idt-at-zero", 128, "a #UD gate at GPA 0 must not be used: IDTR limit is 0"

%define VEC_UD 6                                ; SDM Vol. 3A Table 6-1
%define GATE_INT64 0x8E                         ; P = 1, DPL 0, type 0xE: 64-bit interrupt gate

start:
        lea     rax, [rel handler]
        mov     rdi, VEC_UD * 16                ; 16-byte gates (SDM Vol. 3A 6.14.1)
        mov     word [rdi], ax                  ; offset 15:0
        mov     word [rdi + 2], SEL_CODE64
        mov     byte [rdi + 4], 0               ; IST 0
        mov     byte [rdi + 5], GATE_INT64
        shr     rax, 16
        mov     word [rdi + 6], ax              ; offset 31:16
        shr     rax, 16
        mov     dword [rdi + 8], eax            ; offset 63:32
        mov     dword [rdi + 12], 0
        ud2
        hlt                                     ; not reached

handler:
        REPORT_VALUE "handled", 1               ; only if GPA 0 were the IDT
        hlt
