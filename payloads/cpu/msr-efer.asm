; cpu/msr-efer.asm - rdmsr of IA32_EFER (0xC0000080), an MSR KVM handles.
;
; kvmlab should observe: no MSR exit; a VALUE report "msr.efer" with LME
; (bit 8) and LMA (bit 10) set, as long mode requires (SDM vol. 3A, 2.2.1).
; With --msr-exit 0xC0000080: one KVM_EXIT_X86_RDMSR, forwarded to KVM with
; KVM_GET_MSRS, and the same value.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "msr-efer", 1024, "rdmsr IA32_EFER: in KVM, or through kvmlab with --msr-exit"

start:
        mov     ecx, 0xC0000080
        rdmsr
        REPORT_VALUE "msr.efer", rax
        KVMLAB_EXIT 0
