; uart-hello.asm - a polled 16550 driver, written from the datasheet.
;
; Demonstrates: full device emulation.  The driver programs the divisor
; latch (DLAB), line control, FIFOs and modem control, checks the scratch
; register, then sends each byte the way a polled driver does: wait for
; LSR.THRE, write THR.  Then it echoes whatever the UART received
; (kvmlab run --uart-input STR) while LSR.DR says a byte is waiting.
; kvmlab should observe, with --uart-input "abc": console "Hello, COM1!\nabc";
; reports uart_scratch = 0x5A and uart_rx_bytes = 3; port exits
; 0x3F8 out 17 (16 bytes + DLL), 0x3F8 in 3 (RBR), 0x3FD in 20 (LSR: 16
; before each byte sent, 4 while receiving), 0x3FB out 2, 0x3F9 out 1,
; 0x3FA out 1, 0x3FC out 1, 0x3FF out 1 and in 1.  Every register access
; is one exit: two per byte sent.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "uart-hello", 128, "polled 16550 UART driver: init, scratch test, print, echo input"

start:
        UART_INIT
        mov     dx, COM1 + UART_SCR             ; is anybody there?
        mov     al, 0x5A
        out     dx, al
        in      al, dx
        movzx   eax, al
        REPORT_VALUE "uart_scratch", rax
        lea     rsi, [rel msg]
.next:  lodsb
        test    al, al
        jz      .echo
        call    putc
        jmp     .next
.echo:  xor     r12d, r12d                      ; bytes received
.rx:    mov     dx, COM1 + UART_LSR
        in      al, dx
        test    al, LSR_DR
        jz      .done
        mov     dx, COM1 + UART_RBR
        in      al, dx
        call    putc
        inc     r12d
        jmp     .rx
.done:  REPORT_VALUE "uart_rx_bytes", r12
        hlt

; putc: send AL once the transmit holding register is empty.  Clobbers AH, DX.
putc:   mov     ah, al
.wait:  mov     dx, COM1 + UART_LSR
        in      al, dx
        test    al, LSR_THRE
        jz      .wait
        mov     dx, COM1 + UART_THR
        mov     al, ah
        out     dx, al
        ret

msg:    db      `Hello, COM1!\n`, 0
