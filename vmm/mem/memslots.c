/*
 * memslots.c - the table of guest memory slots.
 *
 * KVM knows guest memory only as slots: "GPA range -> HVA range, flags"
 * (api.rst 4.35 KVM_SET_USER_MEMORY_REGION).  Whatever has no slot is a hole,
 * and every access there leaves the guest as KVM_EXIT_MMIO.  This file keeps
 * kvmlab's copy of that table and refuses what KVM would refuse (or what
 * would break the guest ABI) before any ioctl is made.  Pure: unit-tested.
 *
 * Default layout (docs/memory.md):
 *   slot 0 "ram"      [0, --mem)                       read/write
 *   slot 1 "rom"      --rom GPA,SIZE (e.g. the reset-vector ROM at 0xFFFF0000)  KVM_MEM_READONLY
 *   slot 2 "hotplug"  GPA_HOTPLUG, added and removed while the guest runs
 */
#include <string.h>

#include "kvmlab.h"

#define SLOT_ALIGN 4096ULL              /* KVM requires page-aligned GPA, size and HVA */

static bool overlaps(uint64_t a, uint64_t asz, uint64_t b, uint64_t bsz)
{
	return a < b + bsz && b < a + asz;      /* callers proved neither end wraps */
}

int memslots_check(const struct guest_mem *m, const struct mem_slot *s, char *err, size_t errlen)
{
	const char *name = s->name ? s->name : "slot";

	if (s->size == 0 || s->gpa % SLOT_ALIGN || s->size % SLOT_ALIGN) {
		snprintf(err, errlen, "memory slot %s: GPA 0x%llx and size 0x%llx must be non-zero multiples of 4 KiB",
			 name, (unsigned long long)s->gpa, (unsigned long long)s->size);
		return -1;
	}
	/* gpa + size <= limit, written so that it cannot wrap. */
	if (s->gpa >= GPA_IDMAP_END || s->size > GPA_IDMAP_END - s->gpa) {
		snprintf(err, errlen, "memory slot %s: [0x%llx, +0x%llx) does not end by 4 GiB, the end of the identity map",
			 name, (unsigned long long)s->gpa, (unsigned long long)s->size);
		return -1;
	}
	if (!s->window && s->gpa + s->size > GPA_MMIO_BASE) {
		snprintf(err, errlen, "memory slot %s: [0x%llx, 0x%llx) reaches into the MMIO window at 0x%llx",
			 name, (unsigned long long)s->gpa, (unsigned long long)(s->gpa + s->size),
			 (unsigned long long)GPA_MMIO_BASE);
		return -1;
	}
	if (m->nslots >= MEMSLOTS_MAX) {
		snprintf(err, errlen, "memory slot %s: all %d slots are in use", name, MEMSLOTS_MAX);
		return -1;
	}
	for (int i = 0; i < m->nslots; i++) {
		const struct mem_slot *o = &m->slot[i];
		if (o->id == s->id) {
			snprintf(err, errlen, "memory slot %s: slot number %u is already %s", name, s->id, o->name);
			return -1;
		}
		if (overlaps(s->gpa, s->size, o->gpa, o->size)) {
			snprintf(err, errlen, "memory slot %s: [0x%llx, 0x%llx) overlaps slot %u %s [0x%llx, 0x%llx)",
				 name, (unsigned long long)s->gpa, (unsigned long long)(s->gpa + s->size),
				 o->id, o->name, (unsigned long long)o->gpa, (unsigned long long)(o->gpa + o->size));
			return -1;
		}
	}
	return 0;
}

int memslots_add(struct guest_mem *m, const struct mem_slot *s, char *err, size_t errlen)
{
	if (memslots_check(m, s, err, errlen) != 0)
		return -1;
	m->slot[m->nslots++] = *s;
	if (s->id == SLOT_RAM && s->gpa == 0) {         /* the compatibility view: RAM at 0 */
		m->hva = s->hva;
		m->size = s->size;
	}
	return 0;
}

int memslots_remove(struct guest_mem *m, uint32_t id)
{
	for (int i = 0; i < m->nslots; i++) {
		if (m->slot[i].id != id)
			continue;
		if (id == SLOT_RAM) {
			m->hva = NULL;
			m->size = 0;
		}
		m->slot[i] = m->slot[--m->nslots];
		return 0;
	}
	return -1;
}

const struct mem_slot *memslots_find(const struct guest_mem *m, uint64_t gpa)
{
	for (int i = 0; i < m->nslots; i++) {
		const struct mem_slot *s = &m->slot[i];
		if (gpa >= s->gpa && gpa - s->gpa < s->size)
			return s;
	}
	return NULL;
}

const struct mem_slot *memslots_by_id(const struct guest_mem *m, uint32_t id)
{
	for (int i = 0; i < m->nslots; i++)
		if (m->slot[i].id == id)
			return &m->slot[i];
	return NULL;
}
