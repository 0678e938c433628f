/*
 * postcopy.c - post-copy migration, the source's side (docs/migration.md):
 * the vCPUs stop at once, their state goes first (with a POSTCOPY section
 * saying that RAM follows after END), and the destination runs the guest with
 * no RAM at all.  Then this side answers every page the destination asks for
 * (a fault there: 8 bytes, the GPA) before anything else, and pushes the
 * remaining pages in GPA order between requests, until every page has gone
 * once; END closes the stream.  The downtime is only the state's; the cost
 * moves to the faults.  Once the destination runs the guest, a broken
 * connection loses it on both sides: neither holds the whole guest.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "kvmlab.h"

#define POST_PUSH_PAGES 16              /* pages pushed between two looks for a request */

static double post_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Pages are numbered by GPA (bit i = GPA i * 4 KiB), as pre-copy's bitmaps are. */
static bool post_sent(const uint64_t *bm, uint64_t pg)
{
	return bm[pg / 64] >> (pg % 64) & 1;
}

/* Is page pg in one of the migrated slots (RAM, hotplugged memory)? */
static bool post_in_slots(const struct mig_live *l, uint64_t pg)
{
	for (int k = 0; k < l->nslots; k++)
		if (pg >= l->slot[k].gpa / MIG_PAGE && pg - l->slot[k].gpa / MIG_PAGE < l->slot[k].npages)
			return true;
	return false;
}

/* Serves requests and pushes pages until all are sent.  0, or -1 (write or request failed). */
static int post_serve(struct mig_live *l, int fd, struct mig_out *out, uint64_t *sent, uint64_t npages)
{
	struct vm *vm = &l->r->vm;
	uint64_t left = npages;
	int k = 0;                      /* the slot being pushed, and the next page in it */
	uint64_t next = l->nslots ? l->slot[0].gpa / MIG_PAGE : 0;

	while (left) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 0) > 0 && (p.revents & POLLIN)) {      /* a fault waits: it goes first */
			uint64_t gpa;
			if (mig_fd_read(&fd, &gpa, sizeof(gpa)) != 0)
				return -1;
			uint64_t pg = gpa / MIG_PAGE;
			if (gpa % MIG_PAGE || !post_in_slots(l, pg))
				return -1;      /* the destination is confused: stop */
			l->post_requests++;
			if (!post_sent(sent, pg)) {
				gmem_hold(&vm->mem);
				int rc = mig_write_pages(out, &vm->mem, gpa, 1);
				gmem_release(&vm->mem);
				if (rc != 0)
					return -1;
				sent[pg / 64] |= 1ULL << (pg % 64);
				l->post_demand++;
				left--;
			}
			continue;
		}
		uint64_t end = l->slot[k].gpa / MIG_PAGE + l->slot[k].npages;
		while (next < end && post_sent(sent, next))
			next++;
		if (next == end) {              /* this slot is done: the next one */
			if (++k >= l->nslots)
				return -1;      /* left > 0 but every slot sent: cannot happen */
			next = l->slot[k].gpa / MIG_PAGE;
			continue;
		}
		uint64_t run = 0;
		while (next + run < end && run < POST_PUSH_PAGES && !post_sent(sent, next + run))
			run++;
		gmem_hold(&vm->mem);
		int rc = mig_write_pages(out, &vm->mem, next * MIG_PAGE, (uint32_t)run);
		gmem_release(&vm->mem);
		if (rc != 0)
			return -1;
		for (uint64_t i = 0; i < run; i++)
			sent[(next + i) / 64] |= 1ULL << ((next + i) % 64);
		l->post_pushed += run;
		left -= run;
		next += run;
	}
	if (mig_write_section(out, MIG_SEC_END, NULL, 0) != 0)
		return -1;
	/* Close only when the destination has read END (it shuts its side then): a TCP
	 * close with its last asks unread would reset the connection and lose the tail. */
	shutdown(fd, SHUT_WR);
	char drain[64];
	while (read(fd, drain, sizeof(drain)) > 0)
		;
	return 0;
}

int mig_postcopy_run(struct mig_live *l, int fd, struct mig_out *out, double t_start)
{
	struct vm *vm = &l->r->vm;
	uint64_t npages = 0;            /* every page of RAM and of hotplugged memory */
	char err[512];

	for (int k = 0; k < l->nslots; k++)
		npages += l->slot[k].npages;
	double t_stop = post_now();

	if (mig_pause_stop(&l->pause, 5, err, sizeof(err)) != 0 || mig_check_savable(vm, err, sizeof(err)) != 0) {
		mig_virtio_resume(vm);        /* the guest runs on here, and so does its network */
		mig_vhost_resume(vm);           /* a vhost-user ring stopped by the check goes back */
		mig_pause_release(&l->pause, false);
		snprintf(l->warn, sizeof(l->warn), "%s", err);
		return -1;
	}
	uint64_t before = out->bytes;
	struct smp_vcpu_info vi;
	gmem_hold(&vm->mem);
	int64_t rom = mig_write_section(out, MIG_SEC_POSTCOPY, &npages, sizeof(npages)) != 0 ? -1 :
		      mig_write_rom(out, &vm->mem);             /* the --rom slot goes with the state */
	gmem_release(&vm->mem);
	int rom_rc = rom < 0;
	l->stop_pages = rom > 0 ? (uint64_t)rom : 0;
	if (rom_rc || !smp_vcpu_at(l->r, 0, &vi) ||
	    mig_write_state(out, (struct vcpu *)vi.v, l->pause.state, l->pause.n, l->payload, err, sizeof(err)) != 0) {
		mig_virtio_resume(vm);
		mig_vhost_resume(vm);
		mig_pause_release(&l->pause, false);
		snprintf(l->warn, sizeof(l->warn), "the connection failed before post-copy began (%s): the guest runs on here",
			 out->err ? strerror(out->err) : err);
		return -1;
	}
	l->stop_bytes = out->bytes - before;
	l->stop_seconds = post_now() - t_stop;
	char why[128];
	if (mig_read_ack(fd, why, sizeof(why)) != 0) {
		mig_virtio_resume(vm);
		mig_vhost_resume(vm);
		mig_pause_release(&l->pause, false);
		snprintf(l->warn, sizeof(l->warn), "the destination did not take the guest (no acknowledgement: %s): "
			 "the guest runs on here", why);
		return -1;
	}
	double t_ack = post_now();
	l->downtime_seconds = t_ack - t_stop;
	gmem_hold(&vm->mem);            /* the vCPUs never run here again: RAM is final */
	l->checksum = mig_ram_checksum(&vm->mem);
	gmem_release(&vm->mem);

	uint64_t *sent = calloc((l->bm_pages + 63) / 64, sizeof(uint64_t));
	int rc = sent ? post_serve(l, fd, out, sent, npages) : -1;
	free(sent);
	if (rc != 0) {
		snprintf(l->warn, sizeof(l->warn), "post-copy: the connection failed after the destination started the "
			 "guest (%s): the guest cannot continue on either side",
			 out->err ? strerror(out->err) : "a bad or missing page request");
		mig_pause_lose(&l->pause, l->warn);
		return -1;
	}
	l->post_seconds = post_now() - t_ack;
	l->total_seconds = post_now() - t_start;
	l->total_bytes = out->bytes;
	l->ram_pages = npages;
	l->completed = l->converged = true;
	mig_pause_release(&l->pause, true);
	return 0;
}
