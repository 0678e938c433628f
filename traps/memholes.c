/*
 * memholes.c - guest-physical addresses with no RAM behind them, by policy.
 *
 * Two kinds of address exit as KVM_EXIT_MMIO with no device to answer:
 *   - a write into a read-only slot (KVM_MEM_READONLY, api.rst 4.35): the read
 *     side is memory, the write side is MMIO, exactly like a flash ROM;
 *   - any access to a hole: a GPA no slot covers.
 * --rom-write and --unmapped say whether that is fine (ignore: a write
 * vanishes, a read returns all ones, as on an empty bus) or a bug (fail: the
 * run ends as a guest protocol error, exit code 6).
 */
#include <string.h>

#include "kvmlab.h"

static const char *const policy_names[] = { [POLICY_IGNORE] = "ignore", [POLICY_FAIL] = "fail" };

const char *policy_name(int p)
{
	return p == POLICY_FAIL ? policy_names[POLICY_FAIL] : policy_names[POLICY_IGNORE];
}

int policy_parse(const char *s)
{
	for (int i = POLICY_IGNORE; i <= POLICY_FAIL; i++)
		if (!strcmp(s, policy_names[i]))
			return i;
	return -1;
}

bool memholes_unclaimed(struct vcpu *v, const struct mmio_req *m, enum action *a)
{
	struct mem_lab *ml = v->vm->memlab;
	const struct mem_config *mc = &v->vm->cfg.memcfg;
	struct mem_slot s = { .name = NULL };

	/* A copy taken under the slot lock: another vCPU may change the table. */
	gmem_hold(&v->vm->mem);
	const struct mem_slot *found = memslots_find(&v->vm->mem, m->gpa);
	if (found)
		s = *found;
	gmem_release(&v->vm->mem);
	if (!ml)
		return false;
	if (s.name && (s.flags & KVM_MEM_READONLY)) {
		__atomic_fetch_add(&ml->rom_writes, 1, __ATOMIC_RELAXED);      /* any vCPU: a counter */
		if (mc->rom_policy == POLICY_FAIL) {
			*a = vcpu_end(v, END_PROTOCOL, "write of %u byte%s to read-only slot %u %s at GPA 0x%llx (--rom-write fail)",
				      m->len, m->len > 1 ? "s" : "", s.id, s.name, (unsigned long long)m->gpa);
			return true;
		}
		*a = ACT_CONTINUE;      /* the write is dropped; ROM keeps its contents */
		return true;
	}
	__atomic_fetch_add(&ml->unmapped_accesses, 1, __ATOMIC_RELAXED);
	if (mc->unmapped_policy == POLICY_FAIL) {
		*a = vcpu_end(v, END_PROTOCOL, "%s of %u byte%s at GPA 0x%llx: no memory slot and no device (--unmapped fail)",
			      m->write ? "write" : "read", m->len, m->len > 1 ? "s" : "", (unsigned long long)m->gpa);
		return true;
	}
	return false;                   /* ignore: trap_mmio's open-bus behaviour */
}
