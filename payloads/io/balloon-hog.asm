; balloon-hog.asm - a VM that uses all its RAM, gives back what the balloon asks, then idles.
;
; Demonstrates: memory overcommit with a balloon (scripts/overcommit,
; labs/overcommit.md).  The guest writes one qword into every 4 KiB page
; from 4 MiB to the end of its RAM (RBX = RAM size in MiB: kvmlab run
; --arg), so the host backs all of it.  If a virtio-balloon is present
; (--balloon PAGES) it hands num_pages PFNs, from 4 MiB upward, to the
; device and never touches them again: kvmlab releases them and the VM's
; RSS drops back.  It then prints "ready" and halts with interrupts off,
; which with --irqchip kernel blocks the vCPU inside KVM (no host CPU)
; until a signal ends the run.
; kvmlab should observe: io.balloon.inflated = num_pages (with --balloon);
; the console line "ready"; the run ends "interrupted" by SIGTERM.
; Run: kvmlab run --irqchip kernel --timeout 0 --mem 64M --arg 64 --balloon 12288 build/payloads/io/balloon-hog.bin

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "balloon-hog", 8192, "touch all RAM, inflate num_pages if a balloon exists, print ready, idle"

%define FIRST_PFN       0x400                   ; 4 MiB: above code, rings and page tables

start:
        mov     r12, rbx                        ; RAM in MiB (--arg)
        shl     r12, 20
        cmp     r12, FIRST_PFN << 12
        ja      .big
        REPORT_FAIL "arg_ram_mib_too_small", rbx
.big:   mov     rdi, FIRST_PFN << 12
.touch: mov     [rdi], rdi
        add     rdi, 4096
        cmp     rdi, r12
        jb      .touch
        mov     rbx, GPA_VIRTIO_BALLOON         ; a balloon?  (DeviceID 0: the empty slot)
        cmp     dword [rbx + VIRTIO_DEVICE_ID], VIRTIO_ID_BALLOON
        jne     .ready
        BALLOON_START
        xor     r14d, r14d
        xor     r15d, r15d
        mov     r8d, [rbx + BALLOON_NUM_PAGES]
        mov     rax, r12
        shr     rax, 12
        sub     rax, FIRST_PFN                  ; pages this driver may give
        cmp     r8, rax
        jbe     .fits
        REPORT_FAIL "num_pages_beyond_fill", r8
.fits:  xor     r13d, r13d                      ; PFNs given so far
.more:  cmp     r13d, r8d
        jae     .given
        mov     ecx, r8d
        sub     ecx, r13d
        cmp     ecx, BQ_PFNS_MAX
        jbe     .n
        mov     ecx, BQ_PFNS_MAX
.n:     xor     esi, esi
.fill:  lea     eax, [r13d + esi + FIRST_PFN]
        mov     [BQ_PFNS + rsi * 4], eax
        inc     esi
        cmp     esi, ecx
        jb      .fill
        add     r13d, ecx
        shl     ecx, 2
        BALLOON_INFLATE
        test    dword [rbx + VIRTIO_STATUS], S_NEEDS_RESET
        jz      .more
        REPORT_FAIL "inflate_refused", 0
.given: mov     [rbx + BALLOON_ACTUAL], r8d
        REPORT_VALUE "ballooned", r8
.ready: PRINT   `ready\n`
        cli
.idle:  hlt                                     ; IF=0: only a signal to kvmlab ends this
        jmp     .idle
