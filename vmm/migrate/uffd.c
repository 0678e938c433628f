/*
 * uffd.c - the destination's pager in post-copy migration: guest RAM is
 * registered with userfaultfd (UFFDIO_REGISTER, MISSING mode; the kernel's
 * Documentation/admin-guide/mm/userfaultfd.rst), so that the first touch of a
 * page not yet here - by a vCPU inside KVM_RUN (KVM's own get_user_pages) or by
 * any kvmlab thread - blocks and becomes a message on the uffd.  Every slot is
 * registered (RAM, hotplugged memory), and while the pager runs the slots are
 * frozen (a hotplug request is refused, MEMCTL_EMIGRATING): a slot removed under
 * it would take a registered range and the target of a UFFDIO_COPY with it.  One thread
 * asks the source for that page, and installs every page that arrives, asked
 * for or pushed in the background, with UFFDIO_COPY, which also wakes the
 * faulting thread.  The stream's own checks (stream.c) apply to every page.
 * This thread never touches guest memory itself: it would fault on its own uffd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kvmlab.h"

static double uffd_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The registered range holding gpa, or NULL. */
static const struct mig_uffd_range *range_of_gpa(const struct mig_uffd *u, uint64_t gpa)
{
	for (int k = 0; k < u->nranges; k++)
		if (gpa >= u->range[k].gpa && gpa - u->range[k].gpa < u->range[k].size)
			return &u->range[k];
	return NULL;
}

static bool uffd_discarded(const struct mig_uffd *u, uint64_t pg)
{
	return u->discarded[pg / 64] >> (pg % 64) & 1;
}

/* guest_mem's discard_hook while post-copy runs: the destination's balloon gives
 * pages back.  Marked first, then dropped, under the lock a UFFDIO_COPY takes: a
 * page of the source's arriving later is not installed over the give-back (it
 * would read as the guest's old bytes, not zero), and one installed just before
 * is dropped here.  A touch then faults and gets the zero page (uffd_faults). */
static int uffd_discard(void *arg, uint8_t *hva, uint64_t gpa, uint64_t len, int advice)
{
	struct mig_uffd *u = arg;

	pthread_mutex_lock(&u->lock);
	for (uint64_t off = 0; off < len; off += MIG_PAGE) {
		const struct mig_uffd_range *r = range_of_gpa(u, gpa + off);
		if (r) {
			uint64_t pg = r->base + (gpa + off - r->gpa) / MIG_PAGE;
			u->discarded[pg / 64] |= 1ULL << (pg % 64);
		}
	}
	int rc = madvise(hva, len, advice);
	pthread_mutex_unlock(&u->lock);
	return rc;
}

/* img->page_sink: one page from the stream into guest RAM. */
static int uffd_sink(void *arg, uint64_t gpa, const void *page)
{
	struct mig_uffd *u = arg;
	const struct mig_uffd_range *r = range_of_gpa(u, gpa);
	uint8_t *dst = gmem_ptr(u->mem, gpa, MIG_PAGE);  /* bounds-checked; not dereferenced here */

	if (!dst || !r)
		return -1;
	uint64_t pg = r->base + (gpa - r->gpa) / MIG_PAGE;
	if (mig_balloon_has(u->img, gpa))
		goto have;              /* in the balloon: stays missing, costs nothing (uffd_faults) */
	pthread_mutex_lock(&u->lock);
	int rc = 0;
	if (!uffd_discarded(u, pg)) {   /* given back here meanwhile: it stays missing, reads zero */
		struct uffdio_copy c = { .dst = (uint64_t)(uintptr_t)dst, .src = (uint64_t)(uintptr_t)page,
					 .len = MIG_PAGE };
		if (ioctl(u->uffd, UFFDIO_COPY, &c) != 0 && errno != EEXIST)
			rc = -1;
	}
	pthread_mutex_unlock(&u->lock);
	if (rc != 0)
		return -1;
have:
	if (!(u->have[pg / 64] >> (pg % 64) & 1)) {
		u->have[pg / 64] |= 1ULL << (pg % 64);
		u->received++;
	}
	if (u->asked[pg] > 0) {         /* a fault was waiting for this page */
		double lat = uffd_now() - u->asked[pg];
		u->asked[pg] = 0;
		u->lat_sum += lat;
		if (lat > u->lat_max)
			u->lat_max = lat;
		if (u->served == 0 || lat < u->lat_min)
			u->lat_min = lat;
		u->served++;
	}
	return 0;
}

