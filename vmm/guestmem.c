/*
 * guestmem.c - the one door into guest memory.
 *
 * Every GPA and length that reaches kvmlab comes from the guest, so every
 * access is checked here, written so that gpa + len can never wrap.
 */
#include <string.h>

#include "kvmlab.h"

void *gmem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	if (!m->hva || gpa >= m->size)
		return NULL;
	if (len > m->size - gpa)        /* not gpa + len > size: that can overflow */
		return NULL;
	return m->hva + gpa;
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
