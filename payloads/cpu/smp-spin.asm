; smp-spin.asm - every vCPU spins forever, so its thread can be looked at.
;
; Demonstrates: a running VM's vCPU threads for `ps -L`, `taskset -p` and
; /proc/PID/task.  Run with `kvmlab run cpu/smp-spin --vcpus N --timeout S`.
; Each vCPU reports VALUE "vcpu index" = RDI, then loops on `jmp $`.
; kvmlab should observe: N vCPU threads busy until the watchdog ends the
; run: the first vCPU to time out stops the others, exit code 4 (timeout).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "smp-spin", 128, "every vCPU reports its index, then spins until --timeout"

start:
        SPIN_LOCK report_lock                   ; the inline report record is shared by all vCPUs
        REPORT_VALUE "vcpu index", rdi
        SPIN_UNLOCK report_lock
        jmp     $

        align   4
report_lock: dd 0
