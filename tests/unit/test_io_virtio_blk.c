/* test_virtio_blk.c - virtio-blk requests against a memfd disk (virtio 1.1 5.2.6):
 * good reads and writes, a request past the end, framing the device must not
 * assume, and requests without a header or a status byte. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvmlab.h"
#include "check.h"

#define RAM    (64u << 10)
#define HDR    0x8000
#define DATA   0x9000
#define STATUS 0x8100

static struct guest_mem mem;

static struct virtq_chain chain3(uint32_t data_len, bool data_write)
{
	struct virtq_chain c = { .nseg = 3 };
	c.seg[0] = (struct virtq_seg){ .gpa = HDR, .len = 16 };
	c.seg[1] = (struct virtq_seg){ .gpa = DATA, .len = data_len, .write = data_write };
	c.seg[2] = (struct virtq_seg){ .gpa = STATUS, .len = 1, .write = true };
	c.readable = 16 + (data_write ? 0 : data_len);
	c.writable = 1 + (data_write ? data_len : 0);
	return c;
}

static void header(uint32_t type, uint64_t sector)
{
	memcpy(mem.hva + HDR, &type, 4);
	memset(mem.hva + HDR + 4, 0, 4);
	memcpy(mem.hva + HDR + 8, &sector, 8);
	mem.hva[STATUS] = 0xEE;
}

static void test_virtio_blk(void)
{
	struct virtio_dev *d = malloc(sizeof(*d));
	int fd = memfd_create("disk", 0);
	uint32_t written;

	mem.hva = calloc(1, RAM);
	mem.size = RAM;
	CHECK(fd >= 0 && ftruncate(fd, 8 * 512) == 0);
	virtio_init_blk(d, &mem, fd, 8);
	CHECK_EQ(d->type->device_id, 2);
	CHECK_EQ(virtio_mmio_read(d, 0x100, 4), 8);             /* capacity, low half */

	/* write sector 7 (the last), read it back */
	struct virtq_chain c = chain3(512, false);
	memcpy(mem.hva + DATA, "last sector", 11);
	header(1, 7);
	CHECK_EQ(d->type->chain(d, &c, &written), 0);
	CHECK_EQ(mem.hva[STATUS], 0);
	CHECK_EQ(written, 1);
	memset(mem.hva + DATA, 0, 512);
	c = chain3(512, true);
	header(0, 7);
	CHECK_EQ(d->type->chain(d, &c, &written), 0);
	CHECK_EQ(mem.hva[STATUS], 0);
	CHECK_EQ(written, 513);
	CHECK(!memcmp(mem.hva + DATA, "last sector", 11));
	/* past the end, and straddling it: IOERR, nothing transferred */
	header(0, 8);
	CHECK_EQ(d->type->chain(d, &c, &written), 0);
	CHECK_EQ(mem.hva[STATUS], 1);
	c = chain3(1024, true);
	header(0, 7);
	CHECK_EQ(d->type->chain(d, &c, &written), 0);
	CHECK_EQ(mem.hva[STATUS], 1);
	header(0, 0xFFFFFFFFFFFFFFFFull);                     /* sector + n would wrap */
	CHECK_EQ(d->type->chain(d, &c, &written), 0);
	CHECK_EQ(mem.hva[STATUS], 1);
	/* not a whole sector */
	c = chain3(100, true);
	header(0, 0);
	CHECK_EQ(d->type->chain(d, &c, &written), 0);
	CHECK_EQ(mem.hva[STATUS], 1);
	/* unknown type */
	c = chain3(512, true);
	header(99, 0);
	CHECK_EQ(d->type->chain(d, &c, &written), 0);
	CHECK_EQ(mem.hva[STATUS], 2);
	CHECK_EQ(d->blk.ioerr, 4);
	CHECK_EQ(d->blk.unsupported, 1);
	/* framing is the driver's choice: header and data in one readable descriptor */
	struct virtq_chain one = { .nseg = 2, .readable = 16 + 512, .writable = 1 };
	one.seg[0] = (struct virtq_seg){ .gpa = HDR, .len = 16 + 512 };
	one.seg[1] = (struct virtq_seg){ .gpa = STATUS, .len = 1, .write = true };
	header(1, 2);
	memcpy(mem.hva + HDR + 16, "framed", 6);
	CHECK_EQ(d->type->chain(d, &one, &written), 0);
	CHECK_EQ(mem.hva[STATUS], 0);
	char back[6];
	CHECK_EQ(pread(fd, back, 6, 2 * 512), 6);
	CHECK(!memcmp(back, "framed", 6));
	/* no status byte, or no header: the request cannot even be answered */
	struct virtq_chain bad = { .nseg = 1, .readable = 16 };
	bad.seg[0] = (struct virtq_seg){ .gpa = HDR, .len = 16 };
	CHECK_EQ(d->type->chain(d, &bad, &written), -VQ_ERR_REQUEST);
	bad = (struct virtq_chain){ .nseg = 1, .writable = 1 };
	bad.seg[0] = (struct virtq_seg){ .gpa = STATUS, .len = 1, .write = true };
	CHECK_EQ(d->type->chain(d, &bad, &written), -VQ_ERR_REQUEST);
	CHECK(!strcmp(virtq_err_name(VQ_ERR_REQUEST), "request_format"));
	/* no disk: virtio-mmio's empty slot */
	virtio_init_blk(d, &mem, -1, 0);
	CHECK_EQ(virtio_mmio_read(d, 0x008, 4), 0);
	CHECK_EQ(virtio_mmio_read(d, 0x034, 4), 0);             /* no queues */
	close(fd);
	free(d);
	free(mem.hva);
}

const struct unit_test io_virtio_blk_tests[] = {
	UNIT(test_virtio_blk),
	{ 0 },
};
