; exception-storm.asm - thousands of exceptions, all handled by the guest.
;
; Demonstrates: a guest that installs an IDT whose #UD handler skips the
; faulting ud2 (2 bytes) and returns, then executes ud2 STORM_N times.
; Each #UD is delivered inside KVM (no exit to kvmlab on VMX/SVM; on an
; emulating host, delivery of an exception raised while emulating may
; instead end the run with KVM_EXIT_INTERNAL_ERROR, as the PVM sources allow).
; kvmlab should observe: "storm\n" on the console, then either a report
; ud-count = 1000 and a HLT exit (exceptions delivered), or an internal
; error (guest crash, exit code 3): never a kvmlab crash or hang.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "exception-storm", 128, "raises #UD 1000 times through its own IDT handler"

%define STORM_N         1000
%define VEC_UD          6                       ; SDM 6.3.1: #UD is vector 6

start:
        PRINT   `storm\n`
        ; 64-bit interrupt gate for vector 6 (SDM 6.14.1, figure 6-7).
        lea     rax, [rel ud_handler]
        mov     rdi, GPA_IDT + VEC_UD * 16
        mov     [rdi], ax                       ; offset 15:0
        mov     word [rdi + 2], SEL_CODE64      ; selector
        mov     word [rdi + 4], 0x8E00          ; P=1, DPL=0, type 0xE interrupt gate
        shr     rax, 16
        mov     [rdi + 6], ax                   ; offset 31:16
        mov     dword [rdi + 8], 0              ; offset 63:32
        mov     dword [rdi + 12], 0
        lidt    [rel idtr]
        xor     ebx, ebx                        ; handler counts in RBX
        mov     ecx, STORM_N
.again: ud2
        loop    .again
        REPORT_VALUE "ud-count", rbx
        hlt

ud_handler:
        inc     rbx
        add     qword [rsp], 2                  ; return past the 2-byte ud2
        iretq

idtr:   dw      256 * 16 - 1
        dq      GPA_IDT
