/*
 * memopts.c - the memory options of `kvmlab run` (docs/memory.md).
 */
#include <string.h>

#include "kvmlab.h"

const char memopts_help[] =
	"  --backing KIND    guest RAM backing: anon (4 KiB pages, default), thp (madvise\n"
	"                    MADV_HUGEPAGE), hugetlb (reserved 2 MiB pages), memfd (shared)\n"
	"  --backing-fallback  with --backing hugetlb: use anon if no huge pages are reserved\n"
	"                    (without it that is a host error, exit 7)\n"
	"  --rom[=GPA,SIZE]  add a read-only slot (default 0xFFFF0000,64K); each 8-byte word\n"
	"                    holds its own GPA; guest writes become MMIO exits\n"
	"  --rom-write POLICY  ignore (default) or fail (end the run, exit 6) on a ROM write\n"
	"  --unmapped POLICY   ignore (default: writes vanish, reads are all ones) or fail\n"
	"                    (exit 6) on an access to a GPA with no slot and no device\n"
	"  --dirty-log MODE  log RAM writes: bitmap (KVM_GET_DIRTY_LOG) or ring (dirty ring);\n"
	"                    harvested when the guest asks through port 0xF8\n"
	"  --precopy-budget PAGES  simulate pre-copy migration at PAGES pages per round\n"
	"  --translate GVA   at the end of the run: GVA -> GPA -> HVA -> HPA (repeatable)\n";

int memopts_parse(int opt, const char *arg, struct mem_config *mc, char *err, size_t errlen)
{
	uint64_t v;
	int k;
	const char *want = "";

	switch (opt) {
	case MEMOPT_BACKING:
		want = "--backing: '%s' is not anon, thp, hugetlb or memfd";
		if ((k = backing_parse(arg)) < 0)
			goto bad;
		mc->backing = k;
		return 0;
	case MEMOPT_BACKING_FALLBACK:
		mc->backing_fallback = true;
		return 0;
	case MEMOPT_ROM: {
		mc->rom_gpa = GPA_ROM_DEFAULT;
		mc->rom_size = ROM_SIZE_DEFAULT;
		want = "--rom=%s: want GPA,SIZE, e.g. --rom=0xFFFF0000,64K";
		if (!arg)
			return 0;
		/* Parse the argument in place, whatever its length: a fixed
		 * buffer would cut "0x1000,4096000" to a shorter size silently. */
		const char *comma = strchr(arg, ',');
		char gpa[32];
		size_t n = comma ? (size_t)(comma - arg) : 0;
		if (!comma || n == 0 || n >= sizeof(gpa))
			goto bad;       /* no u64 needs 32 characters */
		memcpy(gpa, arg, n);
		gpa[n] = '\0';
		if (parse_u64(gpa, &mc->rom_gpa) != 0 || parse_size(comma + 1, &mc->rom_size) != 0)
			goto bad;
		if (mc->rom_size == 0) {        /* 0 means "no ROM" inside; never from the user */
			snprintf(err, errlen, "--rom=%s: SIZE must be at least 4K", arg);
			return -1;
		}
		return 0;
	}
	case MEMOPT_ROM_WRITE:
		want = "--rom-write: '%s' is not ignore or fail";
		if ((k = policy_parse(arg)) < 0)
			goto bad;
		mc->rom_policy = k;
		return 0;
	case MEMOPT_UNMAPPED:
		want = "--unmapped: '%s' is not ignore or fail";
		if ((k = policy_parse(arg)) < 0)
			goto bad;
		mc->unmapped_policy = k;
		return 0;
	case MEMOPT_DIRTY_LOG:
		want = "--dirty-log: '%s' is not bitmap or ring";
		if (!strcmp(arg, "bitmap"))
			mc->dirty = DIRTY_BITMAP;
		else if (!strcmp(arg, "ring"))
			mc->dirty = DIRTY_RING;
		else
			goto bad;
		return 0;
	case MEMOPT_PRECOPY_BUDGET:
		want = "--precopy-budget: '%s' is not a positive number of pages";
		if (parse_u64(arg, &v) != 0 || v == 0)
			goto bad;
		mc->precopy_budget = v;
		return 0;
	case MEMOPT_TRANSLATE:
		want = "--translate: '%s' is not an address (e.g. 0xFFFF800000200000)";
		if (parse_u64(arg, &v) != 0)
			goto bad;
		if (mc->ntranslate >= TRANSLATE_MAX) {
			snprintf(err, errlen, "--translate: at most %d addresses", TRANSLATE_MAX);
			return -1;
		}
		mc->translate[mc->ntranslate++] = v;
		return 0;
	}
	snprintf(err, errlen, "unknown memory option");
	return -1;
bad:
	snprintf(err, errlen, want, arg ? arg : "");
	return -1;
}
