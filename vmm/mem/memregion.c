/*
 * memregion.c - adding and removing guest memory while KVM watches.
 *
 * A region is backing (backing.c) + a slot in kvmlab's table (memslots.c) +
 * the same slot told to KVM (api.rst 4.35).  Removing is the same ioctl with
 * memory_size = 0; from then on the range is a hole and every access to it
 * is an MMIO exit.  Slots change on a vCPU thread (memctl hotplug) while the
 * I/O thread and the other vCPUs may be reading guest memory, so both the
 * table change and the munmap happen under the slot lock held exclusive
 * (guestmem.c): no reader holds a pointer into the slot when it goes.
 * KVM's own readers (vCPUs inside KVM_RUN) are KVM's business: the ioctl
 * returns only once no vCPU can reach the old slot (api.rst 4.35).
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvmlab.h"

static int set_region(struct vm *vm, const struct mem_slot *s, uint64_t size)
{
	struct kvm_userspace_memory_region r = {
		.slot = s->id,
		.flags = s->flags,
		.guest_phys_addr = s->gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)s->hva,
	};
	uint64_t t0 = setup_clock();
	int rc = ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r);

	setup_record(&vm->setup, "memory slot", "KVM_SET_USER_MEMORY_REGION", t0);

	vlog("ioctl(vm, KVM_SET_USER_MEMORY_REGION, slot %u: GPA 0x%llx + 0x%llx -> HVA %p)%s%s = %d",
	     s->id, (unsigned long long)s->gpa, (unsigned long long)size, (void *)s->hva,
	     s->flags & KVM_MEM_READONLY ? " read-only" : "", s->flags & KVM_MEM_LOG_DIRTY_PAGES ? " dirty-log" : "", rc);
	return rc;
}

static int slot_drop(struct vm *vm, uint32_t id, char *err, size_t errlen);

int memregion_add(struct vm *vm, struct mem_slot *s, char *err, size_t errlen)
{
	int rc;

	if (memslots_check(&vm->mem, s, err, errlen) != 0)
		return XC_HOST;
	if ((s->flags & KVM_MEM_READONLY) && !kvm_has(vm->kvm, CAP_READONLY_MEM)) {
		snprintf(err, errlen, "memory slot %s: read-only slots need KVM_CAP_READONLY_MEM, which this KVM lacks",
			 s->name);
		return XC_HOST;
	}
	rc = backing_map(s->backing, s->size, s, err, errlen);
	if (rc != XC_OK)
		return rc;
	if (s->id == SLOT_RAM && vm->cfg.memcfg.numa_bind &&
	    (rc = numa_bind(s, vm->cfg.memcfg.numa_node, err, errlen)) != XC_OK) {
		backing_unmap(s);       /* before any page is touched: the policy covers them all */
		return rc;
	}
	if (set_region(vm, s, s->size) < 0) {
		snprintf(err, errlen, "KVM_SET_USER_MEMORY_REGION (slot %u %s, GPA 0x%llx, %llu bytes, flags 0x%x): %s",
			 s->id, s->name, (unsigned long long)s->gpa, (unsigned long long)s->size, s->flags,
			 strerror(errno));
		backing_unmap(s);
		return XC_HOST;
	}
	gmem_change_begin(&vm->mem);                    /* readers walk slot[] */
	memslots_add(&vm->mem, s, err, errlen);         /* checked above: cannot fail */
	gmem_change_end(&vm->mem);
	/* Outside the lock: a listener reads the slots (a vhost-user table). */
	for (int i = 0; i < vm->mem.nlisteners; i++) {
		const struct mem_listener *l = vm->mem.listener[i];
		char why[256] = "";
		if (l->changed(l->opaque, -1, why, sizeof(why)) == 0)
			continue;
		snprintf(err, errlen, "%s: %s: the slot is taken out again", l->name, why);
		for (int k = 0; k < i; k++)     /* those that took it hear that it goes */
			vm->mem.listener[k]->changed(vm->mem.listener[k]->opaque, (int)s->id, why, sizeof(why));
		char err2[256];
		if (slot_drop(vm, s->id, err2, sizeof(err2)) != XC_OK)
			warnx_("%s", err2);
		return XC_HOST;
	}
	return XC_OK;
}

