/*
 * test_bus.c - traps/pio.c and traps/mmio.c: the device tables validate
 * every registration (empty, wrapping, overlapping, full) and find the one
 * device that covers an access.
 */
#include <stdlib.h>
#include <string.h>

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

/* Both buses refuse a second claim on a range, wherever it overlaps, with the same words. */
static void t_buses_share_one_range_check(void)
{
	struct pio_bus pb = { 0 };
	struct mmio_bus mb = { 0 };
	char err[200];

	CHECK_EQ(preg(&pb, 0x3F8, 8, "com1"), 0);
	struct pio_range p = { .first = 0x3F8, .count = 8, .name = "com1-again", .handler = pio_dummy };
	CHECK_EQ(pio_register(&pb, &p, err, sizeof(err)), -1);          /* a duplicate is an overlap */
	CHECK_CONTAINS(err, "pio_register com1-again: ports 0x3f8-0x3ff overlap com1");
	CHECK_EQ(mreg(&mb, 0xC0000000, 0x200, "virtio"), 0);
	struct mmio_range m = { .base = 0xC0000000, .size = 0x200, .name = "virtio-again", .handler = mmio_dummy };
	CHECK_EQ(mmio_register(&mb, &m, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "mmio_register virtio-again: GPAs 0xc0000000-0xc00001ff overlap virtio");
	struct mmio_range noname = { .base = 0xD0000000, .size = 1, .handler = mmio_dummy };
	CHECK_EQ(mmio_register(&mb, &noname, err, sizeof(err)), -1);    /* as pio_register refuses */
	CHECK_CONTAINS(err, "missing handler");
	CHECK_EQ(pb.n, 1);
	CHECK_EQ(mb.n, 1);
}

/* Every row of the machine table is on its bus with its own instance. */
static void t_machine_rows_carry_their_instances(void)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	char err[200];
	size_t n;
	const struct machine_row *rows = machine_rows(&n);

	CHECK_EQ(machine_setup(vm, err, sizeof(err)), 0);
	CHECK(pio_find(&vm->pio, PORT_CONSOLE)->opaque == &vm->con);
	CHECK(pio_find(&vm->pio, PORT_REPORT)->opaque == &vm->mem);
	CHECK(pio_find(&vm->pio, PORT_COM1 + 7)->opaque == &vm->io->com1);
	CHECK(pio_find(&vm->pio, PORT_IOPARAM)->opaque == &vm->io->ioparam);
	CHECK(pio_find(&vm->pio, PORT_BENCH_DOORBELL)->opaque == &vm->bench);
	CHECK(mmio_find(&vm->mmio, GPA_VIRTIO_MMIO, 4)->opaque == &vm->io->virtio);
	CHECK(mmio_find(&vm->mmio, GPA_VIRTIO_BLK, 4)->opaque == &vm->io->blk);
	CHECK(mmio_find(&vm->mmio, GPA_SINK, 8)->opaque == &vm->io->sink);
	CHECK(mmio_find(&vm->mmio, GPA_VIRTIO_MMIO, 4)->handler == mmio_find(&vm->mmio, GPA_VIRTIO_BLK, 4)->handler);
	int npio = 0, nmmio = 0;
	for (size_t i = 0; i < n; i++) {
		if (rows[i].path == KPATH_IRQCHIP) {
			/* KVM is that device (vmm/core/irqchip.c): nothing of kvmlab's is on the bus there. */
			if (rows[i].bus == BUS_PIO)
				CHECK(pio_find(&vm->pio, (uint16_t)rows[i].base) == NULL);
			else if (rows[i].bus == BUS_MMIO)
				CHECK(mmio_find(&vm->mmio, rows[i].base, 1) == NULL);
		} else if (rows[i].bus == BUS_PIO) {
			npio++;
			CHECK_STR(pio_find(&vm->pio, (uint16_t)rows[i].base)->name, rows[i].name);
		} else if (rows[i].bus == BUS_MMIO) {
			nmmio++;
			CHECK_STR(mmio_find(&vm->mmio, rows[i].base, 1)->name, rows[i].name);
		}
	}
	CHECK_EQ(vm->pio.n, npio);
	CHECK_EQ(vm->mmio.n, nmmio);
	/* Without KVM no in-kernel path is set up: every access is an exit. */
	CHECK(!vm->io->virtio.kick.on && !vm->io->sink.zone.on && !vm->bench.doorbell.on);
	CHECK_EQ(vm->coalesced_zones, 0);
	machine_teardown(vm);
	free(vm);
}

/* The in-kernel paths are declared in rows, each naming when it is set up. */
static void t_machine_rows_declare_their_paths(void)
{
	size_t n;
	const struct machine_row *rows = machine_rows(&n);
	int doorbells = 0, zones = 0, msrs = 0;

	for (size_t i = 0; i < n; i++) {
		const struct machine_row *r = &rows[i];
		CHECK(r->path == KPATH_NONE || r->when != WHEN_NEVER);
		CHECK(r->path_off + r->path_len <= r->size);
		doorbells += r->path == KPATH_IOEVENTFD;
		zones += r->path == KPATH_COALESCED;
		msrs += r->path == KPATH_MSR_FILTER ? (int)r->size : 0;
		if (!strcmp(r->name, "virtio-mmio"))
			CHECK_EQ(r->when, WHEN_NOTIFY_IOEVENTFD);
		if (!strcmp(r->name, "sink"))
			CHECK_EQ(r->when, WHEN_COALESCED_MMIO);
		if (!strcmp(r->name, "virtio-blk"))
			CHECK_EQ(r->when, WHEN_VHOST_USER);
		if (!strcmp(r->name, "virtio-net"))
			CHECK_EQ(r->when, WHEN_NET_IOEVENTFD);
	}
	/* the bench doorbells (port, MMIO), the virtio console's QueueNotify, virtio-blk's vhost-user kick,
	 * virtio-net's QueueNotify */
	CHECK_EQ(doorbells, 5);
	CHECK_EQ(zones, 2);                     /* the bench zone, the sink */
	CHECK_EQ(msrs, 2);                      /* MSR_KVMLAB_SCRATCH, MSR_KVMLAB_EXITS */
	CHECK_STR(machine_path_name(KPATH_COALESCED), "coalesced");
	CHECK_STR(machine_when_name(WHEN_COALESCED_MMIO), "with --coalesced-mmio");
	CHECK_STR(machine_when_name(99), "unknown");
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
	UNIT(t_buses_share_one_range_check),
	UNIT(t_machine_rows_carry_their_instances),
	UNIT(t_machine_rows_declare_their_paths),
	{ 0 },
};
