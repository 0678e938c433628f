; dma-into-rom.asm - a device asked to write the read-only --rom slot.
;
; Demonstrates: KVM_MEM_READONLY holds for device DMA too (docs/memory.md).
; The guest cannot write the --rom slot (a write is an MMIO exit), so it asks
; virtio-blk to: a read request whose data buffer is the ROM's first 512 bytes
; (GPA 0xFFFF0000).  kvmlab refuses a device-writable buffer in a read-only
; slot as it refuses one outside RAM (virtqueue.c, gmem_ptr_writable).
; Run with: --rom --blk FILE (sector 0: any bytes but the ROM's own).
; kvmlab should observe: "before\n"; the request is refused, not completed:
; the device gains DEVICE_NEEDS_RESET (io.virtio error "buffer_address"),
; used->idx stays 0 and the status byte 0xFF; the ROM still reads its fill
; (each word its own GPA: "rom-word" = 0xFFFF0000); HLT.

%include "kvmlab.inc"
%include "hostile.inc"
%include "blk.inc"
KVMLAB_HEADER MODE_LONG, "dma-into-rom", 4096, "asks virtio-blk to read a sector into the read-only ROM slot"

%define ROM_GPA 0xFFFF0000                      ; the --rom default (guest-abi.md, memory map)

start:
        PRINT   `before\n`
        VIRTIO_PROBE GPA_VIRTIO_BLK, VIRTIO_ID_BLOCK
        VIRTIO_START 8, VQ_DESC, 0, 0
        BLK_READ0_SUBMIT ROM_GPA, 512           ; the ROM's first sector's worth
.wait:  test    dword [rbx + VIRTIO_STATUS], S_NEEDS_RESET
        jnz     .answered                       ; refused
        cmp     word [VQ_USED + 2], 1
        je      .answered                       ; completed: the DMA went through
        pause
        jmp     .wait
.answered:
        mov     eax, [rbx + VIRTIO_STATUS]
        REPORT_VALUE "virtio-status", rax
        movzx   eax, word [VQ_USED + 2]
        REPORT_VALUE "used-idx", rax
        movzx   eax, byte [BLK_STATUS]
        REPORT_VALUE "status", rax
        mov     esi, ROM_GPA
        mov     rax, [rsi]                      ; a ROM read is plain memory: no exit
        REPORT_VALUE "rom-word", rax
        hlt
