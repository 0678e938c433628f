; unplug-during-virtio.asm - the guest takes memory away while the device reads it.
;
; Demonstrates: a memory-slot removal racing a reader of guest memory
; (docs/memory.md, "Who may hold a pointer into guest memory").  vCPU 0 asks
; for 2 MiB of hotplug RAM at 0x80000000 and queues CHAINS chains on the
; virtio console, each one 1 MiB buffer inside that slot (never written: the
; bytes are zeros).  Then the doorbell rings and the slot is removed at once:
;   one vCPU:      vCPU 0 rings (unless the device polls) and unplugs.  With
;                  --virtio-notify ioeventfd|poll the I/O thread is reading the
;                  buffers while the unplug runs on the vCPU thread.
;   --vcpus 2+:    vCPU 1 rings (any notify mode), vCPU 0 unplugs as soon as
;                  vCPU 1 says it is ringing.  Other vCPUs halt at once.
; kvmlab should observe: no crash; remove-status = 0; each chain either wholly
; consumed (1 MiB counted) or refused (the device sets NEEDS_RESET with
; error buffer_address), so virtio.bytes = chains x 1 MiB = used_idx x 1 MiB;
; vCPU 0 waits for that before it reports used_idx; every vCPU halts.

%include "kvmlab.inc"
KVMLAB_HEADER MODE_LONG, "unplug-during-virtio", 4096, "hotplug RAM holds virtio buffers; the doorbell rings and the slot is removed at once"

%define CHAINS  64
%define BUF_LEN 0x100000                ; 1 MiB: VIRTQ_CHAIN_BYTES_MAX

start:
        cmp     edi, 1
        je      ringer
        ja      .halt                   ; vCPUs 2..N-1 take no part
        MEMCTL  MEMCTL_HOTPLUG_ADD, 2
        MEMCTL_STATUS r12d
        test    r12d, r12d
        jz      .added
        REPORT_FAIL "add-status", r12
.added: VIRTIO_PROBE
        VIRTIO_START CHAINS
        mov     edx, GPA_HOTPLUG        ; zero-extended (an imm32 to a qword would sign-extend)
        xor     ecx, ecx
.desc:  mov     rax, rcx
        shl     rax, 4                  ; 16 bytes a descriptor
        mov     [VQ_DESC + rax], rdx
        mov     dword [VQ_DESC + rax + 8], BUF_LEN
        mov     dword [VQ_DESC + rax + 12], 0   ; flags 0, next 0: one buffer a chain
        mov     [VQ_AVAIL + 4 + rcx * 2], cx    ; avail->ring[i] = head i
        inc     ecx
        cmp     ecx, CHAINS
        jb      .desc
        mov     word [VQ_AVAIL + 2], CHAINS     ; published
        test    esi, esi
        jnz     .smp
        VIRTIO_KICK                     ; one vCPU: ring (not when the device polls)
        jmp     .unplug
.smp:   mov     dword [rel ready], 1    ; vCPU 1 may ring now
.wait:  cmp     dword [rel ringing], 0
        je      .wait
.unplug:
        MEMCTL  MEMCTL_HOTPLUG_REMOVE, 0
        MEMCTL_STATUS r12d
        REPORT_VALUE "remove-status", r12
        mov     rbx, GPA_VIRTIO_MMIO
.settle:                                ; the device finishes or refuses: no report before that
        test    dword [rbx + VIRTIO_STATUS], S_NEEDS_RESET
        jnz     .settled
        cmp     word [VQ_USED + 2], CHAINS
        je      .settled
        pause
        jmp     .settle
.settled:
        movzx   eax, word [VQ_USED + 2]
        REPORT_VALUE "used_idx", rax
.halt:  hlt

ringer:                                 ; vCPU 1
        cmp     dword [rel ready], 0
        je      ringer
        mov     rbx, GPA_VIRTIO_MMIO
        mov     dword [rel ringing], 1
        mov     dword [rbx + VIRTIO_QUEUE_NOTIFY], VIRTQ_TX     ; exit mode: processed on this thread
        hlt

        align   4
ready:   dd     0
ringing: dd     0
