; hotplug-vhost.asm - disk I/O into memory hotplugged while a vhost-user back-end runs.
;
; Demonstrates: a vhost-user back-end maps guest memory itself, from the table
; SET_MEM_TABLE gave it (vhost-user.rst "Memory regions description"), so
; memory the guest adds after DRIVER_OK must reach that table before the guest
; puts a buffer there, and memory it removes must leave it (docs/io.md,
; "vhost-user", "Memory hotplug").  The guest starts the disk, hotplugs 2 MiB at
; GPA_HOTPLUG, writes a sector from a buffer there, reads it back into another
; buffer there and compares; then unplugs the slot and reads the sector again
; into RAM.  Run it with --vhost-user-blk SOCKET (or --blk FILE: kvmlab's own
; device reads guest memory through its slots and needs no table).
; kvmlab should observe:
;   report "add-status" = 0 (memctl: the back-end took the new table);
;   report PASS "hotplug-io" (the bytes read back into hotplugged memory are the
;   ones written from it), report "remove-status" = 0, report PASS
;   "after-unplug" (the disk still serves a read into RAM), then exit 0.  A
;   request the back-end failed ends the run with FAIL "blk_status"; a device
;   in DEVICE_NEEDS_RESET with FAIL "device_needs_reset".

%include "kvmlab.inc"
%include "mem.inc"
%include "io.inc"
%include "blk.inc"
KVMLAB_HEADER MODE_LONG, "hotplug-vhost", 4096, "hotplugs 2 MiB while a vhost-user back-end runs and does disk I/O into it"

%define SECTOR          512
%define SECTOR_NO       5
%define WBUF            (GPA_HOTPLUG + 0x1000)  ; written from hotplugged memory
%define RBUF            (GPA_HOTPLUG + 0x3000)  ; read back into hotplugged memory
%define RBUF_RAM        (VQ_BUF + 0x1000)       ; after the unplug: read into RAM
%define GOLD            0x9E3779B97F4A7C15

start:
        VIRTIO_PROBE GPA_VIRTIO_BLK, VIRTIO_ID_BLOCK
        VIRTIO_START 8, VQ_DESC, 0, 0
        test    dword [rbx + VIRTIO_STATUS], S_NEEDS_RESET
        jnz     needs_reset
        xor     r15d, r15d                      ; avail->idx

        MEMCTL  MEMCTL_HOTPLUG_ADD, 2
        MEMCTL_STATUS r12d
        REPORT_VALUE "add-status", r12
        test    r12d, r12d
        jnz     .out

        ; the sector: qword j = GOLD * (j + 1), written from hotplugged memory
        mov     rdi, WBUF                       ; above 2 GiB: no 32-bit displacement
        mov     rax, GOLD
        mov     rdx, rax
        xor     ecx, ecx
.fill:  mov     [rdi + rcx * 8], rax
        add     rax, rdx
        inc     ecx
        cmp     ecx, SECTOR / 8
        jb      .fill
        mov     rsi, WBUF
        BLK_RW  BLK_T_OUT, SECTOR_NO, rsi, SECTOR
        test    eax, eax
        jnz     bad_status
        mov     rsi, RBUF
        BLK_RW  BLK_T_IN, SECTOR_NO, rsi, SECTOR
        test    eax, eax
        jnz     bad_status
        mov     rsi, RBUF
        call    compare
        REPORT_PASS "hotplug-io", SECTOR

        MEMCTL  MEMCTL_HOTPLUG_REMOVE, 0
        MEMCTL_STATUS r12d
        REPORT_VALUE "remove-status", r12
        mov     rsi, RBUF_RAM
        BLK_RW  BLK_T_IN, SECTOR_NO, rsi, SECTOR
        test    eax, eax
        jnz     bad_status
        mov     rsi, RBUF_RAM
        call    compare
        REPORT_PASS "after-unplug", SECTOR
.out:   KVMLAB_EXIT 0

; The sector at RSI must be the pattern .fill wrote, or the run fails with the
; index of the first qword that differs.
compare:
        mov     rax, GOLD
        mov     rdx, rax
        xor     ecx, ecx
.next:  cmp     [rsi + rcx * 8], rax
        jne     .differs
        add     rax, rdx
        inc     ecx
        cmp     ecx, SECTOR / 8
        jb      .next
        ret
.differs:
        REPORT_FAIL "sector-differs-at-qword", rcx

needs_reset:
        mov     eax, [rbx + VIRTIO_STATUS]
        REPORT_FAIL "device_needs_reset", rax
bad_status:
        REPORT_FAIL "blk_status", rax
