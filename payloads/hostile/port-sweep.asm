; port-sweep.asm - an OUT to every port kvmlab does not own.
;
; Demonstrates: the port bus answers all 65,536 ports.  The guest writes a
; byte to every port except kvmlab's own three (0xE9 console, 0xF0 report,
; 0xF4 exit) - 65,533 unclaimed OUTs - then reports how many it sent.
; kvmlab should observe: 65,533 unclaimed IO exits (ignored, counted: the
; first 256 distinct ports listed, the rest in exits.ports_overflow), one
; report ports-swept = 65533, then a HLT exit: success.  Cost: one
; userspace round trip per port (~0.5 s on an emulating host).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "port-sweep", 128, "writes to all 65,533 ports kvmlab does not own"

start:
        xor     edx, edx                        ; DX = port
        xor     ebx, ebx                        ; EBX = OUTs sent
.next:  cmp     dx, PORT_CONSOLE
        je      .skip
        cmp     dx, PORT_REPORT
        je      .skip
        cmp     dx, PORT_EXIT
        je      .skip
        out     dx, al
        inc     ebx
.skip:  inc     dx
        jnz     .next                           ; DX wraps to 0 after 0xFFFF
        REPORT_VALUE "ports-swept", rbx
        hlt
