; exit-status.asm - ending a run with a status, QEMU isa-debug-exit style.
;
; Demonstrates: the exit port.  A 4-byte OUT to port 0xF4 ends the run with
; that value as the guest's status; non-zero means the guest failed.
; kvmlab should observe: 15 IO exits on port 0xE9 printing
; "exiting with 3\n", then one IO exit on port 0xF4 (size 4, value 3):
; the run ends as a guest failure with status 3.  The hlt inside
; KVMLAB_EXIT is not reached.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_PROT, "exit-status", 128, "prints a line and ends the run with exit status 3"

start:
        PRINT   `exiting with 3\n`
        KVMLAB_EXIT 3
