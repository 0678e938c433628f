; ud2-real.asm - an undefined opcode in real mode, where the IVT is all zeros.
;
; Demonstrates: that real mode has no "no IDT": IDTR is the reset value (base 0,
; limit 0x3FF; SDM Vol. 3A 10.1.1) and kvmlab's RAM at 0 is zero, so the #UD
; vectors through IVT entry 6 to 0000:0000 (SDM Vol. 3B 21.1.4) - not a triple
; fault.  Where guest ring 0 runs in KVM's emulator the host ends the run as an
; emulation failure on the ud2 instead (vmm/core/expect.def, pvm-real-ud2-emulation).
; kvmlab should observe: 9 IO exits printing "ud2 next\n", then either the
; guest leaves the ud2 through the IVT (a timeout, RIP elsewhere) or
; KVM_EXIT_INTERNAL_ERROR at the ud2, as the host's facts predict.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_REAL, "ud2-real", 128, "executes ud2 in real mode with a zeroed IVT: vectors to 0:0 (or fails emulation)"

start:
        PRINT   `ud2 next\n`
        ud2
        hlt                                     ; not reached
