/*
 * virtio_balloon.c - a memory balloon (device id 5, virtio 1.1 section 5.5)
 * behind the virtio-mmio transport.
 *
 * The host writes how many 4 KiB pages it wants back into the configuration
 * field num_pages (5.5.4); the driver "inflates" by handing page frame
 * numbers over on inflateq (queue 0), each buffer an array of le32 PFNs
 * (5.5.6), and reports its total in `actual`.  The device gives each page's
 * host memory back to the kernel (gmem_discard: MADV_DONTNEED), so the VM's
 * resident set shrinks while its configured RAM stays the same: that gap is
 * memory overcommit.  Lowering num_pages asks for a deflate: the driver
 * names PFNs on deflateq (queue 1) and may use those pages again (without
 * VIRTIO_BALLOON_F_MUST_TELL_HOST, which kvmlab does not offer, it may even
 * touch them first, 5.5.6.1); they fault back in as zero pages.
 *
 * Every PFN comes from the guest.  kvmlab refuses, with a device error
 * (DEVICE_NEEDS_RESET) and io.balloon.violation naming why: a PFN outside
 * RAM slot 0, one in the ROM, a page already in the balloon, more pages than
 * asked for, a deflate of a page not in the balloon, a buffer that is not
 * whole PFNs.  The bitmap of ballooned pages is what makes "duplicate" and
 * "not inflated" checkable.  Runs with the slot lock held (virtio_process):
 * no pointer outlives the chain.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_balloon.h>
#include <linux/virtio_ids.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvmlab.h"

#define BALLOON_PAGE       (1ULL << VIRTIO_BALLOON_PFN_SHIFT)  /* 4096: the unit of a PFN (5.5.6) */
#define BALLOON_INFLATEQ   0
#define BALLOON_DEFLATEQ   1
#define BALLOON_NQUEUES    2            /* without VIRTIO_BALLOON_F_STATS_VQ (5.5.2) */
#define BALLOON_CFG_NUM    0            /* struct virtio_balloon_config.num_pages (5.5.4) */
#define BALLOON_CFG_ACTUAL 4            /* .actual: the only field the driver writes */
#define VIRTIO_ISR_CONFIG  2u           /* configuration change notification (4.2.2) */
enum { RSS_BEFORE, RSS_INFLATED, RSS_DEFLATED };

static const char *const violation_names[BALLOON_VIOLATION_COUNT] = {
	[BALLOON_OK] = NULL,
	[BALLOON_OUTSIDE_RAM] = "outside_ram",
	[BALLOON_ROM] = "rom",
	[BALLOON_DUPLICATE] = "duplicate",
	[BALLOON_EXCESS] = "excess",
	[BALLOON_NOT_INFLATED] = "not_inflated",
	[BALLOON_LENGTH] = "length",
	[BALLOON_RELEASE] = "release",
};

const char *balloon_violation_name(int v)
{
	return v > 0 && v < BALLOON_VIOLATION_COUNT ? violation_names[v] : NULL;
}

/* Resident bytes of this process: the second field of /proc/self/statm (proc(5)), or -1.
 * The file was opened before the run (a --sandbox'ed vCPU thread may not open files). */
static int64_t rss_self(int fd)
{
	char buf[128];

	if (fd < 0)
		return -1;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	unsigned long long size, resident;
	if (sscanf(buf, "%llu %llu", &size, &resident) != 2)
		return -1;
	return (int64_t)(resident * (unsigned long long)sysconf(_SC_PAGESIZE));
}

/* Samples both resident figures at moment k, once. */
static void sample(struct virtio_dev *d, int k)
{
	struct vballoon *b = &d->balloon;

	if (b->rss[k] >= 0)
		return;
	b->rss[k] = rss_self(b->statm_fd);
	b->ram_resident[k] = gmem_resident(d->mem, 0, b->map_pages * BALLOON_PAGE);
}

static void config_sync(struct virtio_dev *d)
{
	memcpy(d->config + BALLOON_CFG_NUM, &d->balloon.num_pages, 4);     /* little-endian host (x86) */
	memcpy(d->config + BALLOON_CFG_ACTUAL, &d->balloon.actual, 4);
}

