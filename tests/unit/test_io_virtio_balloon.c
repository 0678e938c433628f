/* test_io_virtio_balloon.c - the balloon's chains without KVM (virtio 1.1 5.5.6):
 * inflate releases the pages (they read zero afterwards), deflate takes them
 * back, and every lie of a driver is refused with its name before anything
 * is released; `actual` meeting the target announces the deflate. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kvmlab.h"
#include "check.h"

#define RAM   (64u << 10)               /* 16 pages */
#define PFNS  0x1000                    /* page 1 holds the PFN buffer */

static struct guest_mem mem;

static struct virtq_chain pfns(const uint32_t *p, uint32_t n_bytes)
{
	struct virtq_chain c = { .nseg = 1, .readable = n_bytes };
	memcpy(mem.hva + PFNS, p, n_bytes);
	c.seg[0] = (struct virtq_seg){ .gpa = PFNS, .len = n_bytes };
	return c;
}

/* A fresh balloon asking for num pages; queue q (0 inflate, 1 deflate) selected. */
static void fresh(struct virtio_dev *d, uint32_t num, int64_t deflate_to, int q)
{
	virtio_free_balloon(d);
	CHECK_EQ(virtio_init_balloon(d, &mem, true, num, deflate_to), 0);
	d->cur_queue = q;
}

static int send(struct virtio_dev *d, const uint32_t *p, uint32_t n_bytes)
{
	struct virtq_chain c = pfns(p, n_bytes);
	uint32_t written = 99;
	int r = d->type->chain(d, &c, &written);
	CHECK_EQ(written, 0);
	return r;
}

static void test_balloon_inflate_deflate(void)
{
	struct virtio_dev *d = calloc(1, sizeof(*d));
	d->balloon.statm_fd = -1;

	fresh(d, 2, 1, 0);
	CHECK_EQ(d->type->device_id, 5);
	CHECK_EQ(virtio_mmio_read(d, 0x100, 4), 2);             /* num_pages */
	memset(mem.hva + 2 * 4096, 0xAB, 4096);
	uint32_t two[] = { 2, 3 };
	CHECK_EQ(send(d, two, 8), 0);
	CHECK_EQ(d->balloon.held, 2);
	CHECK_EQ(d->balloon.released_bytes, 2 * 4096);
	CHECK_EQ(mem.hva[2 * 4096], 0);                         /* MADV_DONTNEED: a zero page now */
	/* actual meets num_pages: the deflate target is announced */
	bool notify;
	virtio_mmio_write(d, 0x104, 4, 2, &notify);
	CHECK_EQ(virtio_mmio_read(d, 0x100, 4), 1);
	CHECK_EQ(virtio_mmio_read(d, 0x104, 4), 2);
	CHECK(d->isr & 2);
	CHECK_EQ(d->generation, 1);
	CHECK_EQ(d->balloon.config_changes, 1);
	d->cur_queue = 1;
	uint32_t one[] = { 3 };
	CHECK_EQ(send(d, one, 4), 0);
	CHECK_EQ(d->balloon.held, 1);
	CHECK_EQ(d->balloon.deflated, 1);
	virtio_mmio_write(d, 0x100, 4, 7, &notify);             /* num_pages is the device's */
	CHECK_EQ(virtio_mmio_read(d, 0x100, 4), 1);
	virtio_free_balloon(d);
	free(d);
}

static void test_balloon_refuses_lies(void)
{
	struct virtio_dev *d = calloc(1, sizeof(*d));
	d->balloon.statm_fd = -1;
	static const struct { uint32_t p[2]; uint32_t bytes; int queue; uint32_t num; int why; uint64_t released; } lie[] = {
		{ { 16, 0 }, 4, 0, 4, BALLOON_OUTSIDE_RAM, 0 },          /* one past RAM */
		{ { 0xFFFFFFFF, 0 }, 4, 0, 4, BALLOON_OUTSIDE_RAM, 0 },  /* no overflow in pfn * 4096 */
		{ { 5, 5 }, 8, 0, 4, BALLOON_DUPLICATE, 4096 },          /* the first copy was released */
		{ { 5, 6 }, 8, 0, 1, BALLOON_EXCESS, 4096 },
		{ { 5, 0 }, 4, 1, 4, BALLOON_NOT_INFLATED, 0 },
		{ { 5, 0 }, 3, 0, 4, BALLOON_LENGTH, 0 },
	};
	for (size_t i = 0; i < sizeof(lie) / sizeof(lie[0]); i++) {
		fresh(d, lie[i].num, -1, lie[i].queue);
		d->error = VQ_OK;
		CHECK_EQ(send(d, lie[i].p, lie[i].bytes), -VQ_ERR_BALLOON_PFN);
		CHECK_EQ(d->balloon.violation, lie[i].why);
		CHECK_EQ(d->balloon.released_bytes, lie[i].released);
		CHECK_EQ(d->error, VQ_ERR_BALLOON_PFN);
		CHECK(strstr(d->error_detail, balloon_violation_name(lie[i].why)) != NULL);
	}
	CHECK(!strcmp(virtq_err_name(VQ_ERR_BALLOON_PFN), "balloon_pfn"));
	CHECK(balloon_violation_name(BALLOON_OK) == NULL);
	/* no --balloon: virtio-mmio's empty slot */
	virtio_free_balloon(d);
	CHECK_EQ(virtio_init_balloon(d, &mem, false, 0, -1), 0);
	CHECK_EQ(virtio_mmio_read(d, 0x008, 4), 0);
	virtio_free_balloon(d);
	free(d);
}

static void test_balloon_check_fit(void)
{
	char err[128];
	struct io_config c = { .balloon = true, .balloon_pages = 17 };

	CHECK_EQ(balloon_check_fit(&c, RAM, err, sizeof(err)), XC_USAGE);      /* more than 16 pages */
	c.balloon_pages = 16;
	CHECK_EQ(balloon_check_fit(&c, RAM, err, sizeof(err)), XC_OK);
	c.balloon_deflate_on = true;
	c.balloon_deflate = 17;
	CHECK_EQ(balloon_check_fit(&c, RAM, err, sizeof(err)), XC_USAGE);      /* a deflate must lower it */
	c = (struct io_config){ .balloon_deflate_on = true };
	CHECK_EQ(balloon_check_fit(&c, RAM, err, sizeof(err)), XC_USAGE);      /* deflate without a balloon */
}

static void setup(void)
{
	mem.hva = mmap(NULL, RAM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mem.size = RAM;
}

static void t_inflate(void) { setup(); test_balloon_inflate_deflate(); munmap(mem.hva, RAM); }
static void t_lies(void)    { setup(); test_balloon_refuses_lies(); munmap(mem.hva, RAM); }

const struct unit_test io_virtio_balloon_tests[] = {
	UNIT(t_inflate),
	UNIT(t_lies),
	UNIT(test_balloon_check_fit),
	{ 0 },
};
