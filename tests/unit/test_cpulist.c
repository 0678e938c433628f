/* cpulist.c: the --pin list and the sysfs CPU-list format. */
#include "check.h"
#include "kvmlab.h"

static void cpulist_parse_accepts_a_comma_list(void)
{
	int c[4];

	CHECK_EQ(cpulist_parse("0,1,3", c, 4), 3);
	CHECK_EQ(c[0], 0);
	CHECK_EQ(c[1], 1);
	CHECK_EQ(c[2], 3);
	CHECK_EQ(cpulist_parse("7", c, 4), 1);
	CHECK_EQ(c[0], 7);
}

static void cpulist_parse_rejects_malformed_lists(void)
{
	int c[2];

	CHECK(cpulist_parse("", c, 2) == -1);
	CHECK(cpulist_parse(NULL, c, 2) == -1);
	CHECK(cpulist_parse("0,", c, 2) == -1);
	CHECK(cpulist_parse(",0", c, 2) == -1);
	CHECK(cpulist_parse("-1", c, 2) == -1);
	CHECK(cpulist_parse("0-1", c, 2) == -1);
	CHECK(cpulist_parse("a", c, 2) == -1);
	CHECK(cpulist_parse("0,1,2", c, 2) == -1);     /* more than max */
	CHECK(cpulist_parse("99999999999", c, 2) == -1);
}

static void cpulist_contains_reads_sysfs_ranges(void)
{
	CHECK(cpulist_contains("0-1\n", 0));
	CHECK(cpulist_contains("0-1\n", 1));
	CHECK(!cpulist_contains("0-1\n", 2));
	CHECK(cpulist_contains("0-3,6,8-9", 6));
	CHECK(cpulist_contains("0-3,6,8-9", 9));
	CHECK(!cpulist_contains("0-3,6,8-9", 7));
	CHECK(!cpulist_contains("", 0));
	CHECK(!cpulist_contains("3-1", 2));
	CHECK(!cpulist_contains("x", 0));
}

const struct unit_test cpulist_tests[] = {
	UNIT(cpulist_parse_accepts_a_comma_list),
	UNIT(cpulist_parse_rejects_malformed_lists),
	UNIT(cpulist_contains_reads_sysfs_ranges),
	{ 0 }
};
