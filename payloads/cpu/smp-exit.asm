; smp-exit.asm - one vCPU's exit-port write ends the whole VM.
;
; Demonstrates: how kvmlab ends a run with several vCPUs.  vCPUs 1..N-1
; announce themselves (lock inc `arrived`) and spin forever; vCPU 0 waits
; until all have arrived, then writes status 0 to the exit port.
; kvmlab should observe: vCPU 0 ends with exit_port (status 0); every other
; vCPU is kicked out of KVM_RUN (immediate_exit + a signal) and ends as
; "stopped"; the exit code is vCPU 0's: 0.  Run with --vcpus N (N >= 1).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "smp-exit", 128, "vCPU 0 ends the VM through the exit port while the others spin"

start:
        test    edi, edi
        jz      .boss
        lock inc dword [rel arrived]
        jmp     $                               ; spin until kvmlab stops this vCPU
.boss:  cmp     [rel arrived], esi              ; all N-1 others here?
        jne     .boss
        KVMLAB_EXIT 0

        align   4
arrived: dd     0
