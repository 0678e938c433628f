/*
 * sink.c - a write-only MMIO sink at GPA_SINK (docs/io.md), the target of
 * the coalesced-MMIO path of `kvmlab iobench`.
 *
 * The sink swallows whatever the guest stores into it.  As plain MMIO every
 * store is an exit to kvmlab.  With --coalesced-mmio traps/devices/iodev.c registers
 * it as a coalesced zone (api.rst 4.66): KVM queues the stores in its ring,
 * and traps/coalesced.c replays them here, in order, at the next exit
 * (mmio_req.coalesced tells the two apart).  Reads exit as always and
 * return zero.
 */
#include <string.h>

#include "kvmlab.h"

#define FNV_PRIME 16777619u

enum action sink_mmio(struct vcpu *v, struct mmio_req *m, void *opaque)
{
	struct sink *s = opaque;

	(void)v;
	if (!m->write) {
		memset(m->data, 0, m->len);     /* write-only: reads as zero */
		return ACT_CONTINUE;
	}
	pthread_mutex_lock(&s->lock);
	for (uint32_t i = 0; i < m->len; i++)
		s->fnv = (s->fnv ^ m->data[i]) * FNV_PRIME;
	s->writes++;
	s->bytes += m->len;
	if (m->coalesced)
		s->drained++;
	else
		s->exits++;
	pthread_mutex_unlock(&s->lock);
	return ACT_CONTINUE;
}
