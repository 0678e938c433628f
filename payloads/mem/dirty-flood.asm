; dirty-flood.asm - more dirty pages than the dirty ring holds (hostile load).
;
; Demonstrates: with --dirty-log ring, KVM stops the vCPU with
; KVM_EXIT_DIRTY_RING_FULL before its ring (4096 entries) overflows; kvmlab
; must harvest and go on, losing nothing.  The payload writes 6000 pages
; from 0x100000 and then asks for round 1.
; kvmlab should observe: at least one DIRTY_RING_FULL exit; the forced
; harvests (round 0xFFFFFFFF) and round 1 together hold every one of the
; 6000 pages exactly once; report round-status = 0; HLT.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "dirty-flood", 28672, "writes 6000 pages in one round: more than the dirty ring holds"

REGION          equ 0x100000
PAGES           equ 6000

start:
        mov     edi, REGION
        mov     ecx, PAGES
.w:     mov     byte [rdi], 1
        add     rdi, 4096
        dec     ecx
        jnz     .w
        MEMCTL  MEMCTL_DIRTY_ROUND, 1
        MEMCTL_STATUS ebx
        REPORT_VALUE "round-status", rbx
        hlt
