; hotplug.asm - the guest asks for memory, uses it, gives it back.
;
; Demonstrates: memory slots can change while a VM runs.  MEMCTL_HOTPLUG_ADD
; makes kvmlab add slot 2 (2 MiB at GPA 0x80000000); the guest stores and
; loads there like any RAM (no exit).  MEMCTL_HOTPLUG_REMOVE deletes the slot
; (KVM_SET_USER_MEMORY_REGION with size 0) and the same load becomes an
; MMIO exit reading all ones.
; kvmlab should observe: reports add-status = 0, readback = 0x600DF00D,
; remove-status = 0, after-remove = 0xFFFFFFFFFFFFFFFF; exactly 1 MMIO
; exit (read, 8 bytes, 0x80000000); HLT.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "hotplug", 128, "adds 2 MiB of RAM at run time, uses it, removes it"

start:
        MEMCTL  MEMCTL_HOTPLUG_ADD, 2   ; 2 MiB
        MEMCTL_STATUS ebx
        REPORT_VALUE "add-status", rbx
        mov     edi, GPA_HOTPLUG
        mov     qword [rdi + 8], 0x600DF00D     ; plain RAM now: no exit
        mov     rax, [rdi + 8]
        REPORT_VALUE "readback", rax
        MEMCTL  MEMCTL_HOTPLUG_REMOVE, 0
        MEMCTL_STATUS ebx
        REPORT_VALUE "remove-status", rbx
        mov     rax, [rdi]              ; a hole again: MMIO exit
        REPORT_VALUE "after-remove", rax
        hlt
