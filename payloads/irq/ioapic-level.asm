; irq/ioapic-level.asm - a level-triggered IOAPIC pin, Remote IRR and the EOI that clears it.
;
; Interrupt model split: the IOAPIC is kvmlab's (traps/devices/ioapic.c).  The guest
; masks the 8259A PICs (there are none in the split model; with --irqchip kernel
; KVM's would turn IRQ 4 into ExtINT), routes pin 4 (the UART's IRQ 4) to VEC_UART as
; a level-triggered, active-high entry (82093AA datasheet 3.2.4) and enables the
; UART's THR-empty interrupt, which holds the line asserted until the handler reads
; IIR (16550 datasheet Table 4).  A level entry sends one message and sets Remote
; IRR; the next message waits for the LAPIC's EOI of the vector, which KVM forwards
; to kvmlab (KVM_EXIT_IOAPIC_EOI: the vector is level-triggered in the routes kvmlab
; gave it).  The handler reads the entry (Remote IRR), reads IIR and sends the EOI;
; then the guest sends one byte, THR empties, the line rises again: N bytes, N + 1
; THR-empty interrupts, whenever the EOI reaches the IOAPIC.
; kvmlab should observe: reports ioapic.thre_irqs = N + 1 and ioapic.remote_irr_seen
; (handlers that found Remote IRR set; datasheet: every one), then exit status 0;
; with the split model at least N + 1 IOAPIC_EOI exits, io.ioapic.eois equal to them.
; With --irqchip kernel KVM's IOAPIC does the same inside KVM: no IOAPIC_EOI exit.

%define KVMLAB_FLAGS KVMLAB_FLAG_SPLIT_IRQCHIP
%include "kvmlab.inc"
%include "io.inc"
%include "idt.inc"
%include "apic.inc"
%include "ioapic.inc"
KVMLAB_HEADER MODE_LONG, "irq-ioapic-level", 1024, "a level-triggered IOAPIC pin: Remote IRR set per interrupt, cleared by the EOI"

%define N                3
%define VEC_UART         0x46

start:
        PIC_MASK_ALL                            ; with --irqchip kernel KVM's PIC would also see IRQ 4
        IDT_INSTALL
        IRQ_GATE VEC_UART, on_uart
        APIC_ENABLE
        IOAPIC_ROUTE UART_GSI, RTE_LEVEL | VEC_UART        ; fixed, physical, active high, unmasked
        UART_INIT
        mov     dx, COM1 + UART_IER
        mov     al, 2                           ; ETBEI: THR empty asserts the line
        out     dx, al
        xor     r12d, r12d                      ; bytes sent
.wait:  cli
        cmp     [rel thre], r12
        ja      .ready
        sti
        hlt
        jmp     .wait
.ready:
        cmp     r12d, N
        je      .done
        mov     dx, COM1 + UART_THR
        mov     al, '.'
        out     dx, al                          ; THR empties again: the next interrupt
        inc     r12d
        jmp     .wait
.done:  mov     rax, [rel thre]
        REPORT_VALUE "ioapic.thre_irqs", rax
        mov     rax, [rel irr_in]
        REPORT_VALUE "ioapic.remote_irr_seen", rax
        KVMLAB_EXIT 0

on_uart:
        push    rax
        push    rdx
        IOAPIC_RTE_READ UART_GSI
        test    eax, RTE_REMOTE_IRR
        jz      .read
        inc     qword [rel irr_in]
.read:  mov     dx, COM1 + UART_IIR
        in      al, dx                          ; THR empty as the source: reading IIR clears it
        and     al, IIR_SOURCE_MASK
        cmp     al, IIR_THRE_SRC
        jne     .eoi                            ; nothing pending: a message sent before the line fell
        inc     qword [rel thre]
.eoi:   APIC_WRITE APIC_EOI_REG, 0
        pop     rdx
        pop     rax
        iretq

        align   8
thre:       dq 0
irr_in:     dq 0
