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
	/* 0xF8: memory lab requests: stat marks, dirty rounds, hotplug (vmm/memctl.c). */
	{ .first = PORT_MEMCTL,  .count = 1, .name = "memctl",  .handler = memctl_io },
};

int machine_setup(struct vm *vm, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(machine_ports) / sizeof(machine_ports[0]); i++)
		if (pio_register(&vm->pio, &machine_ports[i], err, errlen) != 0)
			return -1;
	return 0;
}