int mig_uffd_register(struct mig_uffd *u, struct guest_mem *mem, struct mig_image *img, int sock,
		      const struct mig_src *src, char *err, size_t errlen)
{
	struct uffdio_api api = { .api = UFFD_API };

	memset(u, 0, sizeof(*u));
	u->uffd = -1;
	if (!memslots_by_id(mem, SLOT_RAM) || memslots_by_id(mem, SLOT_RAM)->gpa != 0) {
		snprintf(err, errlen, "post-copy: no RAM slot at GPA 0");
		return -1;
	}
	u->mem = mem;
	u->img = img;
	u->src = src;
	u->sock = sock;
	/* Every slot the layout made here (restore.c), so every one of its pages must come. */
	for (int i = 0; i < mem->nslots && u->nranges < (int)MIG_SLOTS_MAX; i++) {
		const struct mem_slot *s = &mem->slot[i];
		if (s->flags & KVM_MEM_READONLY)
			continue;       /* the --rom slot came whole before END (postcopy.c) */
		if (s->backing == BACKING_HUGETLB) {
			/* UFFDIO_COPY into hugetlbfs takes whole huge pages; the stream's are 4 KiB. */
			snprintf(err, errlen, "post-copy places 4 KiB pages (UFFDIO_COPY), which --backing hugetlb's "
				 "2 MiB pages cannot take: receive it without --backing hugetlb (or migrate with pre-copy)");
			return -1;
		}
		/* A memfd's pages live in its page cache, which MADV_DONTNEED leaves: only
		 * MADV_REMOVE (madvise(2): a hole punched in the backing store) makes them
		 * missing, or a UFFDIO_COPY would meet EEXIST and the stream's page be dropped. */
		u->range[u->nranges++] = (struct mig_uffd_range){ s->gpa, s->size, u->npages, s->hva,
								  s->memfd >= 0 ? MADV_REMOVE : MADV_DONTNEED };
		u->npages += s->size / MIG_PAGE;
	}
	u->have = calloc((u->npages + 63) / 64, sizeof(uint64_t));
	u->discarded = calloc((u->npages + 63) / 64, sizeof(uint64_t));
	u->asked = calloc(u->npages, sizeof(double));
	pthread_mutex_init(&u->lock, NULL);
	if (!u->have || !u->asked || !u->discarded) {
		snprintf(err, errlen, "post-copy: out of memory");
		return -1;
	}
	u->uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (u->uffd < 0) {
		snprintf(err, errlen, "post-copy needs userfaultfd(2): %s (root, or vm.unprivileged_userfaultfd=1)",
			 strerror(errno));
		return -1;
	}
	if (ioctl(u->uffd, UFFDIO_API, &api) != 0) {
		snprintf(err, errlen, "post-copy: UFFDIO_API: %s", strerror(errno));
		return -1;
	}
	/* No page of these slots has stream data yet (before END the reader takes only the read-only slot's):
	 * drop any the set-up touched, so that every page is "missing" and faults. */
	for (int k = 0; k < u->nranges; k++) {
		struct uffdio_register reg = { .range = { (uint64_t)(uintptr_t)u->range[k].hva, u->range[k].size },
					       .mode = UFFDIO_REGISTER_MODE_MISSING };
		if (madvise(u->range[k].hva, u->range[k].size, u->range[k].drop) != 0 ||
		    ioctl(u->uffd, UFFDIO_REGISTER, &reg) != 0) {
			snprintf(err, errlen, "post-copy: UFFDIO_REGISTER on guest memory at GPA 0x%llx: %s",
				 (unsigned long long)u->range[k].gpa, strerror(errno));
			return -1;
		}
	}
	img->page_sink = uffd_sink;
	img->page_sink_arg = u;
	mem->discard_arg = u;           /* before any vCPU or device runs: no one discards yet */
	mem->discard_hook = uffd_discard;
	return 0;
}

