; cpu/msr-scratch.asm - kvmlab's scratch MSR 0x400000E0: wrmsr then rdmsr.
;
; kvmlab should observe: one KVM_EXIT_X86_WRMSR and one KVM_EXIT_X86_RDMSR
; for index 0x400000E0 (filtered to user space by KVM's MSR filter), a PASS
; report "msr.scratch" = 0x1234567890ABCDEF (the value written comes back),
; then a VALUE report "msr.exits" = 2 read from the read-only MSR 0x400000E1
; (two MSR exits were handled before that read), then exit status 0.

%define KVMLAB_FLAGS KVMLAB_FLAG_MSRS       ; uses kvmlab's MSRs: kvmlab installs its MSR filter
%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "msr-scratch", 1024, "write and read back kvmlab's scratch MSR through the MSR filter"

start:
        mov     ecx, MSR_KVMLAB_SCRATCH
        mov     edx, 0x12345678         ; EDX:EAX = the 64-bit value
        mov     eax, 0x90ABCDEF
        wrmsr                           ; exit to kvmlab: stored
        xor     eax, eax
        xor     edx, edx
        rdmsr                           ; exit to kvmlab: EDX:EAX = stored value
        shl     rdx, 32
        or      rax, rdx
        mov     rbx, 0x1234567890ABCDEF
        cmp     rax, rbx
        jne     .bad
        REPORT_PASS "msr.scratch", rax
        mov     ecx, MSR_KVMLAB_EXITS
        rdmsr
        REPORT_VALUE "msr.exits", rax
        KVMLAB_EXIT 0
.bad:   REPORT_FAIL "msr.scratch", rax
