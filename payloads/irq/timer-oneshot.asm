; irq/timer-oneshot.asm - the LAPIC timer in one-shot mode, and how late it fires.
;
; The guest writes an initial count of 1 ms of APIC ticks (divide by 1;
; SDM Vol. 3A 11.5.4) ten times, waiting with `sti; hlt` each time.  Its
; deadline is the TSC read just before the write plus count x tick x TSC rate,
; with the tick and the rate from kvmlab's machine facts (port 0xE0 selectors
; 3 and 4: the APIC bus is KVM's, the guest cannot read its frequency).
; kvmlab should observe: reports timer.count = 10 and timer.late_min/median/max_cycles
; (cycles, never negative), then exit status 0.  Without the facts it reports
; timer.skipped = 1 and exits 0.

%define KVMLAB_FLAGS KVMLAB_FLAG_IRQCHIP
%include "kvmlab.inc"
%include "idt.inc"
%include "apic.inc"
KVMLAB_HEADER MODE_LONG, "irq-timer-oneshot", 1024, "LAPIC timer, one-shot mode: 10 interrupts and their lateness"

%define N 10
%define COUNT_NS 1000000                        ; 1 ms

start:
        MACHINE_FACT ebp, FACT_TSC_KHZ
        MACHINE_FACT ebx, FACT_APIC_TICK_NS
        test    ebp, ebp
        jz      .skip
        test    ebx, ebx
        jnz     .go
.skip:  REPORT_MSG "skip: kvmlab knows no TSC rate or LAPIC tick (port 0xE0 selectors 3, 4)"
        REPORT_VALUE "timer.skipped", 1
        KVMLAB_EXIT 0
.go:    REPORT_VALUE "timer.tsc_khz", rbp
        REPORT_VALUE "timer.tick_ns", rbx
        mov     eax, COUNT_NS                   ; count = 1 ms / tick
        xor     edx, edx
        div     ebx
        mov     r14d, eax                       ; initial count
        imul    rax, rbx                        ; cycles = count * tick_ns * tsc_khz / 1e6
        imul    rax, rbp
        xor     edx, edx
        mov     ecx, 1000000
        div     rcx
        mov     r15, rax                        ; period in TSC cycles
        IDT_INSTALL
        IRQ_GATE VEC_TIMER, on_timer
        APIC_ENABLE
        APIC_WRITE APIC_TIMER_DIV, TIMER_DIV_1
        APIC_WRITE APIC_LVT_TIMER, LVT_TIMER_ONESHOT | VEC_TIMER
        xor     r12d, r12d
        lea     r13, [rel deadlines]
.next:  rdtsc
        shl     rdx, 32
        or      rax, rdx
        add     rax, r15
        mov     [r13 + r12 * 8], rax
        APIC_WRITE APIC_TIMER_INIT, r14d        ; starts the count-down
.wait:  sti
        hlt
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
