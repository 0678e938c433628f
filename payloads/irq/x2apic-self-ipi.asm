; irq/x2apic-self-ipi.asm - the LAPIC in x2APIC mode: registers as MSRs, a self-IPI, EOI.
;
; The guest checks CPUID.1:ECX[21] (x2APIC), sets IA32_APIC_BASE.EN|EXTD (SDM
; Vol. 3A 11.12.1), reads its APIC ID from MSR 0x802 (32 bits in x2APIC mode,
; 11.12.5.1), then sends itself N = 10 interrupts through the SELF IPI MSR 0x83F
; (11.12.11), each with interrupts off and then taken at `sti; hlt`; the
; handler's EOI is a write of 0 to MSR 0x80B.  Every access is a wrmsr/rdmsr
; that KVM's LAPIC answers: no exit to kvmlab.
; kvmlab should observe: reports x2apic.id (vCPU 0: 0) and x2apic.self_count = 10,
; then exit status 0.  Without x2APIC in the guest's CPUID it reports
; x2apic.skipped = 1 and a MSG naming the bit.

%define KVMLAB_FLAGS KVMLAB_FLAG_IRQCHIP
%include "kvmlab.inc"
%include "idt.inc"
%include "apic.inc"
KVMLAB_HEADER MODE_LONG, "irq-x2apic-self-ipi", 1024, "x2APIC mode: APIC ID from MSR 0x802, 10 self-IPIs via MSR 0x83F"

%define N 10

start:
        mov     eax, 1
        cpuid
        test    ecx, CPUID1_ECX_X2APIC
        jnz     .have
        REPORT_MSG "skip: no x2APIC (CPUID.1:ECX[21] = 0)"
        REPORT_VALUE "x2apic.skipped", 1
        KVMLAB_EXIT 0
.have:  IDT_INSTALL
        IRQ_GATE VEC_SELF_IPI, on_self
        X2APIC_ENABLE
        X2APIC_READ APIC_ID
        REPORT_VALUE "x2apic.id", rax
        xor     r12d, r12d
.next:  mov     ecx, MSR_X2APIC_SELF_IPI
        mov     eax, VEC_SELF_IPI
        xor     edx, edx
        wrmsr                                   ; pending in IRR while IF = 0
.wait:  sti
        hlt
        cli
        lea     rax, [r12 + 1]
        cmp     [rel self_count], rax
        jb      .wait
        inc     r12
        cmp     r12, N
        jb      .next
        mov     rax, [rel self_count]
        REPORT_VALUE "x2apic.self_count", rax
        KVMLAB_EXIT 0

on_self:
        inc     qword [rel self_count]
        X2APIC_EOI
        iretq

        align   8
self_count: dq 0
