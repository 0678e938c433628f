; cpu/msr-readonly.asm - wrmsr to kvmlab's read-only MSR 0x400000E1.
;
; kvmlab should observe: one KVM_EXIT_X86_WRMSR for 0x400000E1, which it
; refuses (msr.error = 1): KVM injects #GP(0), and with no IDT that becomes
; a triple fault: the run ends with KVM_EXIT_SHUTDOWN (exit code 3).

%define KVMLAB_FLAGS KVMLAB_FLAG_MSRS       ; uses kvmlab's MSRs: kvmlab installs its MSR filter
%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "msr-readonly", 1024, "wrmsr to a read-only kvmlab MSR: #GP, then a triple fault"

start:
        mov     ecx, MSR_KVMLAB_EXITS
        xor     eax, eax
        xor     edx, edx
        wrmsr                           ; #GP: the MSR is read-only
        KVMLAB_EXIT 0                   ; not reached
