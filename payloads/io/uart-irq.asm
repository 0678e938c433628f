; uart-irq.asm - the 16550 UART interrupting on IRQ 4: THR empty and received data.
;
; Demonstrates: a device model raising an ISA interrupt line in KVM's interrupt
; controllers (KVM_IRQ_LINE, api.rst 4.25).  The guest masks both 8259A PICs
; (their IRQ 4 would otherwise reach the LAPIC as ExtINT), routes IOAPIC pin 4
; to vector VEC_UART (82093AA datasheet 3.2.4), enables IER.ETBEI and IER.ERBFI
; with MCR.OUT2 set (PC wiring), and then sends "irq\n" one byte per THR-empty
; interrupt; its handler reads IIR to learn the source (16550 datasheet Table 4)
; and RBR for received data.  Run with --uart-input STR (e.g. "ok").
; kvmlab should observe: console "irq\n"; reports uart.thre_irqs = 5 (one when ETBEI
; is enabled, one after each of the 4 bytes), uart.rx_bytes = the input's length
; (up to 16), then exit status 0; io.uart.irqs counts the edges.

%define KVMLAB_FLAGS KVMLAB_FLAG_IRQCHIP        ; KVM's PIC and IOAPIC own IRQ 4
%include "kvmlab.inc"
%include "io.inc"
%include "idt.inc"
%include "apic.inc"
%include "ioapic.inc"
KVMLAB_HEADER MODE_LONG, "uart-irq", 1024, "16550 UART interrupts on IRQ 4: THR empty and received data"

%define VEC_UART         0x45

start:
        PIC_MASK_ALL                            ; with --irqchip kernel KVM's PIC would also see IRQ 4
        IDT_INSTALL
        IRQ_GATE VEC_UART, on_uart
        APIC_ENABLE
        IOAPIC_ROUTE UART_GSI, VEC_UART         ; fixed, edge, active high, unmasked
        UART_INIT
        mov     dx, COM1 + UART_IER
        mov     al, 3                           ; ERBFI | ETBEI
        out     dx, al
        lea     rsi, [rel msg]
        xor     r12d, r12d                      ; bytes sent
.wait:  cli                                     ; a THR-empty interrupt per byte sent, plus one
        cmp     [rel thre], r12
        ja      .ready
        sti
        hlt                                     ; sti's shadow: no wake-up is lost
        jmp     .wait
.ready: cmp     r12d, msg_len
        je      .sent
        mov     dx, COM1 + UART_THR
        lodsb
        out     dx, al                          ; clears THR empty; the byte leaves, it is set again
        inc     r12d
        jmp     .wait
.sent:
        mov     rax, [rel thre]
        REPORT_VALUE "uart.thre_irqs", rax
        mov     rax, [rel rxn]
        REPORT_VALUE "uart.rx_bytes", rax
        KVMLAB_EXIT 0

on_uart:
        push    rax
        push    rdx
.again: mov     dx, COM1 + UART_IIR
        in      al, dx
        and     al, IIR_SOURCE_MASK
        cmp     al, IIR_RDA_SRC
        je      .rx
        cmp     al, IIR_THRE_SRC
        jne     .done
        inc     qword [rel thre]
        jmp     .again
.rx:    mov     dx, COM1 + UART_RBR
        in      al, dx
        mov     rdx, [rel rxn]
        cmp     rdx, 16
        jae     .again
        lea     rdx, [rel rxbuf]                ; rxbuf + rxn, both RIP-relative
        add     rdx, [rel rxn]
        mov     [rdx], al
        inc     qword [rel rxn]
        jmp     .again
.done:  APIC_WRITE APIC_EOI_REG, 0
        pop     rdx
        pop     rax
        iretq

        align   8
thre:   dq 0
rxn:    dq 0
rxbuf:  times 16 db 0
msg:    db `irq\n`
msg_len equ $ - msg
