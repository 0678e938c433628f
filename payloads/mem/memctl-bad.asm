; memctl-bad.asm - a guest misusing the memctl port (hostile input).
;
; Demonstrates: every value a guest sends is checked.  Unknown requests
; and out-of-range arguments get a status, not a crash; a byte-wide OUT
; to the port is a protocol error.
; kvmlab should observe: reports bad-op = 1 (MEMCTL_EBADOP), add-0 = 2,
; add-huge = 2 (over HOTPLUG_MAX_MIB), remove-none = 2 (MEMCTL_EREFUSED),
; then the run ends as a guest protocol error (exit code 6) at `out 0xF8, al`.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "memctl-bad", 128, "unknown memctl requests, bad arguments, then a byte-wide OUT to the port"

start:
        MEMCTL  0x7F, 0
        MEMCTL_STATUS ebx
        REPORT_VALUE "bad-op", rbx
        MEMCTL  MEMCTL_HOTPLUG_ADD, 0
        MEMCTL_STATUS ebx
        REPORT_VALUE "add-0", rbx
        MEMCTL  MEMCTL_HOTPLUG_ADD, 0xFFFFFF
        MEMCTL_STATUS ebx
        REPORT_VALUE "add-huge", rbx
        MEMCTL  MEMCTL_HOTPLUG_REMOVE, 0
        MEMCTL_STATUS ebx
        REPORT_VALUE "remove-none", rbx
        mov     al, MEMCTL_MARK
        out     PORT_MEMCTL, al         ; wrong width: protocol error
        hlt
