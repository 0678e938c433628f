/*
 * parse.c - strict parsing of command-line values.
 *
 * strtoull alone accepts "-1" (as 2^64-1), leading spaces and trailing junk;
 * a mature tool must reject all three, so every value goes through here.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>

#include "kvmlab.h"

int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!s || !isdigit((unsigned char)s[0]))
		return -1;              /* rejects "", "-1", " 1", "+1" */
	/* Decimal, or hex with 0x; base 0 would read "010" as octal 8. */
	int base = (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int parse_size(const char *s, uint64_t *out)
{
	char *end;
	int shift = 0;

	if (!s || !isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: return -1;
	}
	if (shift && end[0] == 'i' && end[1] == 'B')    /* KiB, MiB, GiB */
		end += 2;
	else if (*end == 'B')                           /* KB, MB, GB, or bytes: 4096B */
		end++;
	if (*end)
		return -1;
	if (shift && v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

int parse_seconds(const char *s, double *out)
{
	char *end;

	if (!s || !(isdigit((unsigned char)s[0]) || s[0] == '.'))
		return -1;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < 0 || v > 86400.0)
		return -1;
	*out = v;
	return 0;
}

int parse_mem(const char *s, uint64_t *out)
{
	uint64_t v;

	if (parse_size(s, &v) != 0 || v < MEM_MIN || v > MEM_MAX || v % 4096)
		return -1;
	*out = v;
	return 0;
}

int usage_fail(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kvmlab %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see kvmlab %s --help)\n", cmd);
	return XC_USAGE;
}
