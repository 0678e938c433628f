/*
 * backing.c - what host memory stands behind a memory slot.
 *
 * The same guest RAM can be backed four ways, and the choice decides the
 * host page size under every guest page (which is what huge pages buy:
 * fewer host faults, fewer TLB entries, larger EPT/NPT or shadow mappings):
 *   anon     4 KiB anonymous pages, reserved lazily (MAP_NORESERVE)
 *   thp      anonymous + madvise(MADV_HUGEPAGE): the kernel may use 2 MiB pages
 *   hugetlb  MAP_HUGETLB: 2 MiB pages from the hugetlbfs pool, which an
 *            administrator must reserve first (Documentation/admin-guide/mm/hugetlbpage.rst)
 *   memfd    memfd_create + MAP_SHARED: a file-like object another process could map
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvmlab.h"

#define HUGE_2M (2ULL << 20)            /* x86 2 MiB page: SDM 4.5, PDE with PS = 1 */
#define HUGEPAGES_FREE "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"

static const char *const backing_names[BACKING_COUNT] = {
	[BACKING_ANON] = "anon", [BACKING_THP] = "thp", [BACKING_HUGETLB] = "hugetlb", [BACKING_MEMFD] = "memfd",
};

const char *backing_name(int kind)
{
	return kind >= 0 && kind < BACKING_COUNT ? backing_names[kind] : "unknown";
}

int backing_parse(const char *s)
{
	for (int i = 0; i < BACKING_COUNT; i++)
		if (!strcmp(s, backing_names[i]))
			return i;
	return -1;
}

static long free_hugepages(void)
{
	FILE *f = fopen(HUGEPAGES_FREE, "r");
	long n = -1;

	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

int backing_map(int kind, uint64_t size, struct mem_slot *s, char *err, size_t errlen)
{
	int prot = PROT_READ | PROT_WRITE;
	void *p = MAP_FAILED;

	s->memfd = -1;
	s->map_size = size;
	switch (kind) {
	case BACKING_ANON:
	case BACKING_THP:
		/* MAP_NORESERVE: pages are reserved when the guest first touches them. */
		p = mmap(NULL, size, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p != MAP_FAILED && kind == BACKING_THP && madvise(p, size, MADV_HUGEPAGE) != 0) {
			snprintf(err, errlen, "madvise(MADV_HUGEPAGE): %s (is THP disabled in "
				 "/sys/kernel/mm/transparent_hugepage/enabled?)", strerror(errno));
			munmap(p, size);
			return XC_HOST;
		}
		break;
	case BACKING_HUGETLB: {
		/* No MAP_NORESERVE here: without a reservation a hugetlb fault is a SIGBUS. */
		uint64_t want = (size + HUGE_2M - 1) / HUGE_2M;
		long have = free_hugepages();
		s->map_size = want * HUGE_2M;
		p = mmap(NULL, s->map_size, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		if (p == MAP_FAILED) {
			snprintf(err, errlen, "--backing hugetlb: %llu huge pages of 2 MiB needed, %ld free (%s); "
				 "reserve them as root with `echo %llu > /proc/sys/vm/nr_hugepages`, "
				 "or add --backing-fallback to use 4 KiB pages",
				 (unsigned long long)want, have, strerror(errno), (unsigned long long)want);
			return XC_HOST;
		}
		break;
	}
	case BACKING_MEMFD:
		s->memfd = memfd_create("kvmlab-guest-ram", MFD_CLOEXEC);
		if (s->memfd < 0 || ftruncate(s->memfd, (off_t)size) != 0) {
			snprintf(err, errlen, "memfd_create/ftruncate (%llu bytes): %s",
				 (unsigned long long)size, strerror(errno));
			if (s->memfd >= 0)
				close(s->memfd);
			s->memfd = -1;
			return XC_HOST;
		}
		p = mmap(NULL, size, prot, MAP_SHARED, s->memfd, 0);
		break;
	default:
		snprintf(err, errlen, "unknown backing %d", kind);
		return XC_HOST;
	}
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "mmap of %llu bytes of guest memory (%s): %s",
			 (unsigned long long)size, backing_name(kind), strerror(errno));
		if (s->memfd >= 0)
			close(s->memfd);
		s->memfd = -1;
		return XC_HOST;
	}
	s->hva = p;
	s->backing = kind;
	return XC_OK;
}

void backing_unmap(struct mem_slot *s)
{
	if (s->hva)
		munmap(s->hva, s->map_size);
	if (s->memfd >= 0)
		close(s->memfd);
	s->hva = NULL;
	s->memfd = -1;
}
