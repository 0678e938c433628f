/*
 * test_parse.c - vmm/cli/parse.c: option values are parsed strictly.
 *
 * strtoull/strtod alone accept "-1", " 1", "1x" and overflow quietly; each
 * parser here must take exactly the documented forms and nothing else.
 */
#include "check.h"

static void t_parse_u64_accepts_decimal_and_limits(void)
{
	static const struct { const char *s; uint64_t v; } ok[] = {
		{ "0", 0 }, { "5", 5 }, { "1000000", 1000000 },
		{ "18446744073709551615", UINT64_MAX },         /* 2^64 - 1: the largest */
		{ "0x10", 16 },                                  /* hex is accepted */
		{ "010", 10 },                                   /* decimal, not octal 8 */
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint64_t v = 12345;
		CHECK_EQ(parse_u64(ok[i].s, &v), 0);
		CHECK_EQ(v, ok[i].v);
	}
}

static void t_parse_u64_rejects(void)
{
	static const char *const bad[] = {
		"", "-5", "-1", "+1", " 1", "1 ", "x", "5x", "1.5", "1e3",
		"18446744073709551616",                          /* 2^64: overflow */
		"99999999999999999999999",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 777;
		if (parse_u64(bad[i], &v) != -1)
			check_fail(__FILE__, __LINE__, "parse_u64(\"%s\") accepted", bad[i]);
		CHECK_EQ(v, 777);                               /* output untouched on error */
	}
	CHECK_EQ(parse_u64(NULL, &(uint64_t){ 0 }), -1);
}

static void t_parse_size_accepts_suffixes(void)
{
	static const struct { const char *s; uint64_t v; } ok[] = {
		{ "4096", 4096 }, { "0", 0 },
		{ "256K", 256ULL << 10 }, { "256k", 256ULL << 10 },
		{ "4M", 4ULL << 20 }, { "4m", 4ULL << 20 },
		{ "1G", 1ULL << 30 }, { "3g", 3ULL << 30 },
		{ "4MiB", 4ULL << 20 }, { "4MB", 4ULL << 20 }, { "128KiB", 128ULL << 10 },
		{ "16777215G", 16777215ULL << 30 },
		{ "010", 10 },                                   /* sizes are always decimal */
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint64_t v = 1;
		if (parse_size(ok[i].s, &v) != 0)
			check_fail(__FILE__, __LINE__, "parse_size(\"%s\") rejected", ok[i].s);
		CHECK_EQ(v, ok[i].v);
	}
}

static void t_parse_size_rejects(void)
{
	static const char *const bad[] = {
		"", "abc", "-1", "+4M", " 4M", "4M ", "4T", "4X", "4MBB", "4MiBx", "K", "0x10",
		"1.5M",
		"4096i", "4096iB", "4Ki",                       /* "i" only inside KiB/MiB/GiB */
		"99999999999G",                                 /* overflows 64 bits after the shift */
		"17179869184G",                                 /* 2^34 GiB = 2^64 bytes */
		"18446744073709551616",                         /* overflows before any shift */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 777;
		if (parse_size(bad[i], &v) != -1)
			check_fail(__FILE__, __LINE__, "parse_size(\"%s\") accepted (0x%" PRIx64 ")", bad[i], v);
		CHECK_EQ(v, 777);
	}
}

static void t_parse_seconds_accepts(void)
{
	static const struct { const char *s; double v; } ok[] = {
		{ "0", 0 }, { "10", 10 }, { "0.5", 0.5 }, { ".25", 0.25 }, { "1.", 1 },
		{ "86400", 86400 },                             /* one day: the largest */
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		double v = -1;
		if (parse_seconds(ok[i].s, &v) != 0 || v != ok[i].v)
			check_fail(__FILE__, __LINE__, "parse_seconds(\"%s\") = %g, want %g", ok[i].s, v, ok[i].v);
	}
}

static void t_parse_seconds_rejects(void)
{
	static const char *const bad[] = {
		"", "-1", "-0.5", "+1", " 1", "1 ", "abc", "1s", ".", "nan", "inf", "infinity",
		"1e99", "86400.5", "86401", "1e400",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		double v = 7;
		if (parse_seconds(bad[i], &v) != -1)
			check_fail(__FILE__, __LINE__, "parse_seconds(\"%s\") accepted (%g)", bad[i], v);
		CHECK(v == 7);
	}
	CHECK_EQ(parse_seconds(NULL, &(double){ 0 }), -1);
}

static void t_parse_mem_takes_only_guest_ram_sizes(void)
{
	uint64_t v = 7;

	CHECK_EQ(parse_mem("128K", &v), 0);
	CHECK_EQ(v, MEM_MIN);
	CHECK_EQ(parse_mem("3G", &v), 0);
	CHECK_EQ(v, MEM_MAX);
	CHECK_EQ(parse_mem("4M", &v), 0);
	CHECK_EQ(v, 4u << 20);
	v = 7;
	static const char *const bad[] = { "124K", "3145732K", "5G", "4097", "abc", "-1", "", "0" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ(parse_mem(bad[i], &v), -1);
	CHECK_EQ(v, 7);                 /* untouched on failure */
}

const struct unit_test parse_tests[] = {
	UNIT(t_parse_mem_takes_only_guest_ram_sizes),
	UNIT(t_parse_u64_accepts_decimal_and_limits),
	UNIT(t_parse_u64_rejects),
	UNIT(t_parse_size_accepts_suffixes),
	UNIT(t_parse_size_rejects),
	UNIT(t_parse_seconds_accepts),
	UNIT(t_parse_seconds_rejects),
	{ 0 },
};
