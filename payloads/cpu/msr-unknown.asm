; cpu/msr-unknown.asm - rdmsr of 0x400000E7, an MSR no one implements.
;
; Run with --msr-exit 0x400000E7: kvmlab should observe one
; KVM_EXIT_X86_RDMSR for it, find that neither it nor KVM (KVM_GET_MSRS)
; knows the MSR, and inject #GP(0): with no IDT, a triple fault
; (KVM_EXIT_SHUTDOWN, exit code 3).  Without --msr-exit KVM raises the #GP
; itself: the same end, but no MSR exit is counted.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "msr-unknown", 1024, "rdmsr of an MSR nobody implements: #GP (counted with --msr-exit)"

start:
        mov     ecx, 0x400000E7
        rdmsr                           ; #GP
        KVMLAB_EXIT 0                   ; not reached
