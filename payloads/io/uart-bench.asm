; uart-bench.asm - the I/O benchmark workload through the 16550 UART.
;
; Demonstrates: full emulation's cost.  Sends `total` bytes (port 0xE0
; parameter) of the chunk pattern (VQ_BUF: 0,1,2,... for `chunk` bytes,
; repeated) like a FIFO driver: wait for LSR.THRE once, then write up to
; 16 bytes (the 16550 FIFO) to THR.  One exit per byte plus one per 16.
; kvmlab should observe: io.uart.tx_bytes = total; OUT exits on 0x3F8 =
; total; IN exits on 0x3FD = ceil(total / 16); reports cycles (guest TSC
; around the transfer) and bytes = total.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "uart-bench", 4096, "iobench workload over the 16550 UART, byte by byte"

start:
        IOPARAM r12d, IOPARAM_TOTAL
        IOPARAM r13d, IOPARAM_CHUNK
        mov     r15, r12                        ; bytes, for the report
        FILL_PATTERN r13d
        UART_INIT
        TSC     r14
        xor     esi, esi                        ; offset in the chunk
.block: mov     dx, COM1 + UART_LSR
.wait:  in      al, dx
        test    al, LSR_THRE                    ; FIFO empty: room for 16
        jz      .wait
        mov     dx, COM1 + UART_THR
        mov     ecx, UART_FIFO
.byte:  test    r12, r12
        jz      .done
        mov     al, [VQ_BUF + rsi]
        out     dx, al                          ; one exit per byte
        inc     esi
        cmp     esi, r13d
        jb      .same
        xor     esi, esi                        ; next chunk starts over
.same:  dec     r12
        dec     ecx
        jnz     .byte
        jmp     .block
.done:  TSC     rbx
        sub     rbx, r14
        REPORT_VALUE "cycles", rbx
        REPORT_VALUE "bytes", r15
        hlt
