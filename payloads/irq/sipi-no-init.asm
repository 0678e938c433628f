; irq/sipi-no-init.asm - a Start-up IPI alone starts nothing: only INIT puts an AP in wait-for-SIPI.
;
; With KVMLAB_FLAG_AP_SIPI the APs are as KVM created them (mp_state uninitialized).
; vCPU 0 first sends a SIPI with vector A (the page `tramp_a`) and no INIT, waits
; 10 ms, then does the SDM sequence (INIT, 10 ms, SIPI, SIPI) with vector B (the page
; `tramp_b`).  The SDM (Vol. 3A 11.6.1, "Start-Up"; 10.4.4) sends a SIPI's vector only
; to a processor waiting for it, which INIT causes: page A must never run.  Each page
; counts the APs that start there, so the answer does not depend on the 10 ms.
; kvmlab should observe (vCPU 0's reports, --vcpus N >= 2): sipi.starts_without_init = 0
; (read after the APs started at B, so a late start at A would show too),
; sipi.ap_starts = N - 1 (page B), then exit status 0.  With one vCPU: sipi.skipped = 1.

%define KVMLAB_FLAGS KVMLAB_FLAG_IRQCHIP | KVMLAB_FLAG_AP_SIPI
%include "kvmlab.inc"
%include "apic.inc"
%include "timing.inc"
KVMLAB_HEADER MODE_LONG, "irq-sipi-no-init", 1024, "a SIPI without INIT starts no AP; INIT-SIPI-SIPI then does"

%define INIT_WAIT_US    10000           ; SDM 10.4.4.1: 10 ms after INIT
%define SIPI_WAIT_US    200             ; and 200 us after each SIPI
%define TSC_KHZ_UNKNOWN 3000000         ; no KVM_GET_TSC_KHZ: assume 3 GHz (the waits only grow)
%define PAGE_SHIFT      12

; SIPI vector: ICR bits 7:0, broadcast to all but self (SDM 11.6.1).  Clobbers EAX, EDX.
%macro SEND_SIPI 1
        lea     rax, [rel %1]
        shr     eax, PAGE_SHIFT
        or      eax, ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_STARTUP
        APIC_WRITE APIC_ICR_LO, eax
        call    icr_idle
%endmacro

start:
        SIPI_BSP_START
        MACHINE_FACT r14d, FACT_TSC_KHZ
        test    r14d, r14d
        jnz     .khz
        mov     r14d, TSC_KHZ_UNKNOWN
.khz:   APIC_ENABLE
        APIC_WRITE APIC_ICR_HI, 0               ; the shorthand ignores the destination
        SEND_SIPI tramp_a                       ; no INIT before it
        mov     eax, INIT_WAIT_US
        call    wait_us
        APIC_WRITE APIC_ICR_LO, ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_INIT
        call    icr_idle
        mov     eax, INIT_WAIT_US
        call    wait_us
        SEND_SIPI tramp_b
        mov     eax, SIPI_WAIT_US
        call    wait_us
        SEND_SIPI tramp_b
.wait:  pause                                   ; an AP that never starts: the watchdog
        movzx   eax, word [rel tramp_b.starts]
        cmp     eax, r15d
        jb      .wait
        movzx   eax, word [rel tramp_a.starts]
        REPORT_VALUE "sipi.starts_without_init", rax
        movzx   eax, word [rel tramp_b.starts]
        REPORT_VALUE "sipi.ap_starts", rax
        KVMLAB_EXIT 0

        APIC_SIPI_ROUTINES                      ; icr_idle, wait_us (apic.inc)

; ---- a SIPI page: an AP starting here (real mode, CS = page << 8, IP = 0) counts itself ----
%macro TRAMPOLINE 1
        align   4096
%1:
        bits    16
        cli
        mov     ax, cs
        mov     ds, ax
        lock inc word [.starts - %1]
.park:  hlt
        jmp     .park
        align   2
.starts: dw 0
        bits    64
%endmacro

        TRAMPOLINE tramp_a
        TRAMPOLINE tramp_b
