/*
 * balloonstate.c - the pages in the virtio-balloon in the migration stream
 * (docs/migration.md, section BALLOON): the GPAs of the pages the guest gave
 * the device (virtio 1.1 5.5.6), ascending.  The source gave their memory
 * back to its kernel; the destination does the same with its copy, so that
 * the guest's memory there costs what it cost here.  The balloon's targets
 * and counters travel in its VIRTIO section (devstate.c); the reader checks
 * this one against that one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvmlab.h"

#define BAD(...) do { snprintf(err, errlen, "migration stream: BALLOON section: " __VA_ARGS__); return -1; } while (0)

int mig_balloon_check(const struct mig_image *img, const uint64_t *gpa, uint64_t n, char *err, size_t errlen)
{
	if (!img->have_virtio[MIG_VIRTIO_BALLOON])
		BAD("before the balloon's VIRTIO section");
	const struct mig_vballoon *b = &img->virtio[MIG_VIRTIO_BALLOON].balloon;
	if (n != b->held)
		BAD("%llu pages, the balloon holds %llu", (unsigned long long)n, (unsigned long long)b->held);
	/* The balloon's map covers the RAM slot at GPA 0 (virtio_balloon.c): --mem bytes. */
	const struct mig_slot *ram = NULL;
	for (uint32_t i = 0; i < img->nslots; i++)
		if (img->slot[i].gpa == 0 && !(img->slot[i].flags & KVM_MEM_READONLY))
			ram = &img->slot[i];
	for (uint64_t i = 0; i < n; i++) {
		if (gpa[i] % MIG_PAGE)
			BAD("page %llu at GPA 0x%llx is not page aligned", (unsigned long long)i,
			    (unsigned long long)gpa[i]);
		if (!ram || gpa[i] >= ram->size)
			BAD("page %llu at GPA 0x%llx is outside the RAM slot at GPA 0", (unsigned long long)i,
			    (unsigned long long)gpa[i]);
		if (i > 0 && gpa[i] <= gpa[i - 1])
			BAD("page %llu at GPA 0x%llx is not above the one before (0x%llx): a duplicate, or out of order",
			    (unsigned long long)i, (unsigned long long)gpa[i], (unsigned long long)gpa[i - 1]);
	}
	return 0;
}

static bool map_test(const struct vballoon *b, uint64_t pfn)
{
	return pfn < b->map_pages && (b->map[pfn / 8] & (1u << (pfn % 8)));
}

int mig_balloon_save(struct mig_out *out, struct vm *vm)
{
	if (!vm->io || vm->io->balloon.type != &virtio_balloon_type)
		return 0;
	struct virtio_dev *d = &vm->io->balloon;
	const struct vballoon *b = &d->balloon;
	int rc = 0;

	pthread_mutex_lock(&d->lock);   /* the vCPUs are stopped: only a stray MMIO thread could change it */
	uint64_t n = 0, *gpa = b->held ? malloc(b->held * sizeof(*gpa)) : NULL;
	for (uint64_t pfn = 0; gpa && pfn < b->map_pages && n < b->held; pfn++)
		if (map_test(b, pfn))
			gpa[n++] = pfn * MIG_PAGE;
	if (b->held && (!gpa || n != b->held)) {
		out->err = out->err ? out->err : ENOMEM;        /* the map and the count disagree: no stream */
		rc = -1;
	}
	pthread_mutex_unlock(&d->lock);
	if (rc == 0 && n)
		rc = mig_write_section(out, MIG_SEC_BALLOON, gpa, n * sizeof(*gpa));
	free(gpa);
	return rc;
}

int mig_balloon_load(struct vm *vm, const struct mig_image *img, char *err, size_t errlen)
{
	if (!img->have_balloon)
		return 0;
	struct virtio_dev *d = &vm->io->balloon;
	struct vballoon *b = &d->balloon;

	if (d->type != &virtio_balloon_type) {
		snprintf(err, errlen, "migration stream: a BALLOON section and no balloon here");
		return -1;
	}
	pthread_mutex_lock(&d->lock);
	gmem_hold(&vm->mem);
	for (uint64_t i = 0; i < img->nballoon; i++) {
		uint64_t pfn = img->balloon[i] / MIG_PAGE;      /* < map_pages: mig_balloon_check, cfg.mem = slot 0 */
		if (pfn >= b->map_pages)
			continue;
		b->map[pfn / 8] |= (uint8_t)(1u << (pfn % 8));
		/* Post-copy: the page is still missing, and the pager installs the zero
		 * page when the guest touches it (uffd.c); here its copy goes now. */
		if (!img->postcopy && gmem_discard(&vm->mem, img->balloon[i], MIG_PAGE) != 0) {
			gmem_release(&vm->mem);
			pthread_mutex_unlock(&d->lock);
			snprintf(err, errlen, "migration: releasing the balloon's page at GPA 0x%llx: %s",
				 (unsigned long long)img->balloon[i], strerror(errno));
			return -1;
		}
	}
	gmem_release(&vm->mem);
	pthread_mutex_unlock(&d->lock);
	return 0;
}

bool mig_balloon_has(const struct mig_image *img, uint64_t gpa)
{
	uint64_t lo = 0, hi = img->nballoon;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (img->balloon[mid] == gpa)
			return true;
		if (img->balloon[mid] < gpa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

void mig_balloon_skip(struct vm *vm, uint64_t *bm, uint64_t npages)
{
	if (!vm->io || vm->io->balloon.type != &virtio_balloon_type)
		return;
	struct virtio_dev *d = &vm->io->balloon;
	const struct vballoon *b = &d->balloon;

	/* A page inflated after this is reported by the device (its dirtied hook)
	 * and goes in a later round: read as zero, as the destination holds it. */
	pthread_mutex_lock(&d->lock);
	for (uint64_t pfn = 0; pfn < npages && pfn < b->map_pages; pfn++)
		if (map_test(b, pfn))
			bm[pfn / 64] &= ~(1ULL << (pfn % 64));
	pthread_mutex_unlock(&d->lock);
}
