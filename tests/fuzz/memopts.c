/*
 * memopts.c - libFuzzer harness: the memory options of `kvmlab run`
 * (vmm/mem/memopts.c), above all --rom=GPA,SIZE.
 *
 * The first byte picks the option, the rest is its value (an exact-size
 * NUL-terminated copy).  Properties: a refusal always says why; an accepted
 * --rom has a non-zero size and both numbers print back to the same
 * --rom value (nothing truncated, nothing ignored); --translate never
 * stores more than TRANSLATE_MAX addresses.
 */
#include <stdlib.h>
#include <string.h>

#include "kvmlab.h"

static const int opts[] = {
	MEMOPT_BACKING, MEMOPT_BACKING_FALLBACK, MEMOPT_ROM, MEMOPT_ROM_WRITE,
	MEMOPT_UNMAPPED, MEMOPT_DIRTY_LOG, MEMOPT_PRECOPY_BUDGET, MEMOPT_TRANSLATE,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mem_config mc;    /* kept across inputs: --translate accumulates */
	char err[256];

	if (size < 1)
		return 0;
	int opt = opts[data[0] % (sizeof(opts) / sizeof(opts[0]))];
	char *s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	err[0] = '\0';
	int rc = memopts_parse(opt, s, &mc, err, sizeof(err));
	if (rc != 0 && !err[0])
		abort();                /* a refusal says why */
	if (rc == 0 && opt == MEMOPT_ROM) {
		struct mem_config again = { 0 };
		char back[64];
		if (mc.rom_size == 0)
			abort();        /* --rom=X,0 must be refused, not "no ROM" */
		snprintf(back, sizeof(back), "0x%llx,%llu", (unsigned long long)mc.rom_gpa,
			 (unsigned long long)mc.rom_size);
		if (memopts_parse(MEMOPT_ROM, back, &again, err, sizeof(err)) != 0 ||
		    again.rom_gpa != mc.rom_gpa || again.rom_size != mc.rom_size)
			abort();        /* what was stored is not what was given */
	}
	if (mc.ntranslate < 0 || mc.ntranslate > TRANSLATE_MAX)
		abort();
	free(s);
	return 0;
}
