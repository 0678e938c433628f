; whoami.asm - what CPUID tells a guest about the machine it runs on.
;
; Demonstrates: how a guest can tell it is virtualized, and that the
; answers come from the VMM's CPUID table (KVM_SET_CPUID2) where CPUID
; exits to the hypervisor - always on VT-x (SDM Vol. 3C 26.1.2) and SVM -
; except registers the host rewrites after KVM_SET_CPUID2 (kvmlab warns;
; fact cpuid_set.replaced).  This payload runs at CPL 0; at CPL 3 a host
; without CPUID faulting may answer from the silicon (fact cpuid_table.cpl3).  Reads leaf 0 (vendor), leaf 1 (family/model/stepping and the
; hypervisor-present bit ECX[31]), leaf 0x40000000 (hypervisor signature:
; "KVMKVMKVM\0\0\0" on KVM) and 0x40000001 (KVM's paravirtual features).
; kvmlab should observe: the lines below on the console, and reports
; vendor.ebx/edx/ecx, leaf1.eax, leaf1.ecx, family, model, stepping,
; hypervisor_bit, hv.max_leaf, hv.sig.ebx/ecx/edx, hv.features, then hlt.
; With --hide-hypervisor: hypervisor_bit = 0 and the 0x4000000x leaves all
; zero; with --cpuid LEAF:REG=VALUE, exactly that register changes, unless
; the host replaced it (then kvmlab's stderr says so).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "whoami", 128, "CPUID: vendor, family/model, hypervisor bit and the KVM signature leaves"

CPUID_HV_BIT    equ     31              ; CPUID.1:ECX[31], SDM Vol. 2A Table 3-10
LEAF_HV         equ     0x40000000      ; Linux Documentation/virt/kvm/x86/cpuid.rst
LEAF_HV_FEAT    equ     0x40000001

start:
        ; ---- leaf 0: the vendor string is EBX, EDX, ECX ----
        xor     eax, eax
        cpuid
        REPORT_VALUE "vendor.ebx", rbx
        REPORT_VALUE "vendor.edx", rdx
        REPORT_VALUE "vendor.ecx", rcx
        PRINT   "vendor:     "
        mov     eax, ebx
        call    put4
        mov     eax, edx
        call    put4
        mov     eax, ecx
        call    put4
        PRINT   10

        ; ---- leaf 1: signature in EAX (SDM Vol. 2A, CPUID, Figure 3-6) ----
        mov     eax, 1
        cpuid
        REPORT_VALUE "leaf1.eax", rax
        REPORT_VALUE "leaf1.ecx", rcx
        mov     r12d, ecx
        mov     r8d, eax
        shr     r8d, 8
        and     r8d, 0xF                ; family
        mov     r9d, eax
        shr     r9d, 4
        and     r9d, 0xF                ; model
        cmp     r8d, 0xF
        jne     .no_extfam
        mov     edx, eax
        shr     edx, 20
        and     edx, 0xFF
        add     r8d, edx                ; family 0xF: + extended family
.no_extfam:
        cmp     r8d, 6
        jb      .no_extmod
        mov     edx, eax
        shr     edx, 16-4
        and     edx, 0xF0
        add     r9d, edx                ; family 6 or 0xF: + extended model << 4
.no_extmod:
        mov     r10d, eax
        and     r10d, 0xF               ; stepping
        REPORT_VALUE "family", r8
        REPORT_VALUE "model", r9
        REPORT_VALUE "stepping", r10
        PRINT   "family:     0x"
        mov     eax, r8d
        call    puthex
        PRINT   " model 0x"
        mov     eax, r9d
        call    puthex
        PRINT   " stepping 0x"
        mov     eax, r10d
        call    puthex
        PRINT   10

        ; ---- the hypervisor-present bit ----
        mov     eax, r12d
        shr     eax, CPUID_HV_BIT
        and     eax, 1
        mov     r13d, eax
        REPORT_VALUE "hypervisor_bit", r13
        PRINT   "hypervisor: CPUID.1:ECX[31] = "
        mov     al, '0'
        add     al, r13b
        out     PORT_CONSOLE, al
        PRINT   10

        ; ---- the hypervisor leaves: asked even when the bit is clear ----
        mov     eax, LEAF_HV
        xor     ecx, ecx
        cpuid
        REPORT_VALUE "hv.max_leaf", rax
        REPORT_VALUE "hv.sig.ebx", rbx
        REPORT_VALUE "hv.sig.ecx", rcx
        REPORT_VALUE "hv.sig.edx", rdx
        mov     r14d, ebx               ; "KVMK" if KVM
        PRINT   "0x40000000: max leaf 0x"
        call    puthex
        PRINT   ', signature "'
        mov     eax, ebx
        call    put4
        mov     eax, ecx
        call    put4
        mov     eax, edx
        call    put4
        PRINT   '"', 10
        mov     eax, LEAF_HV_FEAT
        xor     ecx, ecx
        cpuid
        REPORT_VALUE "hv.features", rax
        PRINT   "0x40000001: features eax=0x"
        call    puthex
        PRINT   10

        ; ---- the verdict a guest would draw ----
        PRINT   "verdict:    "
        test    r13d, r13d
        jnz     .virt
        cmp     r14d, 'KVMK'
        je      .virt
        PRINT   `no hypervisor visible\n`
        hlt
.virt:  cmp     r14d, 'KVMK'
        jne     .other
        PRINT   `virtualized, by KVM\n`
        hlt
.other: PRINT   `virtualized, hypervisor unknown\n`
        hlt

; put4: print the 4 bytes of EAX as characters, low byte first; bytes
; outside printable ASCII become '.'.  Clobbers nothing but flags.
put4:
        push    rax
        push    rcx
        mov     ecx, 4
.next:  cmp     al, 0x20
        jb      .dot
        cmp     al, 0x7E
        jbe     .out
.dot:   push    rax
        mov     al, '.'
        out     PORT_CONSOLE, al
        pop     rax
        jmp     .shift
.out:   out     PORT_CONSOLE, al
.shift: shr     eax, 8
        loop    .next
        pop     rcx
        pop     rax
        ret

; puthex: print EAX in hex, no leading zeros.  Clobbers nothing but flags.
puthex:
        push    rax
        push    rcx
        push    rdx
        mov     edx, eax
        mov     ecx, 28
.skip:  test    ecx, ecx                ; skip leading zero nibbles, keep the last
        jz      .digit
        mov     eax, edx
        shr     eax, cl
        test    al, 0xF
        jnz     .digit
        sub     ecx, 4
        jmp     .skip
.digit: mov     eax, edx
        shr     eax, cl
        and     eax, 0xF
        add     al, '0'
        cmp     al, '9'
        jbe     .emit
        add     al, 'a' - '0' - 10
.emit:  out     PORT_CONSOLE, al
        sub     ecx, 4
        jns     .digit
        pop     rdx
        pop     rcx
        pop     rax
        ret
