/*
 * pagewalk.c - the guest's page tables, walked the way the MMU walks them.
 *
 * 4-level paging (SDM 4.5): CR3 -> PML4 -> PDPT -> PD -> PT, 9 bits of the
 * GVA per level, a PS bit in a PDPTE (1 GiB) or PDE (2 MiB) ending the walk
 * early.  kvmlab compares this walk with KVM_TRANSLATE; every entry is read
 * through gmem_read because the guest wrote it.  Pure: unit-tested.
 */
#include <string.h>

#include "kvmlab.h"
#include "x86.h"

#define GVA_INDEX_BITS   9              /* 512 entries per table */
#define GVA_PAGE_SHIFT   12
#define GVA_CANON_BITS   48             /* bits 63:47 must all equal bit 47 (SDM 3.3.7.1) */

static const char *const level_names[5] = { NULL, "PTE", "PDE", "PDPTE", "PML4E" };

const char *pagewalk_level_name(int level)
{
	return level >= 1 && level <= 4 ? level_names[level] : "?";
}

static bool canonical(uint64_t gva)
{
	int64_t s = (int64_t)(gva << (64 - GVA_CANON_BITS)) >> (64 - GVA_CANON_BITS);
	return (uint64_t)s == gva;
}

int pagewalk(const struct guest_mem *m, uint64_t cr3, uint64_t gva, struct walk *w)
{
	uint64_t table = cr3 & PTE_ADDR_MASK;

	memset(w, 0, sizeof(*w));
	if (!canonical(gva)) {
		snprintf(w->fault, sizeof(w->fault), "GVA 0x%llx is not canonical (bits 63:47 differ)",
			 (unsigned long long)gva);
		w->unmapped = true;     /* the CPU would fault (#GP) before any walk */
		return -1;
	}
	for (int level = 4; level >= 1; level--) {
		unsigned shift = GVA_PAGE_SHIFT + GVA_INDEX_BITS * (level - 1);
		unsigned index = (gva >> shift) & (PT_ENTRIES - 1);
		struct walk_step *st = &w->step[w->nsteps++];
		uint64_t e;

		st->level = level;
		st->table_gpa = table;
		st->index = index;
		if (gmem_read(m, table + index * 8, &e, sizeof(e)) != 0) {
			snprintf(w->fault, sizeof(w->fault), "%s at GPA 0x%llx is outside guest memory",
				 level_names[level], (unsigned long long)(table + index * 8));
			return -1;
		}
		st->entry = e;
		if (!(e & PTE_P)) {
			snprintf(w->fault, sizeof(w->fault), "%s[%u] not present: the guest would take #PF",
				 level_names[level], index);
			w->unmapped = true;
			return -1;
		}
		/* PS in a PDPTE maps 1 GiB, in a PDE 2 MiB; in a PML4E it is reserved. */
		bool leaf = level == 1 || ((level == 2 || level == 3) && (e & PTE_PS));
		if (leaf) {
			uint64_t size = 1ULL << shift;
			w->page_size = size;
			w->gpa = ((e & PTE_ADDR_MASK) & ~(size - 1)) | (gva & (size - 1));
			w->ok = true;
			return 0;
		}
		table = e & PTE_ADDR_MASK;
	}
	return -1;                      /* not reached: level 1 is always a leaf */
}
