/*
 * test_mem_precopy.c - pre-copy arithmetic: pending(i+1) = pending(i) - B + D(i)
 * until pending <= B, then stop-and-copy.
 */
#include "check.h"

static void t_converges(void)
{
	struct precopy pc;
	const uint64_t dirty[] = { 10, 18, 4, 2 };

	precopy_simulate(&pc, 1024, 256, dirty, 4);
	/* 1024 -> 778 -> 540 -> 288 -> 34 */
	CHECK(pc.converged);
	CHECK_EQ(pc.rounds, 4);
	CHECK_EQ(pc.pending[1], 778);
	CHECK_EQ(pc.pending[3], 288);
	CHECK_EQ(pc.stop_copy_pages, 34);
	CHECK_EQ(pc.sent_pages, 4 * 256 + 34);
}

static void t_never_converges_when_dirtying_faster(void)
{
	struct precopy pc;
	const uint64_t dirty[] = { 300 };

	precopy_simulate(&pc, 1000, 200, dirty, 1);
	CHECK(!pc.converged);
	CHECK_EQ(pc.rounds, PRECOPY_ROUNDS_MAX);
	CHECK_EQ(pc.stop_copy_pages, 1000 + PRECOPY_ROUNDS_MAX * 100);
}

static void t_fits_at_once(void)
{
	struct precopy pc;

	precopy_simulate(&pc, 100, 256, NULL, 0);
	CHECK(pc.converged);
	CHECK_EQ(pc.rounds, 0);
	CHECK_EQ(pc.stop_copy_pages, 100);
}

static void t_zero_budget_is_no_simulation(void)
{
	struct precopy pc;

	precopy_simulate(&pc, 100, 0, NULL, 0);
	CHECK(!pc.converged);
	CHECK_EQ(pc.rounds, 0);
}

const struct unit_test precopy_tests[] = {
	UNIT(t_converges), UNIT(t_never_converges_when_dirtying_faster), UNIT(t_fits_at_once),
	UNIT(t_zero_budget_is_no_simulation), { 0 }
};
