/*
 * cpulist.c - libFuzzer harness: --pin lists and the kernel's CPU-list
 * format (vmm/core/cpulist.c cpulist_parse, cpulist_contains).
 *
 * The first byte is the capacity given to cpulist_parse (0..VCPUS_MAX), the
 * rest one string (exact-size copy).  Properties: an accepted --pin list
 * fits the capacity and holds CPU numbers 0..4095; every CPU it names is
 * "contained" in the same text read as a kernel CPU list; cpulist_contains
 * never reads past the string for any CPU number.
 */
#include <stdlib.h>
#include <string.h>

#include "kvmlab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int cpus[VCPUS_MAX];

	if (size < 1)
		return 0;
	int max = data[0] % (VCPUS_MAX + 1);
	char *s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	int n = cpulist_parse(s, cpus, max);
	if (n > max || n == 0)
		abort();        /* -1 or 1..max */
	for (int i = 0; i < n; i++)
		if (cpus[i] < 0 || cpus[i] > 4095 || !cpulist_contains(s, cpus[i]))
			abort();
	(void)cpulist_contains(s, data[0] * 16);
	free(s);
	return 0;
}
