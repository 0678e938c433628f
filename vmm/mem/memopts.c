/*
 * memopts.c - the values of the memory options of `kvmlab run` (docs/memory.md);
 * their names and help are rows of vmm/cli/opt_table.c.
 */
#include <string.h>

#include "kvmlab.h"

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
	case MEMOPT_NUMA_NODE:
		want = "--numa-node: '%s' is not a NUMA node of this host (see /sys/devices/system/node)";
		if (parse_u64(arg, &v) != 0 || v > 4095 || !numa_node_exists((int)v))
			goto bad;
		mc->numa_bind = true;
		mc->numa_node = (int)v;
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
