; virtio-irq.asm - a virtio-mmio driver that waits for the device's interrupt instead of polling.
;
; Demonstrates: interrupt completion (virtio 1.1 2.7.14 "Receiving Used Buffers
; From The Device", 4.2.2 InterruptStatus/InterruptACK).  The guest routes IOAPIC
; pin 16 (VIRTIO_CONSOLE_GSI) to vector VEC_VIRTIO with a redirection entry
; (82093AA datasheet 3.2.4: IOREDTBL16 at IOAPIC registers 0x30/0x31), sends one
; chain "virtio irq\n", then waits with `sti; hlt`.  kvmlab signals an eventfd
; that KVM turns into the pin (KVM_IRQFD: no ioctl, no exit); the handler reads
; InterruptStatus, writes it back to InterruptACK and sends the LAPIC an EOI.
; kvmlab should observe: output "virtio irq\n", io.virtio.interrupts = 1, and the
; reports virtio.interrupts = 1, virtio.isr = 1 (used buffer), used_idx = 1, then
; exit status 0.  With --irqchip split the pin is kvmlab's own IOAPIC's, which sends
; the entry's MSI: the same reports.  With --irqchip none nothing raises the pin: the
; hlt exits to kvmlab and ends the run before any report.

%define KVMLAB_FLAGS KVMLAB_FLAG_IRQCHIP        ; KVM's IOAPIC has pin 16
%include "kvmlab.inc"
%include "io.inc"
%include "idt.inc"
%include "apic.inc"
%include "ioapic.inc"
KVMLAB_HEADER MODE_LONG, "virtio-irq", 4096, "virtio-mmio console: interrupt completion through IOAPIC pin 16 (irqfd)"

%define VEC_VIRTIO       0x44
%define VIRTIO_GSI       16                     ; vmm/abi.h VIRTIO_CONSOLE_GSI
%define VIRTIO_INT_STATUS 0x60                  ; virtio-mmio register offsets (4.2.2)
%define VIRTIO_INT_ACK    0x64

start:
        IDT_INSTALL
        IRQ_GATE VEC_VIRTIO, on_virtio
        APIC_ENABLE
        mov     edx, IOAPIC_BASE                ; entry 16: fixed, physical, edge, active high, unmasked
        mov     dword [rdx], IOAPIC_REDTBL(VIRTIO_GSI) + 1
        mov     dword [rdx + 0x10], 0           ; destination APIC ID 0 (bits 63:56)
        mov     dword [rdx], IOAPIC_REDTBL(VIRTIO_GSI)
        mov     dword [rdx + 0x10], VEC_VIRTIO
        VIRTIO_PROBE
        VIRTIO_START 8
        mov     qword [VQ_DESC + 0], msg
        mov     dword [VQ_DESC + 8], msg_len
        mov     word  [VQ_DESC + 12], 0
        mov     word  [VQ_AVAIL + 4], 0
        mov     word  [VQ_AVAIL + 2], 1
        VIRTIO_KICK
.wait:  sti
        hlt                                     ; the device's interrupt wakes it
        cli
        cmp     qword [rel irqs], 0
        je      .wait
        mov     rax, [rel irqs]
        REPORT_VALUE "virtio.interrupts", rax
        mov     eax, [rel isr_seen]
        REPORT_VALUE "virtio.isr", rax
        movzx   eax, word [VQ_USED + 2]
        REPORT_VALUE "used_idx", rax
        KVMLAB_EXIT 0

on_virtio:
        push    rax
        push    rdx
        mov     rdx, GPA_VIRTIO_MMIO
        mov     eax, [rdx + VIRTIO_INT_STATUS]
        mov     [rel isr_seen], eax
        mov     [rdx + VIRTIO_INT_ACK], eax     ; 4.2.3.4: acknowledge what was seen
        inc     qword [rel irqs]
        APIC_WRITE APIC_EOI_REG, 0
        pop     rdx
        pop     rax
        iretq

        align   8
irqs:     dq 0
isr_seen: dd 0
msg:      db `virtio irq\n`
msg_len equ $ - msg