int memregion_listen(struct guest_mem *m, const struct mem_listener *l)
{
	if (m->nlisteners >= MEM_LISTENERS_MAX)
		return -1;
	m->listener[m->nlisteners++] = l;
	return 0;
}

void memregion_unlisten(struct guest_mem *m, const struct mem_listener *l)
{
	for (int i = 0; i < m->nlisteners; i++)
		if (m->listener[i] == l) {
			memmove(&m->listener[i], &m->listener[i + 1], (size_t)(m->nlisteners - i - 1) * sizeof(l));
			m->nlisteners--;
			return;
		}
}

int memregion_remove(struct vm *vm, uint32_t id, char *err, size_t errlen)
{
	if (!memslots_by_id(&vm->mem, id)) {
		snprintf(err, errlen, "no memory slot %u", id);
		return XC_HOST;
	}
	/* Before it goes, and outside the lock: a listener must stop using it first. */
	for (int i = 0; i < vm->mem.nlisteners; i++) {
		const struct mem_listener *l = vm->mem.listener[i];
		char why[256] = "";
		if (l->changed(l->opaque, (int)id, why, sizeof(why)) != 0)
			warnx_("%s: %s (its own mapping keeps the slot's pages: kvmlab's memory is not at risk)",
			       l->name, why);
	}
	return slot_drop(vm, id, err, errlen);
}

/* The slot out of KVM and of the table, then unmapped; no listener is told. */
static int slot_drop(struct vm *vm, uint32_t id, char *err, size_t errlen)
{
	const struct mem_slot *found = memslots_by_id(&vm->mem, id);
	struct mem_slot s;

	if (!found) {
		snprintf(err, errlen, "no memory slot %u", id);
		return XC_HOST;
	}
	s = *found;
	/* From here until the munmap no reader may hold a pointer into the slot. */
	gmem_change_begin(&vm->mem);
	if (vm->fd >= 0 && set_region(vm, &s, 0) < 0) {
		gmem_change_end(&vm->mem);
		snprintf(err, errlen, "KVM_SET_USER_MEMORY_REGION (delete slot %u): %s", id, strerror(errno));
		return XC_HOST;
	}
	memslots_remove(&vm->mem, id);
	backing_unmap(&s);
	gmem_change_end(&vm->mem);
	return XC_OK;
}

int memregion_hotplug(struct vm *vm, uint64_t size, char *err, size_t errlen)
{
	struct mem_slot s = {
		.id = SLOT_HOTPLUG, .gpa = GPA_HOTPLUG, .size = size, .name = "hotplug",
		/* memfd for a vhost-user back-end to map (vhost_blk_mem_changed), which
		 * never runs under --sandbox; else anonymous, which the vCPU thread's
		 * allowlist permits (memfd_create it does not: vmm/security/sandbox.c). */
		.backing = vm->cfg.io.vhost_blk ? BACKING_MEMFD : BACKING_ANON, .memfd = -1,
		/* As the RAM slot: a live migration reads its dirty log too (precopy_live.c).
		 * Not with the dirty ring, whose harvest (dirty.c) counts slot 0 only. */
		.flags = vm->cfg.memcfg.dirty == DIRTY_BITMAP ? KVM_MEM_LOG_DIRTY_PAGES : 0,
	};

	return memregion_add(vm, &s, err, errlen);
}

/* Teardown: every other thread has been joined (machine_teardown stops the I/O thread first). */
void memregion_remove_all(struct vm *vm)
{
	while (vm->mem.nslots > 0) {
		struct mem_slot s = vm->mem.slot[vm->mem.nslots - 1];
		/* The VM fd is about to close, which drops every slot; just unmap. */
		memslots_remove(&vm->mem, s.id);
		backing_unmap(&s);
	}
}
