; smp-fail.asm - one vCPU's failed check ends the whole VM with its verdict.
;
; Demonstrates: with several vCPUs, the first vCPU that ends the VM decides
; the exit code.  The last vCPU (RDI == RSI) sends a FAIL report "last vcpu"
; with its index; every other vCPU spins.
; kvmlab should observe: the last vCPU ends check_failed, every other vCPU
; ends "stopped", kvmlab exits with code 1 (guest failure).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "smp-fail", 128, "the last vCPU fails a check while the others spin: exit code 1"

start:
        cmp     rdi, rsi
        jne     .spin
        REPORT_FAIL "last vcpu", rdi            ; only one vCPU runs this: no lock needed
.spin:  jmp     $
