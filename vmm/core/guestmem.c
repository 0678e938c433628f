/*
 * guestmem.c - the one door into guest memory.
 *
 * Every GPA and length that reaches kvmlab comes from the guest, so every
 * access is checked here, written so that gpa + len can never wrap.  A range
 * must lie inside one memory slot: two slots adjacent in GPA space are not
 * adjacent in the host's address space (memslots.c).
 */
#include <string.h>

#include "kvmlab.h"

void *gmem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	uint8_t *base = m->hva;
	uint64_t start = 0, size = m->size;

	if (m->nslots > 0) {
		const struct mem_slot *s = memslots_find(m, gpa);
		if (!s)
			return NULL;
		base = s->hva;
		start = s->gpa;
		size = s->size;
	}
	if (!base || gpa < start || gpa - start >= size)
		return NULL;
	if (len > size - (gpa - start))         /* not gpa + len > end: that can overflow */
		return NULL;
	return base + (gpa - start);
}

int gmem_read(const struct guest_mem *m, uint64_t gpa, void *dst, uint64_t len)
{
	void *p = gmem_ptr(m, gpa, len);

	if (!p)
		return -1;
	memcpy(dst, p, len);
	return 0;
}

int gmem_write(const struct guest_mem *m, uint64_t gpa, const void *src, uint64_t len)
{
	void *p = gmem_ptr(m, gpa, len);

	if (!p)
		return -1;
	memcpy(p, src, len);
	return 0;
}
