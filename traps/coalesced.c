/*
 * coalesced.c - draining the coalesced-MMIO ring (api.rst 4.66).
 *
 * For a zone registered with KVM_REGISTER_COALESCED_MMIO, KVM does not exit
 * on a write: it appends {gpa, len, data} to a ring in the page at
 * KVM_COALESCED_MMIO_PAGE_OFFSET of the vCPU mapping and resumes the guest.
 * User space must replay the writes, in order, before it handles the next
 * exit (a later exit may depend on them).  When the ring is full the write
 * exits as ordinary KVM_EXIT_MMIO.  Indexes come from the kernel, but are
 * checked like any other input before use.
 *
 * The ring is one per VM, not per vCPU: KVM appends every vCPU's coalesced
 * writes to it, and every vCPU fd maps the same page.  With --vcpus each
 * vCPU thread drains it after its own exits, so draining (reading `first`,
 * replaying the entry, advancing `first`) is done under vm.coalesced_lock:
 * each entry is replayed exactly once, in ring order.
 */
#include <unistd.h>

#include "kvmlab.h"

#define RING_PAGE 4096u                 /* the ring fills exactly one page */
#define RING_MAX ((RING_PAGE - sizeof(struct kvm_coalesced_mmio_ring)) / sizeof(struct kvm_coalesced_mmio))

bool coalesced_active(const struct vm *vm)
{
	return vm->coalesced_zones > 0;         /* registered by machine_setup (vmm/core/machine.c) */
}

void coalesced_drain(struct vcpu *v)
{
	if (!coalesced_active(v->vm))
		return;
	if (!v->coalesced) {
		size_t off = (size_t)KVM_COALESCED_MMIO_PAGE_OFFSET * RING_PAGE;
		if ((size_t)v->run_size < off + RING_PAGE)
			return;
		v->coalesced = (struct kvm_coalesced_mmio_ring *)((uint8_t *)v->run + off);
	}
	struct kvm_coalesced_mmio_ring *r = v->coalesced;
	/* Empty (the common case): no lock.  A racing drainer that empties it
	 * meanwhile is harmless; entries KVM adds now are seen at the next exit. */
	if (__atomic_load_n(&r->first, __ATOMIC_ACQUIRE) == __atomic_load_n(&r->last, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&v->vm->coalesced_lock);
	/* KVM writes `last`, we own `first` (api.rst 4.66). */
	uint32_t last = __atomic_load_n(&r->last, __ATOMIC_ACQUIRE);
	while (r->first != last) {
		uint32_t f = r->first;
		if (f >= RING_MAX || last >= RING_MAX)
			break;          /* corrupt index: stop rather than read past the page */
		struct kvm_coalesced_mmio *e = &r->coalesced_mmio[f];
		struct mmio_req m = { .gpa = e->phys_addr, .len = e->len, .write = true, .data = e->data,
				      .coalesced = true };
		const struct mmio_range *d = m.len && m.len <= sizeof(e->data) ?
			mmio_find(&v->vm->mmio, m.gpa, m.len) : NULL;
		if (d) {
			m.off = m.gpa - d->base;
			d->handler(v, &m, d->opaque);   /* a write: handlers only store */
		}
		v->ctr.coalesced++;
		__atomic_store_n(&r->first, (f + 1) % RING_MAX, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&v->vm->coalesced_lock);
}
