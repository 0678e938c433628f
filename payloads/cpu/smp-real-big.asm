; smp-real-big.asm - a real-mode payload too big for the stacks of many vCPUs.
;
; Demonstrates: in real mode every vCPU's stack lives at the top of the
; payload's 64 KiB segment, 256 bytes each below SP 0xFFF0 (docs/guest-abi.md,
; "Several vCPUs").  This payload is 48 KiB: it fits with up to 63 vCPUs
; (0xFFF0 - 63 * 0x100 = 0xC0F0 bytes), and kvmlab refuses it with 64
; (exit code 14) rather than let the stacks overwrite its code.
; kvmlab should observe: with --vcpus 2, every vCPU halts (exit code 0).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_REAL, "smp-real-big", 128, "48 KiB real-mode payload: refused with 64 vCPUs, whose stacks it would overlap"

start:
        hlt
        times   0xC000 - ($ - $$) db 0          ; pad the file to exactly 48 KiB