/* Records the first violation with its PFN; the transport then fails the device. */
static int refuse(struct virtio_dev *d, int why, uint64_t pfn)
{
	struct vballoon *b = &d->balloon;

	if (b->violation == BALLOON_OK) {
		b->violation = why;
		b->violation_pfn = pfn;
	}
	if (d->error == VQ_OK) {
		d->error = VQ_ERR_BALLOON_PFN;
		if (why == BALLOON_LENGTH)
			snprintf(d->error_detail, sizeof(d->error_detail), "%s: a buffer of %llu bytes: %s "
				 "(not whole device-readable le32 PFNs)", d->type->qnames[d->cur_queue],
				 (unsigned long long)pfn, violation_names[why]);
		else
			snprintf(d->error_detail, sizeof(d->error_detail), "%s: PFN 0x%llx: %s",
				 d->type->qnames[d->cur_queue], (unsigned long long)pfn, violation_names[why]);
	}
	return -VQ_ERR_BALLOON_PFN;
}

static bool map_test(const struct vballoon *b, uint64_t pfn)
{
	return b->map[pfn / 8] & (1u << (pfn % 8));
}

static void map_flip(struct vballoon *b, uint64_t pfn)
{
	b->map[pfn / 8] ^= (uint8_t)(1u << (pfn % 8));
}

/* Why pfn may not go into the balloon (or come out of it), or BALLOON_OK. */
static int pfn_check(const struct virtio_dev *d, uint64_t pfn, bool inflate)
{
	const struct vballoon *b = &d->balloon;

	if (pfn >= b->map_pages) {
		uint64_t gpa = pfn * BALLOON_PAGE;      /* pfn < 2^32: no overflow */
		const struct mem_slot *s = d->mem->nslots ? memslots_find(d->mem, gpa) : NULL;
		return s && (s->flags & KVM_MEM_READONLY) ? BALLOON_ROM : BALLOON_OUTSIDE_RAM;
	}
	if (inflate && map_test(b, pfn))
		return BALLOON_DUPLICATE;
	if (inflate && b->held >= b->num_pages)
		return BALLOON_EXCESS;
	if (!inflate && !map_test(b, pfn))
		return BALLOON_NOT_INFLATED;
	return BALLOON_OK;
}

/* One buffer of PFNs on inflateq or deflateq. */
static int balloon_chain(struct virtio_dev *d, const struct virtq_chain *c, uint32_t *written)
{
	struct vballoon *b = &d->balloon;
	bool inflate = d->cur_queue == BALLOON_INFLATEQ;

	*written = 0;                   /* the device writes nothing back (5.5.6) */
	if (inflate)
		sample(d, RSS_BEFORE);
	for (int i = 0; i < c->nseg; i++) {
		const struct virtq_seg *s = &c->seg[i];
		if (s->write || s->len % 4)
			return refuse(d, BALLOON_LENGTH, s->len);
		for (uint32_t off = 0; off < s->len; off += 4) {
			uint32_t pfn;
			if (gmem_read(d->mem, s->gpa + off, &pfn, 4) != 0)
				return -VQ_ERR_BUF_ADDR;
			int why = pfn_check(d, pfn, inflate);
			if (why != BALLOON_OK)
				return refuse(d, why, pfn);
			if (inflate) {
				if (gmem_discard(d->mem, (uint64_t)pfn * BALLOON_PAGE, BALLOON_PAGE) != 0)
					return refuse(d, errno == EPERM ? BALLOON_ROM : BALLOON_RELEASE, pfn);
				b->released_bytes += BALLOON_PAGE;
				/* The page now reads as zero, a change KVM's dirty log never sees:
				 * a live migration sends it again (devstate.c, mig_virtio_track). */
				if (d->dirtied)
					d->dirtied(d->dirtied_arg, (uint64_t)pfn * BALLOON_PAGE, BALLOON_PAGE);
				b->held++;
				b->inflated++;
			} else {
				b->held--;
				b->deflated++;  /* the page faults back in when the guest touches it */
			}
			map_flip(b, pfn);
		}
	}
	return 0;
}

