; smp-console.asm - every vCPU prints through port 0xE9 and COM1 at once.
;
; Demonstrates: kvmlab has one console (traps/console.c) whatever port or
; vCPU a byte comes from, serialised by one lock, with one --console-limit.
; vCPU i (i < 4) prints COUNT bytes, alternating: one OUT to 0xE9, one to
; COM1's THR (0x3F8).  Each (vCPU, port) pair has its own alphabet, cycled:
;   vCPU 0: 0xE9 'a'..'z'   COM1 'A'..'Z'
;   vCPU 1: 0xE9 '0'..'9'   COM1 '!'..'/'   (0x21-0x2F)
;   vCPU 2: 0xE9 ':'..'@'   COM1 '['..'`'   (0x3A-0x40, 0x5B-0x60)
;   vCPU 3: 0xE9 '{'..'~'   no COM1 output
; kvmlab should observe: console.bytes = the sum; filtering the console
; text by one alphabet gives exactly that pair's COUNT bytes in order; HLT.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "smp-console", 128, "each vCPU prints its own alphabets through 0xE9 and COM1 at once"

%define COUNT 300

start:
        cmp     edi, 3
        ja      .halt
        lea     rbx, [rel table]
        movzx   r8d, byte [rbx + rdi * 4]       ; 0xE9: first byte
        movzx   r9d, byte [rbx + rdi * 4 + 1]   ;       alphabet length
        movzx   r10d, byte [rbx + rdi * 4 + 2]  ; COM1: first byte (0: none)
        movzx   r11d, byte [rbx + rdi * 4 + 3]  ;       alphabet length
        xor     ecx, ecx                        ; k
.next:  mov     eax, ecx
        xor     edx, edx
        div     r9d                             ; edx = k mod length
        lea     eax, [r8 + rdx]
        out     0xE9, al
        test    r10d, r10d
        jz      .skip
        mov     eax, ecx
        xor     edx, edx
        div     r11d
        lea     eax, [r10 + rdx]
        mov     dx, COM1 + UART_THR
        out     dx, al
.skip:  inc     ecx
        cmp     ecx, COUNT
        jb      .next
.halt:  hlt

table:  db      'a', 26, 'A', 26
        db      '0', 10, '!', 15
        db      ':', 7,  '[', 6
        db      '{', 4,  0, 1
