; port-sweep.asm - an OUT to every port kvmlab does not own.
;
; Demonstrates: the port bus answers all 65,536 ports.  The guest writes a
; byte to every port except kvmlab's own (the reserved block 0xE0-0xFF: I/O
; parameters, console, bench device, report, exit, memctl) and the COM1 UART
; (0x3F8-0x3FF) - 65,496 OUTs - then reports how many it sent.
; kvmlab should observe: 65,496 IO exits (ignored and counted where no device
; claims the port: the first 256 distinct ports listed, the rest in
; exits.ports_overflow), one report ports-swept = 65496, then a HLT exit:
; success.  Cost: one userspace round trip per port (~0.5 s on an emulating host).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "port-sweep", 128, "writes to all 65,496 ports outside kvmlab's own and the UART"

start:
        xor     edx, edx                        ; DX = port
        xor     ebx, ebx                        ; EBX = OUTs sent
.next:  cmp     dx, PORT_CONSOLE
        je      .skip
        cmp     dx, PORT_KVMLAB_FIRST
        jb      .out
        cmp     dx, PORT_KVMLAB_LAST
        jbe     .skip
        cmp     dx, COM1
        jb      .out
        cmp     dx, COM1 + 7
        jbe     .skip                           ; the UART (docs/io.md)
.out:
        out     dx, al
        inc     ebx
.skip:  inc     dx
        jnz     .next                           ; DX wraps to 0 after 0xFFFF
        REPORT_VALUE "ports-swept", rbx
        hlt