/* The driver reports `actual`; meeting a target is when the lab's figures are taken. */
static void balloon_config_write(struct virtio_dev *d, uint64_t off, uint32_t len, uint32_t val)
{
	struct vballoon *b = &d->balloon;

	if (off != BALLOON_CFG_ACTUAL || len != 4)
		return;                 /* num_pages is the device's (5.5.4: driver-read-only) */
	b->actual = val;
	if (b->actual == b->num_pages && b->held == b->num_pages) {
		if (b->deflate_pending) {
			sample(d, RSS_INFLATED);
			b->deflate_pending = false;
			b->num_pages = b->deflate_to;
			b->config_changes++;
			d->generation++;        /* 4.2.2: ConfigGeneration changes with the config */
			d->isr |= VIRTIO_ISR_CONFIG;
			uint64_t one = 1;
			if (d->irqfd >= 0 && write(d->irqfd, &one, sizeof(one)) == (ssize_t)sizeof(one))
				d->interrupts++;
		} else if (b->config_changes) {
			sample(d, RSS_DEFLATED);
		} else {
			sample(d, RSS_INFLATED);
		}
	}
	config_sync(d);
}

static const char *const balloon_qnames[BALLOON_NQUEUES] = { "inflateq", "deflateq" };

const struct virtio_type virtio_balloon_type = {
	.name = "balloon", .device_id = VIRTIO_ID_BALLOON, .nqueues = BALLOON_NQUEUES,
	.work_queue = BALLOON_INFLATEQ, .chain = balloon_chain,
	.work_mask = (1u << BALLOON_INFLATEQ) | (1u << BALLOON_DEFLATEQ), .qnames = balloon_qnames,
	.config_write = balloon_config_write,
};

int virtio_init_balloon(struct virtio_dev *d, const struct guest_mem *mem, bool on, uint32_t num_pages,
			int64_t deflate_to)
{
	virtio_init_dev(d, mem, on ? &virtio_balloon_type : &virtio_none_type);
	struct vballoon *b = &d->balloon;
	for (int k = 0; k < 3; k++)
		b->rss[k] = b->ram_resident[k] = -1;
	b->statm_fd = -1;
	if (!on)
		return 0;
	b->on = true;
	b->num_pages = num_pages;
	b->limit = num_pages;           /* balloon_check_fit: a deflate target is never above it */
	b->deflate_pending = deflate_to >= 0;
	b->deflate_to = deflate_to >= 0 ? (uint32_t)deflate_to : 0;
	b->map_pages = mem->size / BALLOON_PAGE;        /* RAM slot 0 */
	b->map = calloc(b->map_pages / 8 + 1, 1);
	b->statm_fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);     /* -1: RSS reads null */
	if (!b->map)
		return -1;
	config_sync(d);
	return 0;
}

int64_t balloon_held_resident(const struct virtio_dev *d)
{
	const struct vballoon *b = &d->balloon;
	int64_t sum = 0;

	if (!b->map)
		return 0;
	gmem_hold(d->mem);
	for (uint64_t pfn = 0; pfn < b->map_pages; pfn++) {
		if (!map_test(b, pfn))
			continue;
		int64_t r = gmem_resident(d->mem, pfn * BALLOON_PAGE, BALLOON_PAGE);
		if (r < 0) {
			sum = -1;
			break;
		}
		sum += r;
	}
	gmem_release(d->mem);
	return sum;
}

void virtio_free_balloon(struct virtio_dev *d)
{
	free(d->balloon.map);
	d->balloon.map = NULL;
	if (d->balloon.statm_fd >= 0)
		close(d->balloon.statm_fd);
	d->balloon.statm_fd = -1;
}

int balloon_check_fit(const struct io_config *c, uint64_t mem, char *err, size_t errlen)
{
	uint64_t ram_pages = mem / BALLOON_PAGE;

	if (c->balloon && c->balloon_pages > ram_pages) {
		snprintf(err, errlen, "--balloon %u: more pages than the guest's RAM (%llu pages of 4 KiB)",
			 c->balloon_pages, (unsigned long long)ram_pages);
		return XC_USAGE;
	}
	if (c->balloon_deflate_on && (!c->balloon || c->balloon_deflate > c->balloon_pages)) {
		snprintf(err, errlen, "--balloon-deflate %u: needs --balloon PAGES of at least as many",
			 c->balloon_deflate);
		return XC_USAGE;
	}
	return XC_OK;
}
