/* test_virtio_mmio.c - the virtio-mmio register model and the console,
 * driven the way a driver does (virtio 1.1 3.1.1, 4.2.2), no KVM. */
#include <stdlib.h>
#include <string.h>

#include "kvmlab.h"
#include "check.h"

#define RAM (64u << 10)

static void w(struct virtio_dev *d, uint64_t off, uint32_t val)
{
	bool notify;
	virtio_mmio_write(d, off, 4, val, &notify);
}

static void start(struct virtio_dev *d, uint32_t num)
{
	w(d, 0x70, 0);
	w(d, 0x70, 1);
	w(d, 0x70, 3);
	w(d, 0x24, 1);
	w(d, 0x20, 1);                  /* VIRTIO_F_VERSION_1 */
	w(d, 0x70, 0xB);
	w(d, 0x30, 1);                  /* transmitq0 */
	w(d, 0x38, num);
	w(d, 0x80, 0x1000);
	w(d, 0x90, 0x2000);
	w(d, 0xA0, 0x3000);
	w(d, 0x44, 1);
	w(d, 0x70, 0xF);
}

static void test_virtio_mmio(void)
{
	struct guest_mem mem = { .hva = calloc(1, RAM), .size = RAM };
	struct virtio_dev *d = malloc(sizeof(*d));
	bool notify;

	virtio_init(d, &mem, false, NULL);
	CHECK_EQ(virtio_mmio_read(d, 0x000, 4), 0x74726976);  /* "virt" */
	CHECK_EQ(virtio_mmio_read(d, 0x004, 4), 2);
	CHECK_EQ(virtio_mmio_read(d, 0x008, 4), 3);           /* console */
	CHECK_EQ(virtio_mmio_read(d, 0x002, 2), 0);           /* 16-bit register read: ignored */
	CHECK_EQ(virtio_mmio_read(d, 0x100, 2), 80);          /* config: cols */
	w(d, 0x14, 1);
	CHECK_EQ(virtio_mmio_read(d, 0x010, 4), 1);           /* VERSION_1 offered */

	/* FEATURES_OK refused without VERSION_1. */
	w(d, 0x70, 3);
	w(d, 0x70, 0xB);
	CHECK_EQ(virtio_mmio_read(d, 0x070, 4), 3);

	start(d, 8);
	CHECK_EQ(virtio_mmio_read(d, 0x070, 4), 0xF);
	CHECK_EQ(virtio_mmio_read(d, 0x044, 4), 1);
	/* One chain: "ok\n" */
	memcpy(mem.hva + 0x8000, "ok\n", 3);
	uint64_t addr = 0x8000; uint32_t len = 3;
	memcpy(mem.hva + 0x1000, &addr, 8);
	memcpy(mem.hva + 0x1008, &len, 4);
	uint16_t one = 1;
	memcpy(mem.hva + 0x2002, &one, 2);
	virtio_mmio_write(d, 0x50, 4, 1, &notify);
	CHECK(notify);
	CHECK_EQ(virtio_process(d), 1);
	CHECK_EQ(d->out_len, 3);
	CHECK(!memcmp(d->out, "ok\n", 3));
	CHECK_EQ(virtio_mmio_read(d, 0x060, 4), 1);           /* used buffer interrupt */
	w(d, 0x64, 1);
	CHECK_EQ(virtio_mmio_read(d, 0x060, 4), 0);

	/* A bad queue size: NEEDS_RESET, recorded, cleared by a reset. */
	virtio_init(d, &mem, false, NULL);
	start(d, 3);
	CHECK_EQ(virtio_mmio_read(d, 0x070, 4), 0x4F);
	CHECK_EQ(d->error, VQ_ERR_NUM);
	CHECK_EQ(virtio_mmio_read(d, 0x044, 4), 0);
	w(d, 0x70, 0);
	CHECK_EQ(virtio_mmio_read(d, 0x070, 4), 0);
	CHECK_EQ(d->error, VQ_ERR_NUM);                      /* the run keeps the record */

	/* A broken device processes nothing until reset. */
	virtio_init(d, &mem, false, NULL);
	start(d, 8);
	memset(mem.hva + 0x2000, 0, 0x2000);
	uint16_t idx = 100;                                   /* 100 pending in a queue of 8 */
	memcpy(mem.hva + 0x2002, &idx, 2);
	CHECK_EQ(virtio_process(d), 0);
	CHECK_EQ(d->error, VQ_ERR_AVAIL_IDX);
	idx = 1;
	memcpy(mem.hva + 0x2002, &idx, 2);
	CHECK_EQ(virtio_process(d), 0);                       /* still broken */

	/* Poll mode tells the driver not to ring. */
	virtio_init(d, &mem, true, NULL);
	memset(mem.hva, 0, RAM);
	start(d, 8);
	uint16_t flags;
	memcpy(&flags, mem.hva + 0x3000, 2);
	CHECK_EQ(flags, 1);
	free(d);
	free(mem.hva);
}

const struct unit_test io_virtio_mmio_tests[] = {
	UNIT(test_virtio_mmio),
	{ 0 },
};
