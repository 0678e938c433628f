/*
 * machine.c - the kvmlab machine: every device and where it lives.
 *
 * This table is the machine's documentation (docs/guest-abi.md).  Adding a
 * device means adding a row; registration rejects overlaps and bad ranges.
 */
#include "kvmlab.h"

static const struct pio_range machine_ports[] = {
	/* 0xE9: Bochs/QEMU debug console: OUT bytes appear on stdout. */
	{ .first = PORT_CONSOLE, .count = 1, .name = "console", .handler = console_io },
	/* 0xF0: report channel: OUT dword = GPA of a struct report_rec. */
	{ .first = PORT_REPORT,  .count = 1, .name = "report",  .handler = report_io },
	/* 0xF4: QEMU isa-debug-exit convention: OUT ends the run with a status. */
	{ .first = PORT_EXIT,    .count = 1, .name = "exit",    .handler = exitport_io },
	/* 0xE0-0xE7: workload parameters for I/O payloads (traps/devices/ioparam.c). */
	{ .first = PORT_IOPARAM, .count = PORT_IOPARAM_COUNT, .name = "ioparam", .handler = ioparam_io },
	/* 0x3F8-0x3FF: COM1, a 16550 UART (traps/devices/uart16550.c). */
	{ .first = PORT_COM1,    .count = PORT_COM1_COUNT, .name = "uart16550", .handler = uart_io },
	/* 0xF8: memory lab requests: stat marks, dirty rounds, hotplug (traps/devices/memctl.c). */
	{ .first = PORT_MEMCTL,  .count = 1, .name = "memctl",  .handler = memctl_io },
	/* 0xEC-0xED: bench parameters (iterations, samples): IN dword. */
	{ .first = PORT_BENCH_ITERS, .count = 2, .name = "bench-params", .handler = benchdev_param_io },
	/* 0xEE: bench scratch register: OUT stores, IN returns it. */
	{ .first = PORT_BENCH_SCRATCH, .count = 1, .name = "bench-scratch", .handler = benchdev_scratch_io },
	/* 0xEF: bench doorbell: an ioeventfd in KVM; reaches here only without one. */
	{ .first = PORT_BENCH_DOORBELL, .count = 1, .name = "bench-doorbell", .handler = benchdev_scratch_io },
};

static const struct mmio_range machine_mmio[] = {
	/* 0xF0000000: bench MMIO register: every access exits to kvmlab. */
	{ .base = GPA_BENCH_MMIO, .size = BENCH_MMIO_SIZE, .name = "bench-mmio", .handler = benchdev_mmio },
	/* 0xF0001000: bench coalesced zone: writes queue in KVM's ring, no exit. */
	{ .base = GPA_BENCH_COALESCED, .size = BENCH_MMIO_SIZE, .name = "bench-coalesced", .handler = benchdev_mmio },
	/* 0xF0002000: bench MMIO doorbell: an ioeventfd in KVM; reaches here only without one. */
	{ .base = GPA_BENCH_DOORBELL, .size = BENCH_MMIO_SIZE, .name = "bench-mmio-doorbell", .handler = benchdev_mmio },
	/* 0xC0000000: virtio-mmio v2 console (traps/devices/virtio_mmio.c, virtio_console.c). */
	{ .base = GPA_VIRTIO_MMIO, .size = VIRTIO_MMIO_SIZE, .name = "virtio-mmio", .handler = virtio_mmio_io },
	/* 0xC0000200: virtio-mmio block device on --blk FILE; device id 0 without (traps/devices/virtio_blk.c). */
	{ .base = GPA_VIRTIO_BLK, .size = VIRTIO_MMIO_SIZE, .name = "virtio-blk", .handler = virtio_blk_mmio_io },
	/* 0xC0001000: write-only sink, coalesced MMIO with --coalesced-mmio (traps/devices/sink.c). */
	{ .base = GPA_SINK, .size = SINK_SIZE, .name = "sink", .handler = sink_mmio },
};

int machine_setup(struct vm *vm, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(machine_ports) / sizeof(machine_ports[0]); i++)
		if (pio_register(&vm->pio, &machine_ports[i], err, errlen) != 0)
			return -1;
	for (size_t i = 0; i < sizeof(machine_mmio) / sizeof(machine_mmio[0]); i++)
		if (mmio_register(&vm->mmio, &machine_mmio[i], err, errlen) != 0)
			return -1;
	if (iodev_setup(vm, err, errlen) != 0)
		return -1;
	benchdev_setup(vm);
	return 0;
}

void machine_teardown(struct vm *vm)
{
	iodev_stop(vm);                 /* the I/O thread reads guest RAM: stop it first */
	benchdev_teardown(vm);
}
