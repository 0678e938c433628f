; irq/ap-sipi.asm - the BSP starts the APs as firmware does: INIT, then SIPI, SIPI.
;
; With KVMLAB_FLAG_AP_SIPI kvmlab leaves every vCPU but 0 as KVM created it, waiting
; for INIT (mp_state uninitialized: docs/guest-abi.md "Several vCPUs").  vCPU 0 (the
; BSP) broadcasts through its ICR (SDM Vol. 3A 10.4.4.1, "Typical BSP Initialization
; Sequence"): an INIT IPI to all but itself, 10 ms, a Start-up IPI whose vector is
; the page number of `trampoline`, 200 us, and the second SIPI.  An AP that takes
; the SIPI starts in real mode at CS = vector << 8, IP = 0, i.e. at vector << 12
; (SDM 10.4.3, 11.6.1 "Start-Up"): the 16-bit code there counts itself, stores CS and
; CR0, and parks in `hlt`.  A SIPI reaches only a processor in wait-for-SIPI state,
; so the second SIPI must not start an AP twice.
; kvmlab should observe (vCPU 0's reports, --vcpus N >= 2): sipi.vector (the page),
; sipi.starts_after_init = 0 (INIT alone starts nothing), sipi.ap_starts = N - 1 and
; sipi.ap_cs = vector << 8 (read after the second SIPI), sipi.ap_cr0_pe = 0 (real
; mode); then exit status 0, which stops the parked APs.  In JSON every AP has
; vcpus[i].mp_state_created "uninitialized".  With one vCPU: sipi.skipped = 1.

%define KVMLAB_FLAGS KVMLAB_FLAG_IRQCHIP | KVMLAB_FLAG_AP_SIPI
%include "kvmlab.inc"
%include "apic.inc"
%include "timing.inc"
KVMLAB_HEADER MODE_LONG, "irq-ap-sipi", 1024, "the BSP starts the APs with INIT-SIPI-SIPI; each AP reports from the SIPI page"

%define INIT_WAIT_US    10000           ; SDM 10.4.4.1: 10 ms after INIT
%define SIPI_WAIT_US    200             ; and 200 us after each SIPI
%define TSC_KHZ_UNKNOWN 3000000         ; no KVM_GET_TSC_KHZ: assume 3 GHz (the waits only grow)
%define REAL_MODE_TOP   0x100000        ; a SIPI vector is 8 bits: the page lies below 1 MiB
%define PAGE_SHIFT      12

start:
        SIPI_BSP_START
        lea     rbx, [rel trampoline]
        cmp     rbx, REAL_MODE_TOP - 4096
        jbe     .low
        REPORT_FAIL "sipi.trampoline_below_1MiB", rbx
.low:   shr     ebx, PAGE_SHIFT                 ; the SIPI vector: a page number
        REPORT_VALUE "sipi.vector", rbx
        MACHINE_FACT r14d, FACT_TSC_KHZ
        test    r14d, r14d
        jnz     .khz
        mov     r14d, TSC_KHZ_UNKNOWN
.khz:   APIC_ENABLE
        APIC_WRITE APIC_ICR_HI, 0               ; the shorthand ignores the destination
        APIC_WRITE APIC_ICR_LO, ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_INIT
        call    icr_idle
        mov     eax, INIT_WAIT_US
        call    wait_us
        movzx   eax, word [rel ap_starts]       ; INIT puts the APs in wait-for-SIPI only
        REPORT_VALUE "sipi.starts_after_init", rax
        mov     eax, ebx
        or      eax, ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_STARTUP
        APIC_WRITE APIC_ICR_LO, eax
        call    icr_idle
        mov     eax, SIPI_WAIT_US
        call    wait_us
        mov     eax, ebx                        ; the second SIPI, as the SDM sequence does
        or      eax, ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_STARTUP
        APIC_WRITE APIC_ICR_LO, eax
        call    icr_idle
        mov     eax, SIPI_WAIT_US
        call    wait_us
.wait:  pause                                   ; an AP that never starts: the watchdog
        movzx   eax, word [rel ap_starts]
        cmp     eax, r15d
        jb      .wait
        mov     eax, INIT_WAIT_US               ; room for a wrong second start to show
        call    wait_us
        movzx   eax, word [rel ap_starts]
        REPORT_VALUE "sipi.ap_starts", rax
        movzx   eax, word [rel ap_cs]
        REPORT_VALUE "sipi.ap_cs", rax
        mov     eax, [rel ap_cr0]
        and     eax, 1
        REPORT_VALUE "sipi.ap_cr0_pe", rax
        KVMLAB_EXIT 0

        APIC_SIPI_ROUTINES                      ; icr_idle, wait_us (apic.inc)

; ---- the SIPI page: an AP starts here in real mode, CS = vector << 8, IP = 0 ----
        align   4096
trampoline:
        bits    16
        cli
        mov     ax, cs
        mov     ds, ax                          ; data below are CS-relative
        mov     [ap_cs - trampoline], ax
        mov     eax, cr0
        mov     [ap_cr0 - trampoline], eax
        lock inc word [ap_starts - trampoline]  ; last: the BSP reads the rest after it
.park:  hlt                                     ; LAPIC in KVM: sleeps there until kvmlab stops it
        jmp     .park
        align   4
ap_starts:  dw 0
ap_cs:      dw 0
ap_cr0:     dd 0
        bits    64
