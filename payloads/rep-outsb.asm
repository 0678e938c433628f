; rep-outsb.asm - string port IO: one instruction, many exits.
;
; Demonstrates: `rep outsb` to the console port.  KVM completes a plain
; IN/OUT from the hardware's exit information, but sends string IO through
; its instruction emulator (vmx.c handle_io), which hands userspace one
; element per exit (emulate.c em_out() passes count 1).  So one instruction
; still costs one exit per byte, like PRINT's loop.  (REP INS differs: KVM
; reads ahead and batches up to a page of elements per exit.)
; kvmlab should observe: 10 IO exits, OUT port 0xE9 size 1 count 1 each,
; printing "string io\n"; then one HLT exit ending the run normally.
; kvmlab must not assume count == 1 on port 0xE9: it copies size * count
; bytes from the exit's data area.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_PROT, "rep-outsb", 128, "prints a line with one rep outsb: KVM still exits once per byte"

start:
        mov     esi, msg                        ; DS:ESI = the string (flat DS)
        mov     ecx, msg_len
        mov     dx, PORT_CONSOLE
        cld                                     ; ESI counts up
        rep     outsb
        hlt

msg:    db      `string io\n`
msg_len equ     $ - msg
