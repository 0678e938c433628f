; migrate-irq.asm - a guest that keeps taking interrupts across a migration.
;
; Demonstrates: the interrupt controllers' state in the migration stream
; (docs/migration.md, sections IRQCHIP and IOAPIC).  Interrupt model split by
; its header (kvmlab's IOAPIC); `--irqchip kernel` runs it on KVM's PICs and IOAPIC.
; vCPU 0 runs its LAPIC timer periodic (1 ms, SDM Vol. 3A 11.5.4) and routes
; IOAPIC pin 4, the UART's IRQ 4, to VEC_UART as a level-triggered entry
; (82093AA datasheet 3.2.4); the UART's THR-empty interrupt holds that line
; asserted until the handler reads IIR (16550 datasheet Table 4), as in
; irq/ioapic-level.  Each round waits for one timer interrupt, sends one byte
; and waits for its THR-empty interrupt, whose handler must find Remote IRR set.
; The handler of the THR-empty interrupt an eighth of the way sends report
; "checkpoint" before it reads IIR and sends the EOI: a snapshot or migration
; taken there holds a level interrupt in service (Remote IRR set, the vector in
; the LAPIC's ISR, IRQ 4 asserted) and a timer that is running.  If the
; destination lost the IOAPIC's entries, its routes (split: the EOI would never
; come back), the line's level or the LAPIC timer, the guest stops here.
; With --vcpus 2, vCPU 1 runs its own LAPIC timer (VEC_TIMER_AP) until vCPU 0
; has finished, and then takes AP_TICKS_AFTER more ticks.
; RBX (--arg) is the number of rounds (0 = 160).
; kvmlab should observe: report "checkpoint" (the THR-empty interrupts so far),
; then irq.uart = rounds + 1, irq.remote_irr = rounds + 1, "result" (a checksum
; over what each round saw), with two vCPUs "result1" = AP_TICKS_AFTER, then
; exit 0.  The same --arg gives the same reports with or without a migration;
; a lost UART interrupt is report FAIL "irq.lost" after GUARD_TICKS ticks.

%define KVMLAB_FLAGS KVMLAB_FLAG_SPLIT_IRQCHIP
%include "kvmlab.inc"
%include "io.inc"
%include "idt.inc"
%include "apic.inc"
%include "ioapic.inc"
%include "mem.inc"
KVMLAB_HEADER MODE_LONG, "migrate-irq", 2048, "takes LAPIC timer and IOAPIC-routed UART interrupts across a migration; reports a checksum"

ROUNDS_DEFAULT   equ 160
PERIOD_NS        equ 1000000                    ; 1 ms, above KVM's 200 us minimum period
GUARD_TICKS      equ 5000                       ; a UART interrupt this late is lost
AP_TICKS_AFTER   equ 2
%define VEC_UART         0x46
%define VEC_TIMER_AP     0x47

start:
        cmp     edi, 1
        ja      ap.idle                         ; a third vCPU has nothing to do
        test    edi, edi
        jnz     .args_done
        mov     [rel vcpu_last], esi            ; PRINT uses RSI
        mov     rax, rbx
        test    rax, rax
        jnz     .have_rounds
        mov     eax, ROUNDS_DEFAULT
.have_rounds:
        mov     [rel rounds_arg], rax
        shr     rax, 3
        inc     rax
        mov     [rel ckpt], rax                 ; an eighth of the way: a live migration on a loaded host ends long before the guest
.args_done:
        MACHINE_FACT ebx, FACT_APIC_TICK_NS
        test    ebx, ebx
        jnz     .have_tick
        REPORT_FAIL "irq.no_lapic_tick", 0      ; the model has a LAPIC in KVM: kvmlab knows its tick
.have_tick:
        mov     eax, PERIOD_NS
        xor     edx, edx
        div     ebx
        mov     ebp, eax                        ; the timer's initial count
        IDT_INSTALL                             ; both vCPUs write the same gates: harmless
        IRQ_GATE VEC_TIMER, on_timer
        IRQ_GATE VEC_TIMER_AP, on_timer_ap
        IRQ_GATE VEC_UART, on_uart
        APIC_ENABLE
        test    edi, edi
        jnz     ap

        mov     r15, [rel rounds_arg]
        PIC_MASK_ALL                            ; with --irqchip kernel KVM's PIC would also see IRQ 4
        IOAPIC_ROUTE UART_GSI, RTE_LEVEL | VEC_UART        ; fixed, physical, active high
        APIC_WRITE APIC_TIMER_DIV, TIMER_DIV_1
        APIC_WRITE APIC_LVT_TIMER, LVT_TIMER_PERIODIC | VEC_TIMER
        APIC_WRITE APIC_TIMER_INIT, ebp
        UART_INIT
        mov     dx, COM1 + UART_IER
        mov     al, 2                           ; ETBEI: THR empty asserts the line: interrupt 1
        out     dx, al
        xor     r12d, r12d                      ; rounds done
        mov     r13, 0x9E3779B97F4A7C15         ; checksum seed

.round: ; the THR-empty interrupt of the byte before (or of ETBEI)
        mov     r14, [rel ticks]
        add     r14, GUARD_TICKS
.wait_uart:
        cli
        mov     rax, [rel thre]
        cmp     rax, r12
        ja      .got_uart
        cmp     [rel ticks], r14
        jae     .lost
        sti
        hlt
        jmp     .wait_uart
.lost:  REPORT_FAIL "irq.lost", r12
.got_uart:
        ; fold in what this round saw: its number, the interrupts so far, Remote IRR seen in each
        xor     r13, r12
        rol     r13, 7
        xor     r13, [rel thre]
        imul    r13, r13, 31
        xor     r13, [rel irr_in]
        rol     r13, 5
        cmp     r12, r15
        je      .done
        ; one timer interrupt at least before the next byte: the timer runs on
        mov     r14, [rel ticks]
.wait_tick:
        cli
        cmp     [rel ticks], r14
        ja      .ticked
        sti
        hlt
        jmp     .wait_tick
.ticked:
        sti
        inc     r12
        mov     rax, r12
        xor     edx, edx
        mov     ecx, 10
        div     rcx
        test    rdx, rdx
        jnz     .send
        PRINT   "round "
        add     al, 'a' - 1
        out     PORT_CONSOLE, al
        mov     al, 10
        out     PORT_CONSOLE, al
.send:  mov     dx, COM1 + UART_THR
        mov     al, '.'
        out     dx, al                          ; THR empties again: the next interrupt
        jmp     .round

.done:  cli
        APIC_WRITE APIC_TIMER_INIT, 0           ; stop (SDM 11.5.4: a count of 0 stops the timer)
        APIC_WRITE APIC_LVT_TIMER, LVT_MASKED | VEC_TIMER
        mov     dx, COM1 + UART_IER
        xor     al, al
        out     dx, al
        MIGRATION_WAIT                          ; a migration begun at the checkpoint stops us first
        PRINT   "done", 10
        mov     rax, [rel thre]
        REPORT_VALUE "irq.uart", rax
        mov     rax, [rel irr_in]
        REPORT_VALUE "irq.remote_irr", rax
        REPORT_VALUE "result", r13
        cmp     dword [rel vcpu_last], 0
        je      .exit
        mov     dword [rel bsp_done], 1
.wait_ap:
        cmp     dword [rel ap_done], 0          ; vCPU 1: its ticks after vCPU 0's end
        je      .wait_ap
        mov     rax, [rel ap_after]
        REPORT_VALUE "result1", rax
.exit:  KVMLAB_EXIT 0

ap:     ; vCPU 1: its own LAPIC timer, until vCPU 0 is done and AP_TICKS_AFTER ticks more
        APIC_WRITE APIC_TIMER_DIV, TIMER_DIV_1
        APIC_WRITE APIC_LVT_TIMER, LVT_TIMER_PERIODIC | VEC_TIMER_AP
        APIC_WRITE APIC_TIMER_INIT, ebp
.ap_wait:
        cli
        cmp     dword [rel bsp_done], 0
        jne     .ap_after
        sti
        hlt
        jmp     .ap_wait
.ap_after:
        mov     r14, [rel ap_ticks]
.ap_more:
        mov     rax, [rel ap_ticks]
        sub     rax, r14
        cmp     rax, AP_TICKS_AFTER
        jae     .ap_end
        sti
        hlt
        cli
        jmp     .ap_more
.ap_end:
        APIC_WRITE APIC_TIMER_INIT, 0
        APIC_WRITE APIC_LVT_TIMER, LVT_MASKED | VEC_TIMER_AP
        mov     [rel ap_after], rax
        mov     dword [rel ap_done], 1
.idle:  cli
        hlt                                     ; waits in KVM: exit 0 from vCPU 0 ends the VM
        jmp     .idle

on_timer:
        inc     qword [rel ticks]
        APIC_EOI
        iretq

on_timer_ap:
        inc     qword [rel ap_ticks]
        APIC_EOI
        iretq

on_uart:
        push    rax
        push    rdx
        IOAPIC_RTE_READ UART_GSI
        test    eax, RTE_REMOTE_IRR
        jz      .iir                            ; a message sent before the line fell (below)
        inc     qword [rel irr_in]
        mov     rax, [rel thre]
        inc     rax
        cmp     rax, [rel ckpt]
        jne     .iir
        cmp     dword [rel ckpt_done], 0
        jne     .iir
        mov     dword [rel ckpt_done], 1
        REPORT_VALUE "checkpoint", rax          ; in service: Remote IRR set, IRQ 4 asserted, no EOI yet
.iir:   mov     dx, COM1 + UART_IIR
        in      al, dx                          ; THR empty as the source: reading IIR clears it
        and     al, IIR_SOURCE_MASK
        cmp     al, IIR_THRE_SRC
        jne     .eoi                            ; nothing pending: a message sent before the line fell
        inc     qword [rel thre]
.eoi:   APIC_EOI
        pop     rdx
        pop     rax
        iretq

        align   8
ticks:      dq 0
ap_ticks:   dq 0
thre:       dq 0
irr_in:     dq 0
ap_after:   dq 0
rounds_arg: dq 0
ckpt:       dq 0
vcpu_last:  dd 0
ckpt_done:  dd 0
bsp_done:   dd 0
ap_done:    dd 0
