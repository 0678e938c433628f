; report-fail.asm - a guest that detects its own failure.
;
; Demonstrates: REPORT_FAIL, the way a test payload says "a check failed".
; kvmlab should observe: one IO exit on port 0xF0 (size 4) carrying a FAIL
; record "expected-7" with value 6; kvmlab ends the run there as a guest
; failure.  The hlt is not reached.  No console output.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "report-fail", 128, "reports a failed check, which ends the run as a guest failure"

start:
        mov     eax, 3
        add     eax, 3                          ; the "bug": we wanted 7
        REPORT_FAIL "expected-7", rax
        hlt                                     ; not reached
