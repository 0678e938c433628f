; jump-unmapped.asm - execute where there is no memory.
;
; Demonstrates: an instruction fetch from a guest-physical address with no
; RAM behind it.  0xD0000000 lies in the MMIO window (docs/guest-abi.md) and
; is identity-mapped by kvmlab's page tables, so the fetch passes the guest's
; paging and reaches KVM with no memory slot.  KVM cannot execute from MMIO:
; it reports an emulation failure (KVM_EXIT_INTERNAL_ERROR, suberror 1)
; rather than an MMIO exit (x86.c handle_emulation_failure).
; kvmlab should observe: 9 IO exits printing "jumping\n" and a newline...
; exactly "jumping\n" on the console, then an internal error: the run ends
; as a guest crash (exit code 3) with RIP = 0xD0000000.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "jump-unmapped", 128, "jumps to a GPA with no RAM: KVM cannot fetch from MMIO"

start:
        PRINT   `jumping\n`
        mov     eax, 0xD0000000                 ; zero-extends into RAX
        jmp     rax
