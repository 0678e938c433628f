/*
 * guestmem.c - the one door into guest memory.
 *
 * Every GPA and length that reaches kvmlab comes from the guest, so every
 * access is checked here, written so that gpa + len can never wrap.  A range
 * must lie inside one memory slot: two slots adjacent in GPA space are not
 * adjacent in the host's address space (memslots.c).
 *
 * A pointer from gmem_ptr is only good while its slot exists.  The guest can
 * remove a slot (memctl hotplug) while the I/O thread or another vCPU reads
 * it, so the slot table has a read/write lock: readers hold it shared for as
 * long as they use a pointer (one virtqueue chain, one report record, one
 * page walk), memregion.c holds it exclusive from before
 * KVM_SET_USER_MEMORY_REGION until after munmap (docs/memory.md).
 */
#define _GNU_SOURCE                     /* pthread_rwlockattr_setkind_np */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvmlab.h"

void gmem_init(struct guest_mem *m)
{
	pthread_rwlockattr_t a;

	/* glibc prefers readers by default: a polling I/O thread that takes the
	 * lock again and again could keep an unplug waiting for ever. */
	pthread_rwlockattr_init(&a);
	pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&m->lock, &a);
	pthread_rwlockattr_destroy(&a);
}

/* The lock is not part of the guest memory a const reader promises not to
 * change: taking it shared through a const pointer is allowed here only. */
void gmem_hold(const struct guest_mem *m)
{
	pthread_rwlock_rdlock((pthread_rwlock_t *)&m->lock);
}

void gmem_release(const struct guest_mem *m)
{
	pthread_rwlock_unlock((pthread_rwlock_t *)&m->lock);
}

void gmem_change_begin(struct guest_mem *m)
{
	pthread_rwlock_wrlock(&m->lock);
}

void gmem_change_end(struct guest_mem *m)
{
	pthread_rwlock_unlock(&m->lock);
}

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

/* The slot [gpa, gpa+len) lies in, or NULL (the unit tests' slot-less range counts as slot 0). */
static const struct mem_slot *slot_of(const struct guest_mem *m, uint64_t gpa)
{
	return m->nslots > 0 ? memslots_find(m, gpa) : NULL;
}

void *gmem_ptr_writable(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	const struct mem_slot *s = slot_of(m, gpa);

	/* KVM_MEM_READONLY (api.rst 4.35): the guest's own writes there exit as MMIO;
	 * a device writing on the guest's behalf must not get further than the guest. */
	if (s && (s->flags & KVM_MEM_READONLY))
		return NULL;
	return gmem_ptr(m, gpa, len);
}

int gmem_write(const struct guest_mem *m, uint64_t gpa, const void *src, uint64_t len)
{
	void *p = gmem_ptr_writable(m, gpa, len);

	if (!p)
		return -1;
	memcpy(p, src, len);
	return 0;
}

int gmem_load(const struct guest_mem *m, uint64_t gpa, const void *src, uint64_t len)
{
	void *p = gmem_ptr(m, gpa, len);        /* read-only slots too: the VMM owns their image */

	if (!p)
		return -1;
	memcpy(p, src, len);
	return 0;
}

int gmem_discard(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	const struct mem_slot *s = slot_of(m, gpa);
	long page = sysconf(_SC_PAGESIZE);
	uint8_t *p = gmem_ptr(m, gpa, len);

	if (!p || len == 0 || (uintptr_t)p % (uintptr_t)page || len % (uint64_t)page) {
		errno = EINVAL;
		return -1;
	}
	if (s && (s->flags & KVM_MEM_READONLY)) {
		errno = EPERM;          /* ROM: its contents are the image, not the guest's to give away */
		return -1;
	}
	/* A shared (memfd) mapping keeps its pages in the file: only punching the
	 * hole frees them (madvise(2) MADV_REMOVE); anonymous memory drops them
	 * with MADV_DONTNEED and reads zeros on the next touch. */
	int advice = s && s->backing == BACKING_MEMFD ? MADV_REMOVE : MADV_DONTNEED;
	if (m->discard_hook)
		return m->discard_hook(m->discard_arg, p, gpa, len, advice);
	return madvise(p, len, advice);
}

int64_t gmem_resident(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	uint8_t *p = gmem_ptr(m, gpa, len);

	if (!p || (uintptr_t)p % (uintptr_t)page)
		return -1;
	uint64_t n = (len + (uint64_t)page - 1) / (uint64_t)page;
	unsigned char *vec = malloc(n ? n : 1);
	if (!vec)
		return -1;
	int64_t bytes = -1;
	if (mincore(p, len, vec) == 0) {
		bytes = 0;
		for (uint64_t i = 0; i < n; i++)
			bytes += (vec[i] & 1) ? page : 0;
	}
	free(vec);
	return bytes;
}
