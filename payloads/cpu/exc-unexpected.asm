; exc-unexpected.asm - an exception the guest's IDT catches but did not expect.
;
; Demonstrates: the idt.inc handler with no IDT_TRY armed.  It reports the
; exception (exc.vector = 6, ...) and then REPORT_FAIL exc.unexpected = 6:
; the guest itself says something went wrong, which is not the same as a
; triple fault (compare ud2-long).
; kvmlab should observe: four exc.* VALUE reports, then a FAIL report
; exc.unexpected = 6: the run ends as a guest failure (exit code 1).

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "exc-unexpected", 128, "ud2 with a guest IDT but no recovery armed: the handler fails the run"

start:
        IDT_INSTALL
        ud2                                     ; nobody armed IDT_TRY
        hlt                                     ; not reached
