/*
 * vhost_watch.c - kvmlab keeps an eye on a vhost-user back-end it does not
 * trust, without getting back onto the data path's exits.
 *
 * The back-end writes the used ring straight into guest RAM, so kvmlab can
 * only check it after the fact.  The watch thread waits on:
 *   the socket   POLLRDHUP/POLLHUP: the back-end died or closed mid-request
 *                (only hang-ups: replies are read by the vCPU thread)
 *   the call fd  without an irqfd only: each completion, checked against the
 *                rules of the used ring (virtio 1.1 2.7.8): used->idx never
 *                past avail->idx, each id < num, each length within
 *                kvmlab's chain cap
 * A rule broken puts the device in DEVICE_NEEDS_RESET (virtio 1.1 2.1.2), as
 * a hostile driver's broken ring does, and the guest sees it in Status.
 * With the irqfd the call goes to KVM and only the hang-up is watched: the
 * guest's driver then has to check the used ring itself, as Linux's does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "kvmlab.h"
#include "traps/devices/vhost_blk.h"

#define VIRTQ_RING_HDR       4          /* flags + idx */
#define VIRTQ_USED_ELEM_SIZE 8          /* { u32 id; u32 len } */

int vhost_used_check(const struct guest_mem *m, const struct virtq *q, uint16_t *seen, char *why, size_t n)
{
	const uint16_t *idxp = gmem_ptr(m, q->used + 2, 2);
	if (!idxp || q->num == 0) {
		snprintf(why, n, "the used ring is not in guest RAM");
		return -1;
	}
	const uint16_t *availp = gmem_ptr(m, q->avail + 2, 2);
	if (!availp) {
		snprintf(why, n, "the avail ring is not in guest RAM");
		return -1;
	}
	uint16_t idx = __atomic_load_n(idxp, __ATOMIC_ACQUIRE);
	uint16_t avail = __atomic_load_n(availp, __ATOMIC_ACQUIRE);
	/* A device uses only what the driver made available (virtio 1.1 2.7.8,
	 * 2.7.13): between used->idx and avail->idx at most num chains are in
	 * flight.  The watch may lag the guest, which consumes and refills the ring
	 * on its own: how far used->idx moved since the last check proves nothing. */
	if ((uint16_t)(avail - idx) > q->num) {
		snprintf(why, n, "vhost-user back-end: used index %u is past the available index %u (ring of %u)",
			 idx, avail, q->num);
		return -1;
	}
	if ((uint16_t)(idx - *seen) > q->num)
		*seen = (uint16_t)(idx - q->num);       /* older entries are overwritten: check the ring's last num */
	for (; *seen != idx; (*seen)++) {
		uint32_t e[2];
		if (gmem_read(m, q->used + VIRTQ_RING_HDR + (uint64_t)VIRTQ_USED_ELEM_SIZE * (*seen % q->num),
			      e, sizeof(e)) != 0) {
			snprintf(why, n, "the used ring is not in guest RAM");
			return -1;
		}
		if (e[0] >= q->num) {
			snprintf(why, n, "vhost-user back-end: used id %u in a ring of %u", e[0], q->num);
			return -1;
		}
		if (e[1] > VIRTQ_CHAIN_BYTES_MAX) {
			snprintf(why, n, "vhost-user back-end: used length %u is beyond any chain (at most %u bytes)",
				 e[1], VIRTQ_CHAIN_BYTES_MAX);
			return -1;
		}
	}
	return 0;
}

static void watch_fail(struct vhost_blk *vb, const char *why)
{
	struct virtio_dev *d = vb->dev;

	/* The vCPU thread may hold d->lock while it stops this thread (a reset):
	 * never block on it, or the join would wait for ever. */
	while (pthread_mutex_trylock(&d->lock) != 0) {
		if (__atomic_load_n(&vb->watch_stopping, __ATOMIC_ACQUIRE))
			return;
		sched_yield();
	}
	if (d->error == VQ_OK) {
		virtio_fail(d, VQ_ERR_BACKEND, "vhost-user");
		snprintf(d->error_detail, sizeof(d->error_detail), "%s", why);
	} else {
		virtio_fail(d, VQ_ERR_BACKEND, "vhost-user");
	}
	pthread_mutex_unlock(&d->lock);
	warnx_("%s: the device now needs a reset", why);
}

static void *watch_thread(void *arg)
{
	struct vhost_blk *vb = arg;
	sigset_t stop;
	char why[200];

	sigemptyset(&stop);                     /* signals are for the vCPU and main threads */
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	struct pollfd p[3] = {
		{ .fd = vb->stopfd, .events = POLLIN },
		{ .fd = vb->front.sock, .events = POLLRDHUP },
		{ .fd = vb->irqfd ? -1 : vb->call, .events = POLLIN },
	};
	for (;;) {
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents)
			break;
		if (p[1].revents & (POLLRDHUP | POLLHUP | POLLERR)) {
			vb->hangups++;
			watch_fail(vb, "vhost-user back-end closed its socket with the ring live");
			p[1].fd = -1;
		}
		uint64_t n;
		if ((p[2].revents & POLLIN) && read(vb->call, &n, sizeof(n)) == sizeof(n)) {
			vb->calls += n;
			gmem_hold(vb->dev->mem);
			int r = vhost_used_check(vb->dev->mem, &vb->watch_q, &vb->watch_seen, why, sizeof(why));
			gmem_release(vb->dev->mem);
			if (r != 0) {
				watch_fail(vb, why);
				p[2].fd = -1;   /* the ring is untrustworthy now: stop reading it */
			}
		}
	}
	return NULL;
}

int vhost_watch_start(struct vhost_blk *vb, char *err, size_t errlen)
{
	if (vb->watch_on)
		return 0;
	vb->stopfd = eventfd(0, EFD_CLOEXEC);
	if (vb->stopfd < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		return -1;
	}
	__atomic_store_n(&vb->watch_stopping, 0, __ATOMIC_RELEASE);
	int e = pthread_create(&vb->watch, NULL, watch_thread, vb);
	if (e) {
		snprintf(err, errlen, "pthread_create (vhost-user watch): %s", strerror(e));
		close(vb->stopfd);
		vb->stopfd = -1;
		return -1;
	}
	vb->watch_on = true;
	__atomic_store_n(&vb->watch_stopping, 0, __ATOMIC_RELEASE);
	return 0;
}

void vhost_watch_stop(struct vhost_blk *vb)
{
	uint64_t one = 1;

	if (!vb || !vb->watch_on)
		return;
	__atomic_store_n(&vb->watch_stopping, 1, __ATOMIC_RELEASE);
	if (write(vb->stopfd, &one, sizeof(one)) != sizeof(one))
		warnx_("vhost-user watch: cannot signal stop: %s", strerror(errno));
	pthread_join(vb->watch, NULL);
	vb->watch_on = false;
	close(vb->stopfd);
	vb->stopfd = -1;
}
