; cpuid-leaf.asm - one CPUID leaf, as the guest sees it at CPL 0.
;
; Demonstrates: that a --cpuid override reaches the guest - or that the host
; replaced it after KVM_SET_CPUID2 (kvmlab then warns on stderr).  --arg gives
; the leaf in bits 31:0 and the subleaf in bits 63:32 (RBX at entry,
; docs/guest-abi.md).  kvmlab should observe: reports leaf, subleaf, eax,
; ebx, ecx, edx, then hlt.  tests/test_cpu_cpuid.py edits one register of
; each leaf kind kvmlab lets users edit and reads it back here.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "cpuid-leaf", 128, "CPUID: one leaf (--arg = subleaf << 32 | leaf) read at CPL 0"

start:
        mov     r15, rbx                ; the --arg, before anything clobbers RBX
        mov     eax, r15d               ; leaf
        mov     rcx, r15
        shr     rcx, 32                 ; subleaf
        REPORT_VALUE "leaf", rax
        REPORT_VALUE "subleaf", rcx
        cpuid
        REPORT_VALUE "eax", rax
        REPORT_VALUE "ebx", rbx
        REPORT_VALUE "ecx", rcx
        REPORT_VALUE "edx", rdx
        hlt
