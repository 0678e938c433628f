/*
 * dirty_ring_full.c - KVM_EXIT_DIRTY_RING_FULL: the vCPU's dirty ring has no room.
 *
 * With the dirty ring, KVM stops the vCPU when its ring is (nearly) full and
 * expects user space to harvest it and call KVM_RESET_DIRTY_RINGS before
 * re-entering (api.rst 8.29).  kvmlab harvests into a round numbered
 * DIRTY_ROUND_RING_FULL, so the guest's own rounds stay exact and nothing written
 * is lost, and counts the exit.  The harvest reads every vCPU's ring, this
 * one's included (dirty.c), under mem_lab.lock: a vCPU whose own ring is full
 * must not wait for another vCPU to harvest it.
 */
#include "kvmlab.h"

enum action trap_dirty_ring_full(struct vcpu *v)
{
	struct mem_lab *ml = v->vm->memlab;
	char err[200];

	if (!ml || v->id < 0 || v->id >= ml->nrings || !ml->ring[v->id].gfn)
		return vcpu_end(v, END_HOST_ERROR, "KVM_EXIT_DIRTY_RING_FULL without a dirty ring");
	pthread_mutex_lock(&ml->lock);
	ml->ring_full_exits++;
	int rc = dirty_harvest(v, DIRTY_ROUND_RING_FULL, err, sizeof(err));
	pthread_mutex_unlock(&ml->lock);
	if (rc != 0)
		return vcpu_end(v, END_HOST_ERROR, "dirty ring full: %s", err);
	return ACT_CONTINUE;
}
