; irq/timer-periodic.asm - the LAPIC timer in periodic mode, and how late each period ends.
;
; One initial count of 1 ms of APIC ticks in periodic mode (SDM Vol. 3A
; 11.5.4: the count reloads itself); the k-th interrupt's deadline is the TSC
; before the write plus k periods, with the tick and TSC rate from kvmlab's
; machine facts (port 0xE0 selectors 3, 4).  After 10 interrupts the guest
; stops the timer (initial count 0) and masks it.
; kvmlab should observe: reports timer.count = 10 and timer.late_min/median/max_cycles
; (cycles, never negative), then exit status 0.  Without the facts it reports
; timer.skipped = 1 and exits 0.

%define KVMLAB_FLAGS KVMLAB_FLAG_IRQCHIP
%include "kvmlab.inc"
%include "idt.inc"
%include "apic.inc"
KVMLAB_HEADER MODE_LONG, "irq-timer-periodic", 1024, "LAPIC timer, periodic mode: 10 periods and their lateness"

%define N 10
%define COUNT_NS 1000000                        ; 1 ms, above KVM's 200 us minimum period

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
        mov     eax, COUNT_NS
        xor     edx, edx
        div     ebx
        mov     r14d, eax
        imul    rax, rbx
        imul    rax, rbp
        xor     edx, edx
        mov     ecx, 1000000
        div     rcx
        mov     r15, rax                        ; period in TSC cycles
        IDT_INSTALL
        IRQ_GATE VEC_TIMER, on_timer
        APIC_ENABLE
        APIC_WRITE APIC_TIMER_DIV, TIMER_DIV_1
        APIC_WRITE APIC_LVT_TIMER, LVT_TIMER_PERIODIC | VEC_TIMER
        lea     r13, [rel deadlines]
        rdtsc
        shl     rdx, 32
        or      rax, rdx
        mov     rbx, rax
        APIC_WRITE APIC_TIMER_INIT, r14d
        xor     ecx, ecx                        ; deadline[k] = t0 + (k + 1) * period
.fill:  add     rbx, r15
        mov     [r13 + rcx * 8], rbx
        inc     ecx
        cmp     ecx, N
        jb      .fill
.wait:  sti
        hlt
        cli
        cmp     qword [rel timer_count], N
        jb      .wait
        APIC_WRITE APIC_TIMER_INIT, 0           ; stop (SDM 11.5.4: a count of 0 stops the timer)
        APIC_WRITE APIC_LVT_TIMER, LVT_MASKED | VEC_TIMER
        LATENESS_REPORT deadlines, N
        KVMLAB_EXIT 0

        TIMER_LOG_HANDLER on_timer
        align   8
deadlines: times N dq 0
