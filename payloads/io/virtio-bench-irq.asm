; virtio-bench-irq.asm - virtio-bench.asm, but completion by interrupt instead of polling.
;
; The same workload and driver as virtio-bench.asm, except how it waits for the
; device: instead of spinning on used->idx it halts (`sti; hlt`, handled in KVM)
; until the device's used-buffer interrupt (IOAPIC pin 16, raised by KVM from
; kvmlab's irqfd: docs/io.md "Interrupt completion") wakes it; the handler reads
; InterruptStatus, ACKs it (virtio 1.1 4.2.2) and sends the LAPIC an EOI.
; Extra report: interrupts (handler runs; at most one per batch, at least one: after
; the timed transfer the guest waits for one if none was taken, since a device that
; finishes a batch before the guest sleeps leaves its interrupt pending).
;
; Demonstrates: one doorbell per batch.  Sends `total` bytes (port 0xE0) in
; `chunk`-byte buffers, `batch` single-descriptor chains per notification,
; then waits (polling used->idx) until the device has used them all.  The
; same driver runs whatever answers the doorbell: an exit to kvmlab, an
; ioeventfd, or nobody when the device polls (VIRTQ_USED_F_NO_NOTIFY).
; kvmlab should observe: io.virtio.bytes = total, chains = ceil(total/chunk);
; reports notifies = ceil(chains / batch) (0 with --virtio-notify poll),
; cycles, bytes.

%define KVMLAB_FLAGS KVMLAB_FLAG_IRQCHIP        ; KVM's IOAPIC has pin 16
%include "kvmlab.inc"
%include "io.inc"
%include "idt.inc"
%include "apic.inc"
%include "ioapic.inc"
KVMLAB_HEADER MODE_LONG, "virtio-bench-irq", 4096, "iobench workload over virtio-mmio, completion by interrupt (irqfd)"

%define VEC_VIRTIO       0x44
%define VIRTIO_GSI       16                     ; vmm/abi.h VIRTIO_CONSOLE_GSI
%define VIRTIO_INT_STATUS 0x60
%define VIRTIO_INT_ACK    0x64

%define NUM 128                                 ; queue size; batch <= 64

start:
        IDT_INSTALL
        IRQ_GATE VEC_VIRTIO, on_virtio
        APIC_ENABLE
        mov     edx, IOAPIC_BASE                ; pin 16 -> VEC_VIRTIO, fixed, edge, to APIC ID 0
        mov     dword [rdx], IOAPIC_REDTBL(VIRTIO_GSI) + 1
        mov     dword [rdx + 0x10], 0
        mov     dword [rdx], IOAPIC_REDTBL(VIRTIO_GSI)
        mov     dword [rdx + 0x10], VEC_VIRTIO
        VIRTIO_BENCH_SUBMIT                     ; io.inc: fill and kick each batch
.wait:  cli                                     ; check, then sleep: sti's shadow covers the hlt
        cmp     [VQ_USED + 2], r15w
        je      .batch
        sti
        hlt                                     ; completion by interrupt
        jmp     .wait
.done:  TSC     rdi
        sub     rdi, r9
        REPORT_VALUE "cycles", rdi
        REPORT_VALUE "bytes", r11
        REPORT_VALUE "notifies", r10
.last:  cli                                     ; the device may have finished every batch before
        cmp     qword [rel irqs], 0             ; the guest slept: its interrupt is still coming
        jne     .counted                        ; (latched in IRR, or in flight from the irqfd)
        sti
        hlt
        jmp     .last
.counted:
        mov     rax, [rel irqs]
        REPORT_VALUE "interrupts", rax
        KVMLAB_EXIT 0                           ; hlt would wait in KVM for ever

on_virtio:
        push    rax
        push    rdx
        mov     rdx, GPA_VIRTIO_MMIO
        mov     eax, [rdx + VIRTIO_INT_STATUS]
        mov     [rdx + VIRTIO_INT_ACK], eax
        inc     qword [rel irqs]
        APIC_WRITE APIC_EOI_REG, 0
        pop     rdx
        pop     rax
        iretq

        align   8
irqs:   dq 0
