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
KVMLAB_HEADER MODE_LONG, "report-in-rom", 4096, "device DMA plants a report record in the ROM slot, then the guest points the report channel at it"

%define ROM_GPA 0xFFFF0000                      ; the --rom default (guest-abi.md, memory map)
%define HDR     VQ_BUF                          ; 16-byte virtio-blk request header
%define STATUS  (VQ_BUF + 0x100)                ; status byte

start:
        PRINT   `before\n`
        VIRTIO_PROBE GPA_VIRTIO_BLK, VIRTIO_ID_BLOCK
        VIRTIO_START 8, VQ_DESC, 0, 0
        mov     dword [HDR], 0                  ; VIRTIO_BLK_T_IN (virtio 1.1 5.2.6)
        mov     dword [HDR + 4], 0
        mov     qword [HDR + 8], 0              ; sector 0
        mov     byte [STATUS], 0xFF
        DESC    0, HDR, 16, VIRTQ_DESC_F_NEXT, 1
        DESC    1, ROM_GPA, 512, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2
        DESC    2, STATUS, 1, VIRTQ_DESC_F_WRITE, 0
        mov     word [VQ_AVAIL + 4], 0          ; avail->ring[0] = head 0
        mov     word [VQ_AVAIL + 2], 1
        mfence
        mov     dword [rbx + VIRTIO_QUEUE_NOTIFY], 0
.wait:  test    dword [rbx + VIRTIO_STATUS], S_NEEDS_RESET
        jnz     .answered                       ; refused (or, before the fix, completed:)
        cmp     word [VQ_USED + 2], 1
        jne     .wait
.answered:
        movzx   eax, byte [STATUS]
        REPORT_VALUE "status", rax
        REPORT_AT ROM_GPA
        PRINT   `not reached\n`
        hlt
