; migrate-hotplug-busy.asm - a hotplug request while a migration runs.
;
; Demonstrates: a migration carries the slot table it read when it began, so
; while it runs kvmlab refuses memory hotplug (as QEMU does) with a status the
; guest can see, MEMCTL_EMIGRATING (4), and changes nothing; the guest asks
; again later.  It keeps rewriting 32 pages at [0x100000, 0x120000) into a
; checksum; right after report "checkpoint" (--migrate-at-report checkpoint
; starts the migration there) it asks for 1 MiB, and asks again after every
; round until the answer is no longer 4.  RBX (--arg) is the rounds (0 = 300).
; kvmlab should observe:
;   report "checkpoint"; report "first-status": 4 when a migration began at the
;   checkpoint, 0 without one; "busy" = how many requests got 4 (on the source,
;   and on a post-copy destination until its last page is in);
;   "add-status" = 0 (the request that took), "readback" = 0x600DF00D from the
;   new slot, "remove-status" = 0; "result" = the checksum, which does not
;   depend on when the request took: equal with and without migration; exit 0.

%include "kvmlab.inc"
%include "rounds.inc"
KVMLAB_HEADER MODE_LONG, "migrate-hotplug-busy", 2048, "asks for hotplug while a migration runs: refused with status 4, asks again, gets it"

REGION          equ 0x100000
PAGES           equ 32
PAGE            equ 4096
ROUNDS_DEFAULT  equ 300

start:
        mov     r15, rbx
        ROUNDS_OR_DEFAULT r15, ROUNDS_DEFAULT
        mov     r14, r15
        shr     r14, 1                  ; the checkpoint round
        xor     r12, r12                ; round
        mov     r13, 0x9E3779B97F4A7C15 ; checksum seed
        xor     r11, r11                ; requests answered 4
        mov     r10, -1                 ; status of the request that took; -1 = none yet

.round: mov     rdi, REGION
        mov     rax, r12
        and     rax, 511
        shl     rax, 3
        add     rdi, rax
        DIRTY_PASS rdi, PAGES, PAGE

        inc     r12
        cmp     r12, r14
        jb      .next
        jne     .ask
        REPORT_VALUE "checkpoint", r12
        call    ask                     ; at once: the migration (if any) has begun
        REPORT_VALUE "first-status", rbx
        jmp     .next
.ask:   cmp     r10, -1
        jne     .next
        call    ask
.next:  cmp     r12, r15
        jb      .round

.last:  cmp     r10, -1                 ; still refused at the end: ask until it takes
        jne     .done
        call    ask
        jmp     .last
.done:  REPORT_VALUE "busy", r11
        REPORT_VALUE "add-status", r10
        mov     edi, GPA_HOTPLUG
        mov     qword [rdi], 0x600DF00D
        mov     rax, [rdi]
        REPORT_VALUE "readback", rax
        MEMCTL  MEMCTL_HOTPLUG_REMOVE, 0
        MEMCTL_STATUS ebx
        REPORT_VALUE "remove-status", rbx
        REPORT_VALUE "result", r13
        KVMLAB_EXIT 0

; One request for 1 MiB: RBX = its status; 4 counts in R11, anything else ends the asking (R10).
ask:    MEMCTL  MEMCTL_HOTPLUG_ADD, 1
        MEMCTL_STATUS ebx
        cmp     ebx, MEMCTL_EMIGRATING
        jne     .took
        inc     r11
        ret
.took:  mov     r10, rbx
        ret
