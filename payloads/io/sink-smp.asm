; sink-smp.asm - every vCPU stores into the MMIO sink at once.
;
; Demonstrates: KVM's coalesced-MMIO ring is one ring per VM, shared by all
; vCPUs (api.rst 4.66: it is mapped through every vCPU fd, and every vCPU's
; queued writes land in it).  With --coalesced-mmio --vcpus N each vCPU
; thread drains that ring after each of its exits, so the drain needs one
; lock: without it two threads replay the same entry or skip one.
; vCPU i stores STORES dwords of value i to GPA_SINK + 8 i, then halts.
; kvmlab should observe: io.sink.writes = STORES x N, io.sink.bytes = 4 x
; that, io.sink.exits + io.sink.drained = writes; every vCPU ends with HLT.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "sink-smp", 128, "each vCPU stores to the MMIO sink: one coalesced ring for all"

%define STORES 20000

start:
        mov     rbx, GPA_SINK
        lea     rbx, [rbx + rdi * 8]
        mov     ecx, STORES
.st:    mov     [rbx], edi
        dec     ecx
        jnz     .st
        hlt
