; uart-loopback.asm - the standard 16550 presence probe: loopback.
;
; Demonstrates: MCR bit 4 (PC16550D "Loopback"): the transmitter is wired to
; the receiver and the serial input is disconnected, so a driver can test the
; chip without a cable.  The driver sets loopback (MCR = 0x1E), writes 0xAE to
; THR and reads RBR back, with --uart-input "z" waiting on the real wire.
; kvmlab should observe: reports loop_lsr = 0x61 (DR set by the looped byte),
; loop_rbr = 0xAE, after_lsr = 0x60 (the wire's "z" stays out while looped),
; then with MCR = 0x0B: wire_rbr = 0x7A ("z"); nothing on the console.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "uart-loopback", 128, "16550 probe: loopback mode echoes THR into RBR"

start:
        UART_INIT
        mov     dx, COM1 + UART_MCR
        mov     al, 0x1E                        ; loopback, RTS, OUT1, OUT2
        out     dx, al
        mov     dx, COM1 + UART_THR
        mov     al, 0xAE
        out     dx, al
        mov     dx, COM1 + UART_LSR
        in      al, dx
        movzx   eax, al
        REPORT_VALUE "loop_lsr", rax
        mov     dx, COM1 + UART_RBR
        in      al, dx
        movzx   eax, al
        REPORT_VALUE "loop_rbr", rax
        mov     dx, COM1 + UART_LSR
        in      al, dx
        movzx   eax, al
        REPORT_VALUE "after_lsr", rax
        mov     dx, COM1 + UART_MCR
        mov     al, MCR_DTR_RTS_OUT2            ; normal operation again
        out     dx, al
        mov     dx, COM1 + UART_RBR
        in      al, dx
        movzx   eax, al
        REPORT_VALUE "wire_rbr", rax
        hlt
