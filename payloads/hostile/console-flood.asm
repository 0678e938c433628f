; console-flood.asm - 4096 console bytes, then a report.
;
; Demonstrates: kvmlab's bounded console (docs/security.md, "Console
; output").  Every byte is one IO exit; past --console-limit bytes kvmlab
; stops echoing and keeping them, counts them as dropped, and lets the run
; go on.
; kvmlab should observe: 4096 IO exits on port 0xE9 (bytes 'A'..'Z'
; repeating), a report flood-done = 4096, then a HLT exit: success.  With
; --console-limit 1000: console.text is the first 1000 bytes and
; console.dropped is 3096.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "console-flood", 128, "prints 4096 bytes to the console, then reports"

%define FLOOD_N         4096

start:
        xor     ebx, ebx
.next:  mov     eax, ebx
        xor     edx, edx
        mov     ecx, 26
        div     ecx                             ; EDX = i mod 26
        lea     eax, [rdx + 'A']
        out     PORT_CONSOLE, al
        inc     ebx
        cmp     ebx, FLOOD_N
        jb      .next
        REPORT_VALUE "flood-done", rbx
        hlt