/* Every waiting fault: ask the source for its page (8 bytes, the GPA), once. */
static int uffd_faults(struct mig_uffd *u)
{
	struct uffd_msg m[16];
	ssize_t n = read(u->uffd, m, sizeof(m));

	if (n < 0)
		return errno == EAGAIN ? 0 : -1;
	for (ssize_t i = 0; i < n / (ssize_t)sizeof(m[0]); i++) {
		if (m[i].event != UFFD_EVENT_PAGEFAULT)
			continue;
		uint64_t a = m[i].arg.pagefault.address, gpa = 0, pg = UINT64_MAX;
		for (int k = 0; k < u->nranges; k++) {  /* which slot's mapping faulted */
			uint64_t h = (uint64_t)(uintptr_t)u->range[k].hva;
			if (a >= h && a - h < u->range[k].size) {
				gpa = u->range[k].gpa + ((a - h) & ~(uint64_t)(MIG_PAGE - 1));
				pg = u->range[k].base + (a - h) / MIG_PAGE;
			}
		}
		bool zero = pg < u->npages && mig_balloon_has(u->img, gpa);
		if (pg < u->npages && !zero) {
			pthread_mutex_lock(&u->lock);
			zero = uffd_discarded(u, pg);
			pthread_mutex_unlock(&u->lock);
		}
		if (zero) {
			/* A page in the balloon the guest touches (it deflated it, or
			 * may touch it first, virtio 1.1 5.5.6.1): it reads as zero, as on
			 * the source, without asking; the zero page wakes the fault. */
			struct uffdio_zeropage z = { .range = { a & ~(uint64_t)(MIG_PAGE - 1), MIG_PAGE } };
			if (ioctl(u->uffd, UFFDIO_ZEROPAGE, &z) != 0 && errno != EEXIST)
				return -1;
			continue;
		}
		if (pg >= u->npages || (u->have[pg / 64] >> (pg % 64) & 1) || u->asked[pg] > 0)
			continue;       /* arriving already, or asked for */
		u->asked[pg] = uffd_now();
		u->faults++;
		/* The source may have sent its last page and stopped reading: the page is on
		 * its way anyway (every page comes before END), so a failed ask is no error. */
		if (!u->peer_done && send(u->sock, &gpa, sizeof(gpa), MSG_NOSIGNAL) != (ssize_t)sizeof(gpa))
			u->peer_done = true;
	}
	return 0;
}

static void *uffd_thread(void *arg)
{
	struct mig_uffd *u = arg;
	char err[512] = "";

	for (;;) {
		struct pollfd p[2] = { { .fd = u->uffd, .events = POLLIN }, { .fd = u->sock, .events = POLLIN } };
		int r = poll(p, 2, MIG_IO_TIMEOUT_S * 1000);
		if (r == 0) {
			snprintf(err, sizeof(err), "post-copy: no page from the source for %d s", MIG_IO_TIMEOUT_S);
			break;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if ((p[0].revents & POLLIN) && uffd_faults(u) != 0) {
			snprintf(err, sizeof(err), "post-copy: reading the userfaultfd: %s", strerror(errno));
			break;
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			int k = mig_read_postcopy(u->src, u->img, err, sizeof(err));
			if (k < 0)
				break;
			if (k == 0) {   /* END: every page must be here now */
				shutdown(u->sock, SHUT_WR);     /* no more asks: the source may close */
				if (u->received != u->npages)
					snprintf(err, sizeof(err), "post-copy: the source ended with %llu of %llu pages sent",
						 (unsigned long long)u->received, (unsigned long long)u->npages);
				break;
			}
		}
	}
	if (err[0]) {
		/* The guest's memory is split between the two sides: it cannot go on here
		 * (a missing page would be silently zero) nor there (it ran here).  End. */
		fprintf(stderr, "kvmlab: %s; the guest cannot continue on either side\n", err);
		_exit(XC_MIGRATION_STREAM);
	}
	for (int k = 0; k < u->nranges; k++) {
		struct uffdio_range rg = { (uint64_t)(uintptr_t)u->range[k].hva, u->range[k].size };
		ioctl(u->uffd, UFFDIO_UNREGISTER, &rg);
	}
	u->seconds = uffd_now() - u->t0;
	if (u->frozen) {                /* every page is here: the guest may hotplug again */
		pthread_mutex_lock(&u->frozen->lock);
		u->frozen->slots_frozen = false;
		pthread_mutex_unlock(&u->frozen->lock);
	}
	if (u->complete)                /* every page is in: a vhost-user back-end may read RAM now */
		u->complete(u->complete_arg);
	return NULL;
}

int mig_uffd_start(struct mig_uffd *u, char *err, size_t errlen)
{
	u->t0 = uffd_now();
	int e = pthread_create(&u->thread, NULL, uffd_thread, u);
	if (e != 0) {
		snprintf(err, errlen, "post-copy: pthread_create: %s", strerror(e));
		return -1;
	}
	u->started = true;
	return 0;
}

void mig_uffd_finish(struct mig_uffd *u)
{
	if (u->started)
		pthread_join(u->thread, NULL);
	u->started = false;
	if (u->mem && u->mem->discard_hook == uffd_discard) {
		u->mem->discard_hook = NULL;    /* the run is over: no device discards any more */
		u->mem->discard_arg = NULL;
	}
	if (u->uffd >= 0)
		close(u->uffd);
	u->uffd = -1;
	free(u->discarded);
	u->discarded = NULL;
	free(u->have);
	free(u->asked);
	u->have = NULL;
	u->asked = NULL;
}
