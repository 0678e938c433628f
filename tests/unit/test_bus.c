/*
 * test_bus.c - traps/pio.c and traps/mmio.c: the device tables validate
 * every registration (empty, wrapping, overlapping, full) and find the one
 * device that covers an access.
 */
#include <stdlib.h>

#include "check.h"

static enum action pio_dummy(struct vcpu *v, struct io_req *io, void *opaque)
{
	(void)v; (void)io; (void)opaque;
	return ACT_CONTINUE;
}

static enum action mmio_dummy(struct vcpu *v, struct mmio_req *m, void *opaque)
{
	(void)v; (void)m; (void)opaque;
	return ACT_CONTINUE;
}

static int preg(struct pio_bus *b, uint16_t first, uint16_t count, const char *name)
{
	struct pio_range r = { .first = first, .count = count, .name = name, .handler = pio_dummy };
	char err[200] = "";
	int rc = pio_register(b, &r, err, sizeof(err));

	CHECK(rc == 0 ? err[0] == '\0' : err[0] != '\0');     /* a refusal always says why */
	return rc;
}

static int mreg(struct mmio_bus *b, uint64_t base, uint64_t size, const char *name)
{
	struct mmio_range r = { .base = base, .size = size, .name = name, .handler = mmio_dummy };
	char err[200] = "";
	int rc = mmio_register(b, &r, err, sizeof(err));

	CHECK(rc == 0 ? err[0] == '\0' : err[0] != '\0');
	return rc;
}

static void t_pio_register_rejects_bad_ranges(void)
{
	struct pio_bus b = { 0 };
	char err[200];

	CHECK_EQ(preg(&b, 0x100, 0, "empty"), -1);
	CHECK_EQ(preg(&b, 0xFFFF, 2, "wraps"), -1);
	CHECK_EQ(preg(&b, 0xFFF0, 0xFFFF, "wraps-far"), -1);
	CHECK_EQ(preg(&b, 0xFFFF, 1, "last-port"), 0);          /* ends exactly at 0xFFFF */
	struct pio_range nohandler = { .first = 0x10, .count = 1, .name = "h" };
	CHECK_EQ(pio_register(&b, &nohandler, err, sizeof(err)), -1);
	struct pio_range noname = { .first = 0x10, .count = 1, .handler = pio_dummy };
	CHECK_EQ(pio_register(&b, &noname, err, sizeof(err)), -1);
	CHECK_EQ(b.n, 1);
}

