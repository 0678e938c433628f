; report-in-rom.asm - a report record the guest tries to plant in the ROM slot.
;
; Demonstrates: the report channel takes records from RAM only
; (docs/guest-abi.md, "Report records"), even where kvmlab could read the
; bytes.  The guest cannot write the --rom slot (a write is an MMIO exit), so
; it asks virtio-blk to read sector 0 of the disk, which holds a well-formed
; record (the test writes it), into the ROM's first 512 bytes (GPA
; 0xFFFF0000); the device refuses that (a read-only slot, dma-into-rom.asm),
; and the guest hands the report channel that GPA all the same.
; Run with: --rom --blk FILE (sector 0 = a valid struct report_rec).
; kvmlab should observe: "before\n" on the console; the read request is
; refused (DEVICE_NEEDS_RESET, status byte left 0xFF); the OUT to port 0xF0
; ends the run as a guest protocol error (exit code 6) whose detail says the
; record lies in the MMIO window; no report is accepted.

%include "kvmlab.inc"
%include "hostile.inc"
%include "blk.inc"
KVMLAB_HEADER MODE_LONG, "report-in-rom", 4096, "device DMA plants a report record in the ROM slot, then the guest points the report channel at it"

%define ROM_GPA 0xFFFF0000                      ; the --rom default (guest-abi.md, memory map)

start:
        PRINT   `before\n`
        VIRTIO_PROBE GPA_VIRTIO_BLK, VIRTIO_ID_BLOCK
        VIRTIO_START 8, VQ_DESC, 0, 0
        BLK_READ0_SUBMIT ROM_GPA, 512           ; the ROM's first sector's worth
.wait:  test    dword [rbx + VIRTIO_STATUS], S_NEEDS_RESET
        jnz     .answered                       ; refused (or, before the fix, completed:)
        cmp     word [VQ_USED + 2], 1
        jne     .wait
.answered:
        movzx   eax, byte [BLK_STATUS]
        REPORT_VALUE "status", rax
        REPORT_AT ROM_GPA
        PRINT   `not reached\n`
        hlt
