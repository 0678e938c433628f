; hostile/ioapic-level-storm.asm - a level-triggered interrupt whose handler never clears its source.
;
; Interrupt model split (kvmlab's IOAPIC, traps/devices/ioapic.c).  Pin 4 (the UART's
; IRQ 4) is level-triggered and the UART holds it asserted (THR empty, IER.ETBEI);
; the handler sends the EOI without reading IIR, so every EOI finds the pin still
; asserted and the IOAPIC sends the next message at once (82093AA datasheet 3.2.4):
; an interrupt storm through kvmlab itself, one KVM_EXIT_IOAPIC_EOI per interrupt.
; It is the guest's problem: kvmlab should observe no report, and the watchdog
; ending the run (exit code 4) with io.ioapic.eois and messages in the hundreds or more.

%define KVMLAB_FLAGS KVMLAB_FLAG_SPLIT_IRQCHIP
%include "kvmlab.inc"
%include "io.inc"
%include "idt.inc"
%include "apic.inc"
%include "ioapic.inc"
KVMLAB_HEADER MODE_LONG, "hostile-ioapic-level-storm", 1024, "a level interrupt EOI'd without clearing its source: a storm for the watchdog"

%define VEC_UART         0x46

start:
        IDT_INSTALL
        IRQ_GATE VEC_UART, on_uart
        APIC_ENABLE
        IOAPIC_ROUTE UART_GSI, RTE_LEVEL | VEC_UART
        UART_INIT
        mov     dx, COM1 + UART_IER
        mov     al, 2                           ; ETBEI: the line rises and stays up
        out     dx, al
.idle:  sti
        hlt
        jmp     .idle

on_uart:                                        ; the source is never cleared
        push    rdx
        APIC_WRITE APIC_EOI_REG, 0
        pop     rdx
        iretq
