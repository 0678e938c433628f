/*
 * dirty_ring_full.c - KVM_EXIT_DIRTY_RING_FULL: the vCPU's dirty ring has no room.
 *
 * With the dirty ring, KVM stops the vCPU when its ring is (nearly) full and
 * expects user space to harvest it and call KVM_RESET_DIRTY_RINGS before
 * re-entering (api.rst 8.29).  kvmlab harvests into a round numbered
 * DIRTY_ROUND_RING_FULL, so the guest's own rounds stay exact and nothing written
 * is lost, and counts the exit.
 */
#include "kvmlab.h"

enum action trap_dirty_ring_full(struct vcpu *v)
{
	struct mem_lab *ml = v->vm->memlab;
	char err[200];

	if (!ml || !ml->ring)
		return vcpu_end(v, END_HOST_ERROR, "KVM_EXIT_DIRTY_RING_FULL without a dirty ring");
	ml->ring_full_exits++;
	if (dirty_harvest(v, DIRTY_ROUND_RING_FULL, err, sizeof(err)) != 0)
		return vcpu_end(v, END_HOST_ERROR, "dirty ring full: %s", err);
	return ACT_CONTINUE;
}
