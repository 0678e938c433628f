; irq/ipi.asm - IPIs between two vCPUs and a self-IPI (kvmlab run --vcpus 2).
;
; vCPU 1 enables its LAPIC, publishes its APIC ID and waits in `sti; hlt`.
; vCPU 0 sends it a fixed IPI (vector VEC_IPI_PING, SDM Vol. 3A 11.6.1); vCPU 1's
; handler answers with VEC_IPI_PONG to vCPU 0's APIC ID.  vCPU 0 times each
; round trip from the TSC before its ICR write to the TSC at the start of its
; PONG handler, N = 10 times.  Then a self-IPI (ICR shorthand self) sent with
; interrupts off: vCPU 0 records whether it was taken at `sti; nop` (the SDM:
; after the instruction following STI, 6.8.3) or only at the `hlt` after it.
; kvmlab should observe (vCPU 0's reports): ipi.pongs = 10, ipi.pings_seen = 10,
; ipi.rtt_min/median/max_cycles (cycles), ipi.self_count = 1, ipi.self_at_nop (1 taken
; at sti; nop, 0 later), then exit status 0, which also stops vCPU 1.

%define KVMLAB_FLAGS KVMLAB_FLAG_IRQCHIP
%include "kvmlab.inc"
%include "idt.inc"
%include "apic.inc"
KVMLAB_HEADER MODE_LONG, "irq-ipi", 1024, "fixed IPIs between two vCPUs (round trip) and a self-IPI"

%define N 10

start:
        cmp     esi, 1
        jae     .two
        REPORT_MSG "skip: needs two vCPUs (kvmlab run --vcpus 2)"
        REPORT_VALUE "ipi.skipped", 1
        KVMLAB_EXIT 0
.two:   IDT_INSTALL                             ; both vCPUs write the same gates: harmless
        IRQ_GATE VEC_IPI_PING, on_ping
        IRQ_GATE VEC_IPI_PONG, on_pong
        IRQ_GATE VEC_SELF_IPI, on_self
        APIC_ENABLE                             ; this vCPU's own LAPIC at the same GPA
        test    edi, edi
        jnz     ap
        ; ---- vCPU 0 ----
        APIC_READ eax, APIC_ID
        mov     [rel bsp_id], eax
.waitap:
        pause
        cmp     dword [rel ap_ready], 0
        je      .waitap
        xor     r12d, r12d
.ping:  mov     eax, [rel ap_id]                ; xAPIC: destination in ICR_HI[31:24]
        APIC_WRITE APIC_ICR_HI, eax
        rdtsc
        shl     rdx, 32
        or      rax, rdx
        mov     r13, rax
        APIC_WRITE APIC_ICR_LO, ICR_FIXED | ICR_ASSERT | VEC_IPI_PING
.wpong: sti
        hlt
        cli
        lea     rax, [r12 + 1]
        cmp     [rel pongs], rax
        jb      .wpong
        mov     rax, [rel pong_tsc]
        sub     rax, r13
        lea     rdx, [rel rtt]
        mov     [rdx + r12 * 8], rax
        inc     r12
        cmp     r12, N
        jb      .ping
        mov     rax, [rel pongs]
        REPORT_VALUE "ipi.pongs", rax
        mov     rax, [rel pings]
        REPORT_VALUE "ipi.pings_seen", rax
        ; sort rtt (insertion sort) and report min/median/max
        lea     rsi, [rel rtt]
        mov     ecx, 1
.out:   cmp     ecx, N
        jae     .sorted
        mov     rax, [rsi + rcx * 8]
        mov     rbx, rcx
.in:    test    rbx, rbx
        jz      .put
        mov     rdx, [rsi + rbx * 8 - 8]
        cmp     rdx, rax
        jbe     .put
        mov     [rsi + rbx * 8], rdx
        dec     rbx
        jmp     .in
.put:   mov     [rsi + rbx * 8], rax
        inc     ecx
        jmp     .out
.sorted:
        mov     rax, [rsi]
        REPORT_VALUE "ipi.rtt_min_cycles", rax
        mov     rax, [rsi + (N / 2) * 8]
        REPORT_VALUE "ipi.rtt_median_cycles", rax
        mov     rax, [rsi + (N - 1) * 8]
        REPORT_VALUE "ipi.rtt_max_cycles", rax
        ; ---- self-IPI, sent with IF = 0 so it waits in IRR ----
        APIC_WRITE APIC_ICR_LO, ICR_SELF | ICR_ASSERT | VEC_SELF_IPI
        sti
        nop                                     ; the SDM: taken after this instruction
        mov     rax, [rel self_count]           ; 1 if it was
        mov     [rel self_at_nop], rax
        hlt                                     ; else it wakes this hlt
        cli
        mov     rax, [rel self_count]
        REPORT_VALUE "ipi.self_count", rax
        mov     rax, [rel self_at_nop]
        REPORT_VALUE "ipi.self_at_nop", rax
        KVMLAB_EXIT 0

        ; ---- vCPU 1 ----
ap:     APIC_READ eax, APIC_ID
        mov     [rel ap_id], eax
        mov     dword [rel ap_ready], 1
.idle:  sti
        hlt
        jmp     .idle

on_ping:                                        ; vCPU 1: answer to vCPU 0
        push    rax
        push    rdx
        lock inc qword [rel pings]
        mov     eax, [rel bsp_id]
        APIC_WRITE APIC_ICR_HI, eax
        APIC_WRITE APIC_ICR_LO, ICR_FIXED | ICR_ASSERT | VEC_IPI_PONG
        APIC_WRITE APIC_EOI_REG, 0
        pop     rdx
        pop     rax
        iretq
on_pong:                                        ; vCPU 0: the round trip ends here
        push    rax
        push    rdx
        rdtsc
        shl     rdx, 32
        or      rax, rdx
        mov     [rel pong_tsc], rax
        inc     qword [rel pongs]
        APIC_WRITE APIC_EOI_REG, 0
        pop     rdx
        pop     rax
        iretq
on_self:
        push    rdx
        inc     qword [rel self_count]
        APIC_WRITE APIC_EOI_REG, 0
        pop     rdx
        iretq

        align   8
bsp_id:     dd 0
ap_id:      dd 0
ap_ready:   dd 0
            dd 0
pings:      dq 0
pongs:      dq 0
pong_tsc:   dq 0
self_count: dq 0
self_at_nop: dq 0
rtt:        times N dq 0
