; trace-short.asm - six instructions to single-step.
;
; Demonstrates: `kvmlab trace` printing every guest instruction.  The trace
; must show exactly: mov, mov, imul, out, xor, hlt - six steps; the out
; prints "*" (6 * 7 = 42) and causes the only IO exit; --regs shows
; rax=0x2a after the imul.
; kvmlab should observe (kvmlab run): one IO exit to port 0xE9, then HLT.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "trace-short", 128, "six instructions for kvmlab trace: 6 * 7 printed as '*'"

start:
        mov     eax, 6
        mov     ecx, 7
        imul    eax, ecx
        out     PORT_CONSOLE, al                ; '*' = 42
        xor     eax, eax
        hlt
