/*
 * coalesced.c - a write-only sink, and coalesced MMIO (api.rst 4.66
 * KVM_REGISTER_COALESCED_MMIO).
 *
 * The sink at GPA_SINK swallows whatever the guest stores into it.  As plain
 * MMIO every store is an exit to kvmlab.  Registered as a coalesced zone,
 * KVM instead appends each store {gpa, len, data} to a ring in the vCPU's
 * mmap (page KVM_COALESCED_MMIO_PAGE_OFFSET) and lets the guest go on; the
 * ring is drained at the next exit of any kind, in order.  A store that finds
 * the ring full exits as ordinary KVM_EXIT_MMIO, after the ring's entries.
 * Only writes whose order with other exits does not matter may be coalesced:
 * a read of the zone would still exit, and must see the ring drained first.
 */
#include <string.h>
#include <unistd.h>

#include "kvmlab.h"

#define FNV_PRIME 16777619u

static void sink_write(struct sink *s, const uint8_t *data, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		s->fnv = (s->fnv ^ data[i]) * FNV_PRIME;
	s->writes++;
	s->bytes += len;
}

enum action sink_mmio(struct vcpu *v, struct mmio_req *m, void *opaque)
{
	struct sink *s = &v->vm->io->sink;

	(void)opaque;
	if (m->write) {
		pthread_mutex_lock(&v->vm->io->lock);
		s->exits++;
		sink_write(s, m->data, m->len);
		pthread_mutex_unlock(&v->vm->io->lock);
	} else {
		memset(m->data, 0, m->len);     /* write-only: reads as zero */
	}
	return ACT_CONTINUE;
}

void coalesced_drain(struct vcpu *v)
{
	struct iodev *io = v->vm->io;
	struct kvm_coalesced_mmio_ring *ring = io ? io->ring : NULL;
	uint32_t max = (uint32_t)((getpagesize() - sizeof(*ring)) / sizeof(ring->coalesced_mmio[0]));

	if (!ring)
		return;
	/* KVM writes `last`, we own `first` (api.rst 4.66); one drainer at a time. */
	pthread_mutex_lock(&io->lock);
	uint32_t last = __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE);
	if (ring->first == last) {
		pthread_mutex_unlock(&io->lock);
		return;
	}
	io->sink.drains++;
	while (ring->first != last) {
		uint32_t f = ring->first;
		if (f >= max || last >= max)
			break;                  /* never index past the page, whatever it says */
		const struct kvm_coalesced_mmio *e = &ring->coalesced_mmio[f];
		if (e->len <= sizeof(e->data) && e->phys_addr >= GPA_SINK &&
		    e->phys_addr - GPA_SINK < SINK_SIZE) {
			sink_write(&io->sink, e->data, e->len);
			io->sink.drained++;
		}
		__atomic_store_n(&ring->first, (f + 1) % max, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&io->lock);
}
