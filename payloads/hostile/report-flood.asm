; report-flood.asm - one report more than kvmlab keeps.
;
; Demonstrates: REPORTS_MAX (65,536, vmm/kvmlab.h) bounds the memory a guest
; can make kvmlab allocate.  The guest sends the same VALUE record 65,537
; times.
; kvmlab should observe: 65,536 reports kept, then at the 65,537th a guest
; protocol error (exit code 6) "too many reports"; all kept reports are in
; the JSON.  Cost: ~65,537 round trips (~1 s on an emulating host).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "report-flood", 128, "sends 65,537 reports, one more than kvmlab keeps"

start:
        mov     ebx, 65537
.again: REPORT_VALUE "r", rbx
        dec     ebx
        jnz     .again
        hlt
