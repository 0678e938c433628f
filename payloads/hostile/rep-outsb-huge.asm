; rep-outsb-huge.asm - one string instruction asking for 4 Gi exits.
;
; Demonstrates: `rep outsb` with ECX = 0xFFFFFFFF to the console port.  KVM
; emulates string OUT one element per exit (see payloads/rep-outsb.asm), so
; this single instruction would cost 2^32 exits; kvmlab copies size * count
; bytes per exit and bounds the run with --max-exits (or --timeout).
; kvmlab should observe, under --max-exits 300: 300 exits, all IO on port
; 0xE9, then the run ends at the exit limit (exit code 5) with 300 console
; bytes, the first of them "huge".

%include "kvmlab.inc"
KVMLAB_HEADER MODE_PROT, "rep-outsb-huge", 128, "rep outsb with ECX = 0xFFFFFFFF: bounded only by kvmlab's limits"

start:
        mov     esi, msg
        mov     ecx, 0xFFFFFFFF
        mov     dx, PORT_CONSOLE
        cld
        rep     outsb                           ; reads on past msg, through RAM
        hlt

msg:    db      "huge"