static void t_pio_register_rejects_overlap(void)
{
	struct pio_bus b = { 0 };
	char err[200];

	CHECK_EQ(preg(&b, 0x3F8, 8, "uart"), 0);                /* 0x3F8-0x3FF */
	CHECK_EQ(preg(&b, 0x3F8, 1, "same-start"), -1);
	CHECK_EQ(preg(&b, 0x3FF, 1, "last-port"), -1);
	CHECK_EQ(preg(&b, 0x3F0, 9, "first-port"), -1);         /* 0x3F0-0x3F8 */
	CHECK_EQ(preg(&b, 0x300, 0x200, "covers"), -1);
	CHECK_EQ(preg(&b, 0x3FA, 2, "inside"), -1);
	CHECK_EQ(preg(&b, 0x3F0, 8, "just-below"), 0);          /* 0x3F0-0x3F7 */
	CHECK_EQ(preg(&b, 0x400, 1, "just-above"), 0);
	CHECK_EQ(b.n, 3);
	struct pio_range dup = { .first = 0x3F8, .count = 8, .name = "uart2", .handler = pio_dummy };
	CHECK_EQ(pio_register(&b, &dup, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "overlap uart");
}

static void t_pio_register_full_bus(void)
{
	struct pio_bus b = { 0 };
	char err[200];

	for (int i = 0; i < PIO_RANGES_MAX; i++)
		CHECK_EQ(preg(&b, (uint16_t)(0x1000 + i), 1, "dev"), 0);
	CHECK_EQ(preg(&b, 0x2000, 1, "one-too-many"), -1);
	CHECK_EQ(b.n, PIO_RANGES_MAX);
	struct pio_range r = { .first = 0x2000, .count = 1, .name = "x", .handler = pio_dummy };
	CHECK_EQ(pio_register(&b, &r, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "full");
}

static void t_pio_find_edges(void)
{
	struct pio_bus b = { 0 };

	preg(&b, 0xE9, 1, "console");
	preg(&b, 0x3F8, 8, "uart");
	preg(&b, 0xFFFF, 1, "top");
	CHECK(pio_find(&b, 0xE8) == NULL);
	CHECK_STR(pio_find(&b, 0xE9)->name, "console");
	CHECK(pio_find(&b, 0xEA) == NULL);
	CHECK(pio_find(&b, 0x3F7) == NULL);
	CHECK_STR(pio_find(&b, 0x3F8)->name, "uart");
	CHECK_STR(pio_find(&b, 0x3FF)->name, "uart");
	CHECK(pio_find(&b, 0x400) == NULL);
	CHECK_STR(pio_find(&b, 0xFFFF)->name, "top");
	CHECK(pio_find(&b, 0) == NULL);
}

static void t_machine_ports_are_the_guest_abi(void)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	char err[200];

	/* The machine table registers exactly the ports docs/guest-abi.md lists. */
	CHECK_EQ(machine_setup(vm, err, sizeof(err)), 0);
	CHECK_STR(pio_find(&vm->pio, PORT_CONSOLE)->name, "console");
	CHECK_STR(pio_find(&vm->pio, PORT_REPORT)->name, "report");
	CHECK_STR(pio_find(&vm->pio, PORT_EXIT)->name, "exit");
	CHECK(pio_find(&vm->pio, 0x200) == NULL);
	CHECK_EQ(PORT_CONSOLE, 0xE9);
	CHECK_EQ(PORT_REPORT, 0xF0);
	CHECK_EQ(PORT_EXIT, 0xF4);
	/* Setting the machine up twice would register every port twice: refused. */
	CHECK_EQ(machine_setup(vm, err, sizeof(err)), -1);
	machine_teardown(vm);               /* what machine_setup allocated (traps/devices/iodev.c) */
	free(vm);
}

static void t_mmio_register_rejects_bad_ranges(void)
{
	struct mmio_bus b = { 0 };
	char err[200];

	CHECK_EQ(mreg(&b, 0xD0000000, 0, "empty"), -1);
	CHECK_EQ(mreg(&b, UINT64_MAX, 2, "wraps"), -1);
	CHECK_EQ(mreg(&b, 0xFFFFFFFFFFFFF000ULL, 0x2000, "wraps-page"), -1);
	CHECK_EQ(mreg(&b, UINT64_MAX - 1, 1, "top-byte-but-one"), 0);
	struct mmio_range nohandler = { .base = 0x1000, .size = 1, .name = "h" };
	CHECK_EQ(mmio_register(&b, &nohandler, err, sizeof(err)), -1);
	CHECK_EQ(b.n, 1);
}

static void t_mmio_register_rejects_overlap(void)
{
	struct mmio_bus b = { 0 };

	CHECK_EQ(mreg(&b, 0xD0000000, 0x1000, "dev"), 0);
	CHECK_EQ(mreg(&b, 0xD0000FFF, 1, "last-byte"), -1);
	CHECK_EQ(mreg(&b, 0xCFFFFFFF, 2, "first-byte"), -1);
	CHECK_EQ(mreg(&b, 0xC0000000, 0x40000000, "covers"), -1);
	CHECK_EQ(mreg(&b, 0xD0001000, 0x1000, "next-page"), 0);
	CHECK_EQ(mreg(&b, 0xCFFFF000, 0x1000, "prev-page"), 0);
	CHECK_EQ(b.n, 3);
}

static void t_mmio_register_full_bus(void)
{
	struct mmio_bus b = { 0 };

	for (int i = 0; i < MMIO_RANGES_MAX; i++)
		CHECK_EQ(mreg(&b, 0xD0000000ULL + 0x1000ULL * i, 0x1000, "dev"), 0);
	CHECK_EQ(mreg(&b, 0xE0000000ULL, 0x1000, "one-too-many"), -1);
	CHECK_EQ(b.n, MMIO_RANGES_MAX);
}

static void t_mmio_find_whole_access_inside_one_device(void)
{
	struct mmio_bus b = { 0 };

	mreg(&b, 0xD0000000, 0x100, "dev");
	CHECK_STR(mmio_find(&b, 0xD0000000, 8)->name, "dev");
	CHECK_STR(mmio_find(&b, 0xD00000F8, 8)->name, "dev");   /* the last 8 bytes */
	CHECK_STR(mmio_find(&b, 0xD00000FF, 1)->name, "dev");
	CHECK(mmio_find(&b, 0xD00000F9, 8) == NULL);            /* one byte past the device */
	CHECK(mmio_find(&b, 0xD0000100, 1) == NULL);
	CHECK(mmio_find(&b, 0xCFFFFFFF, 2) == NULL);            /* starts before it */
	CHECK(mmio_find(&b, UINT64_MAX, 8) == NULL);
	CHECK(mmio_find(&b, 0, 1) == NULL);
}

const struct unit_test bus_tests[] = {
	UNIT(t_pio_register_rejects_bad_ranges),
	UNIT(t_pio_register_rejects_overlap),
	UNIT(t_pio_register_full_bus),
	UNIT(t_pio_find_edges),
	UNIT(t_machine_ports_are_the_guest_abi),
	UNIT(t_mmio_register_rejects_bad_ranges),
	UNIT(t_mmio_register_rejects_overlap),
	UNIT(t_mmio_register_full_bus),
	UNIT(t_mmio_find_whole_access_inside_one_device),
	{ 0 },
};
