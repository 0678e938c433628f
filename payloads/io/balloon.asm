; balloon.asm - a virtio-balloon driver: touch memory, inflate, deflate.
;
; Demonstrates: memory ballooning (virtio 1.1 5.5).  The guest first writes
; one qword into every 4 KiB page from 4 MiB to the end of its 16 MiB (so the
; host has to back them: the VM's RSS grows).  It reads num_pages, hands that
; many PFNs, from 4 MiB upward, to the device on inflateq in buffers of up to
; 1024 PFNs and reports `actual`.  kvmlab releases each page
; (MADV_DONTNEED), so the process's RSS drops by about num_pages * 4 KiB
; while the guest's RAM size stays 16 MiB.  If the device then lowers
; num_pages (kvmlab run --balloon-deflate), the driver deflates the
; difference on deflateq, checks that a released page reads back as zero
; (the host really dropped it) and touches the pages again (RSS rises).
; kvmlab should observe: io.balloon.inflated = --balloon, deflated =
; --balloon - --balloon-deflate, no error; rss_bytes.inflated below .before;
; reports num_pages, actual, deflated_page_zero = 1 (after a deflate).
; Run: kvmlab run --mem 16M --balloon 2048 --balloon-deflate 1024 build/payloads/io/balloon.bin

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "balloon", 16384, "virtio-balloon driver: touch 12 MiB, inflate num_pages, deflate on request"

%define FIRST_PFN       0x400                   ; 4 MiB: above the code, rings and page tables
%define END_PFN         0x1000                  ; 16 MiB
%define PATTERN         0x6B766D6C61622121      ; what a touched page holds

start:
        mov     rdi, FIRST_PFN << 12            ; touch: every page gets backed by the host
        mov     rax, PATTERN
.touch: mov     [rdi], rax
        add     rdi, 4096
        cmp     rdi, END_PFN << 12
        jb      .touch
        BALLOON_START
        xor     r14d, r14d
        xor     r15d, r15d
        mov     r12d, [rbx + BALLOON_NUM_PAGES]
        REPORT_VALUE "num_pages", r12
        cmp     r12d, END_PFN - FIRST_PFN
        jbe     .fits
        REPORT_FAIL "num_pages_beyond_payload", r12   ; this driver only gives its fill region
.fits:  xor     r13d, r13d                      ; PFNs given so far
.inflate:
        cmp     r13d, r12d
        jae     .inflated
        mov     ecx, r12d                       ; this buffer: min(left, BQ_PFNS_MAX)
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
        shl     ecx, 2                          ; bytes
        BALLOON_INFLATE
        test    dword [rbx + VIRTIO_STATUS], S_NEEDS_RESET
        jz      .inflate
        REPORT_FAIL "inflate_refused", 0
.inflated:
        mov     [rbx + BALLOON_ACTUAL], r12d    ; 5.5.6: tell the device what we gave
        REPORT_VALUE "actual", r12
        mov     eax, [rbx + VIRTIO_INT_STATUS]
        REPORT_VALUE "isr", rax                 ; bit 1: the configuration changed
        mov     r13d, [rbx + BALLOON_NUM_PAGES]
        cmp     r13d, r12d
        jae     .done                           ; no deflate asked for
        REPORT_VALUE "num_pages_new", r13
        ; deflate the top (r12 - r13) of what we gave: PFNs FIRST_PFN + r13 .. + r12
        mov     ecx, r12d
        sub     ecx, r13d
        cmp     ecx, BQ_PFNS_MAX
        jbe     .dn
        REPORT_FAIL "deflate_beyond_one_buffer", rcx
.dn:    xor     esi, esi
.dfill: lea     eax, [r13d + esi + FIRST_PFN]
        mov     [BQ_PFNS + rsi * 4], eax
        inc     esi
        cmp     esi, ecx
        jb      .dfill
        shl     ecx, 2
        BALLOON_DEFLATE
        test    dword [rbx + VIRTIO_STATUS], S_NEEDS_RESET
        jz      .back
        REPORT_FAIL "deflate_refused", 0
.back:  lea     eax, [r13d + FIRST_PFN]         ; the first page given back reads zero
        shl     rax, 12
        xor     ecx, ecx
        cmp     qword [rax], 0
        sete    cl
        REPORT_VALUE "deflated_page_zero", rcx
        lea     rdi, [r13d + FIRST_PFN]         ; use the pages again
        shl     rdi, 12
        lea     rsi, [r12d + FIRST_PFN]
        shl     rsi, 12
        mov     rax, PATTERN
.retouch:
        mov     [rdi], rax
        add     rdi, 4096
        cmp     rdi, rsi
        jb      .retouch
        mov     [rbx + BALLOON_ACTUAL], r13d
        REPORT_VALUE "actual_after_deflate", r13
.done:  hlt
