; irq/split-timer.asm - the split interrupt model, stated by the header: the LAPIC timer still works.
;
; The same guest as irq/timer-tsc-deadline.asm, but its header asks for
; KVMLAB_FLAG_SPLIT_IRQCHIP: only the LAPIC lives in KVM (KVM_CAP_SPLIT_IRQCHIP).
;
; The guest arms IA32_TSC_DEADLINE (MSR 0x6E0) 1 ms of guest TSC ahead
; (SDM Vol. 3A 11.5.4.1), waits with `sti; hlt` (handled in KVM: no hlt exit
; with a LAPIC in the kernel) and logs the TSC at each interrupt; N = 10.
; kvmlab should observe: reports timer.count = 10 and timer.late_min/median/max_cycles
; (cycles past each deadline, never negative), then exit status 0.
; Without TSC-deadline in the guest's CPUID (CPUID.1:ECX[24]) it reports
; timer.skipped = 1 and a MSG naming the bit, and exits 0.

%define KVMLAB_FLAGS KVMLAB_FLAG_SPLIT_IRQCHIP  ; only the LAPIC in KVM: the IOAPIC is kvmlab's
%include "kvmlab.inc"
%include "idt.inc"
%include "apic.inc"
KVMLAB_HEADER MODE_LONG, "irq-split-timer", 1024, "split irqchip (header flag): TSC-deadline timer, 10 interrupts"

%define N 10

start:
        mov     eax, 1
        cpuid
        test    ecx, CPUID1_ECX_TSC_DEADLINE
        jnz     .have
        REPORT_MSG "skip: no TSC-deadline timer (CPUID.1:ECX[24] = 0)"
        REPORT_VALUE "timer.skipped", 1
        KVMLAB_EXIT 0
.have:  IDT_INSTALL
        IRQ_GATE VEC_TIMER, on_timer
        APIC_ENABLE
        APIC_WRITE APIC_LVT_TIMER, LVT_TIMER_TSC_DEADLINE | VEC_TIMER
        MACHINE_FACT ebp, FACT_TSC_KHZ          ; 1 ms of TSC = tsc_khz cycles
        test    ebp, ebp
        jnz     .rate
        mov     ebp, 2000000                    ; rate unknown: 2e6 cycles (~1 ms at 2 GHz)
.rate:  REPORT_VALUE "timer.tsc_khz", rbp
        xor     r12d, r12d                      ; i
        lea     r13, [rel deadlines]
.next:  rdtsc
        shl     rdx, 32
        or      rax, rdx
        add     rax, rbp
        mov     [r13 + r12 * 8], rax
        mov     rdx, rax
        shr     rdx, 32
        mov     ecx, MSR_IA32_TSC_DEADLINE
        wrmsr                                   ; arms the timer (SDM 11.5.4.1)
.wait:  sti
        hlt                                     ; KVM wakes the vCPU at the interrupt
        cli
        lea     rax, [r12 + 1]
        cmp     [rel timer_count], rax
        jb      .wait
        inc     r12
        cmp     r12, N
        jb      .next
        LATENESS_REPORT deadlines, N
        KVMLAB_EXIT 0

        TIMER_LOG_HANDLER on_timer
        align   8
deadlines: times N dq 0
