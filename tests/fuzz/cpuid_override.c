/*
 * cpuid_override.c - libFuzzer harness: --cpuid LEAF[.SUBLEAF]:REG=VALUE
 * (vmm/core/cpuid.c cpuid_parse_override and cpuid_config_add).
 *
 * The input is newline-separated --cpuid values (exact-size copies).
 * Properties: a refusal says why; an accepted value names a real register
 * and prints back to the same override; the config never holds more than
 * CPUID_OVERRIDES_MAX entries nor the same leaf.subleaf:reg twice.
 */
#include <stdlib.h>
#include <string.h>

#include "kvmlab.h"

static void check_one(const char *s, struct cpuid_config *c)
{
	struct cpuid_override o, back;
	char err[256], text[96];

	err[0] = '\0';
	if (cpuid_parse_override(s, &o, err, sizeof(err)) != 0) {
		if (!err[0])
			abort();
		return;
	}
	if (o.reg < 0 || o.reg >= CPUID_REG_COUNT || (!o.has_subleaf && o.subleaf))
		abort();
	if (o.has_subleaf)
		snprintf(text, sizeof(text), "0x%x.%u:%s=%u", o.leaf, o.subleaf, cpuid_reg_name(o.reg), o.value);
	else
		snprintf(text, sizeof(text), "%u:%s=0x%x", o.leaf, cpuid_reg_name(o.reg), o.value);
	if (cpuid_parse_override(text, &back, err, sizeof(err)) != 0 || memcmp(&o, &back, sizeof(o)))
		abort();        /* printed back, it reads as something else */
	err[0] = '\0';
	if (cpuid_config_add(c, &o, err, sizeof(err)) != 0 && !err[0])
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cpuid_config c = { 0 };
	size_t i = 0;

	while (i <= size) {
		const uint8_t *nl = memchr(data + i, '\n', size - i);
		size_t n = nl ? (size_t)(nl - (data + i)) : size - i;
		char *s = malloc(n + 1);
		if (!s)
			return 0;
		memcpy(s, data + i, n);
		s[n] = '\0';
		check_one(s, &c);
		free(s);
		i += n + 1;
	}
	if (c.n < 0 || c.n > CPUID_OVERRIDES_MAX)
		abort();
	for (int a = 0; a < c.n; a++)
		for (int b = a + 1; b < c.n; b++)
			if (c.ov[a].leaf == c.ov[b].leaf && c.ov[a].subleaf == c.ov[b].subleaf &&
			    c.ov[a].reg == c.ov[b].reg)
				abort();        /* the same register set twice */
	return 0;
}
