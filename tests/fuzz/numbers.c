/*
 * numbers.c - libFuzzer harness: the strict value parsers (vmm/cli/parse.c).
 *
 * The input is one command-line value (NUL-terminated copy, exact size, so
 * ASan sees a read past its end).  Properties: parse_u64 accepts only
 * decimal digits or 0x-hex and prints back to the same value; parse_size
 * accepts only DIGITS [K|M|G] [iB|B] ("iB" only after a unit), never wraps, and
 * its value is a multiple of the unit; parse_mem's value is in
 * [MEM_MIN, MEM_MAX] and 4 KiB aligned; parse_seconds is finite, 0..86400.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "kvmlab.h"

static void check_u64(const char *s)
{
	uint64_t v, w;
	char back[32];

	if (parse_u64(s, &v) != 0)
		return;
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	for (const char *p = hex ? s + 2 : s; *p; p++)
		if (!(hex ? isxdigit((unsigned char)*p) : isdigit((unsigned char)*p)))
			abort();        /* accepted junk */
	snprintf(back, sizeof(back), hex ? "0x%llx" : "%llu", (unsigned long long)v);
	if (parse_u64(back, &w) != 0 || w != v)
		abort();        /* the printed value does not read back */
}

static void check_size(const char *s)
{
	uint64_t v, m;
	double d;

	if (parse_size(s, &v) == 0) {
		const char *p = s;
		while (isdigit((unsigned char)*p))
			p++;
		uint64_t unit = *p == 'k' || *p == 'K' ? 1ULL << 10 : *p == 'm' || *p == 'M' ? 1ULL << 20 :
				*p == 'g' || *p == 'G' ? 1ULL << 30 : 1;
		if (p == s)
			abort();
		const char *tail = unit > 1 ? p + 1 : p;        /* grammar: DIGITS [KMG] [iB | B] */
		if (strcmp(tail, "") && strcmp(tail, "B") && !(unit > 1 && !strcmp(tail, "iB")))
			abort();        /* accepted junk after the number */
		if (v % unit)
			abort();        /* wrapped or truncated */
	}
	if (parse_mem(s, &m) == 0 && (m < MEM_MIN || m > MEM_MAX || m % 4096))
		abort();
	if (parse_seconds(s, &d) == 0 && !(d >= 0 && d <= 86400.0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_u64(s);
	check_size(s);
	free(s);
	return 0;
}
