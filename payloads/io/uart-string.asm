; uart-string.asm - string port I/O (rep outsb / rep insb) on the UART.
;
; Demonstrates: one instruction, many elements.  KVM emulates string I/O:
; `rep outsb` leaves as one exit per element (count 1 each), while `rep
; insb` is read ahead in batches, so one exit carries count > 1 elements
; and the device must answer every one of them.
; kvmlab should observe, with --uart-input ABCDEFGH: console
; "string out\nABCDEFGH"; OUT to 0x3F8 19 elements; IN from 0x3F8 8
; elements; report rx_qword = 0x4847464544434241 ("ABCDEFGH").

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "uart-string", 128, "rep outsb / rep insb through the 16550's THR/RBR"

start:
        cld
        mov     dx, COM1 + UART_THR
        lea     rsi, [rel msg]
        mov     ecx, msg_len
        rep     outsb                           ; 11 elements out
        lea     rdi, [rel buf]
        mov     ecx, 8
        rep     insb                            ; 8 elements in (RBR)
        mov     rax, [rel buf]
        REPORT_VALUE "rx_qword", rax
        lea     rsi, [rel buf]
        mov     ecx, 8
        rep     outsb                           ; echo them: 8 elements out
        hlt

msg:    db      `string out\n`
msg_len equ     $ - msg
buf:    dq      0
