; smp-exit-last.asm - a vCPU other than 0 writes the exit status.
;
; Demonstrates: the status a vCPU writes to the exit port (0xF4) is that
; vCPU's, and JSON keeps it per vCPU (vcpus[].exit_status), not only in a
; text detail.  The last vCPU (RDI == RSI) writes 0x40 + its index; every
; other vCPU spins until it is stopped.
; kvmlab should observe, with --vcpus 3: vcpus[2] ends exit_port with
; exit_status 0x42, vCPUs 0 and 1 end "stopped" with exit_status null, and
; kvmlab exits with code 1 (a non-zero status is a guest failure).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "smp-exit-last", 128, "the last vCPU writes the exit status: kept in vcpus[].exit_status"

start:
        cmp     rdi, rsi
        jne     .spin
        lea     eax, [rdi + 0x40]
        mov     dx, PORT_EXIT
        out     dx, eax
.spin:  jmp     $
