; capstone-example.asm - the worked example of labs/capstone.md.
;
; Demonstrates: predicting every exit of a payload from docs/guest-abi.md
; alone.  Computation never exits to kvmlab; only port I/O and accesses to
; guest-physical addresses with no RAM do.
; kvmlab should observe, in order:
;   1 IO exit   port 0xF0 out 4   report VALUE sum-1-to-100 = 5050
;   3 IO exits  port 0xE9 out 1   console "ok\n"
;   1 IO exit   port 0xE9 in  1   reads 0xE9 ("console present")
;   1 IO exit   port 0xF0 out 4   report VALUE console-readback = 0xE9
;   1 MMIO exit 0x400000 write 4 (unclaimed: ignored), because the default
;               RAM is 4 MiB and ends just below it; with --mem 8M the same
;               store lands in RAM and there is no exit
;   1 IO exit   port 0xF4 out 4   exit status 0: the run ends, exit code 0
; Total: 8 exits to kvmlab (IO 7, MMIO 1), no HLT exit; 7 with --mem 8M.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "capstone-example", 128, "worked capstone: sums 1..100, prints, probes a port, stores past 4 MiB, exits 0"

start:
        ; 100 iterations of add/loop: guest work, no exit to kvmlab.
        xor     eax, eax
        mov     ecx, 100
.sum:   add     eax, ecx
        loop    .sum                            ; EAX = 5050
        REPORT_VALUE "sum-1-to-100", rax        ; 1 IO exit (0xF0)

        PRINT   `ok\n`                          ; 3 IO exits (0xE9), one per byte

        in      al, PORT_CONSOLE                ; 1 IO exit: kvmlab answers 0xE9
        movzx   eax, al
        REPORT_VALUE "console-readback", rax    ; 1 IO exit (0xF0)

        ; The first byte past 4 MiB: no RAM there with the default --mem, so
        ; KVM cannot complete the store and hands it to kvmlab.
        mov     edi, 4 << 20
        mov     dword [rdi], 1                  ; 1 MMIO exit (default --mem), ignored

        KVMLAB_EXIT 0                           ; 1 IO exit (0xF4): the end
