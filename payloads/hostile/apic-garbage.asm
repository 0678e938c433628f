; hostile/apic-garbage.asm - invalid LAPIC and IOAPIC programming, then a normal end.
;
; The guest writes reserved LAPIC registers, an ICR with an illegal vector (2:
; SDM Vol. 3A 11.5.3, "Send Illegal Vector"), an LVT with a reserved delivery
; mode, and garbage through the IOAPIC's index/data window (IOREGSEL 0xFEC00000,
; IOWIN 0xFEC00010, 82093AA datasheet 3.1) including a redirection entry with
; vector 0 and a reserved delivery mode.  It is the guest's problem: kvmlab
; should observe the reports apic.esr (the error status the LAPIC latched)
; and then exit status 0 - no crash, no hang.

%define KVMLAB_FLAGS KVMLAB_FLAG_IRQCHIP
%include "kvmlab.inc"
%include "apic.inc"
%include "ioapic.inc"
KVMLAB_HEADER MODE_LONG, "hostile-apic-garbage", 1024, "reserved LAPIC registers, an illegal ICR vector, IOAPIC garbage"


start:
        APIC_ENABLE
        APIC_WRITE 0x000, 0xFFFFFFFF             ; reserved
        APIC_WRITE 0x3F0, 0xDEADBEEF             ; reserved
        APIC_WRITE APIC_VERSION, 0x12345678      ; read-only
        APIC_WRITE APIC_ICR_HI, 0xFF000000
        APIC_WRITE APIC_ICR_LO, ICR_FIXED | ICR_ASSERT | 2      ; illegal vector
        APIC_WRITE APIC_LVT_TIMER, (7 << 8) | 0x20              ; reserved bits
        APIC_WRITE APIC_TIMER_INIT, 0
        APIC_WRITE APIC_ESR, 0                   ; latch the errors (SDM 11.5.3)
        APIC_READ ebx, APIC_ESR
        REPORT_VALUE "apic.esr", rbx
        mov     edx, IOAPIC_BASE
        mov     ecx, 0
.io:    mov     [rdx], ecx                       ; IOREGSEL: every index 0-255
        mov     dword [rdx + 0x10], 0x0000F700  ; IOWIN: vector 0, delivery mode 7
        inc     ecx
        cmp     ecx, 256
        jb      .io
        mov     dword [rdx + 0x40], 0xFFFFFFFF   ; EOI register of newer IOAPICs
        mov     ebx, [rdx + 0x10]
        REPORT_VALUE "ioapic.last_read", rbx
        KVMLAB_EXIT 0
