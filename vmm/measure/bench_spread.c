/*
 * bench_spread.c - why a case's samples disagree, when they do.
 *
 * kvmlab aims at a coefficient of variation of at most 3 % per case.  Where a
 * case misses it, the report says so and gives the likeliest reason from what
 * was measured, in this order (pure function: tests/unit/test_bench_logic.c):
 *   1. the op costs less than one iteration of the empty loop: its net is a
 *      small difference of two large, noisy loop times;
 *   2. the host preempted the vCPU thread during many samples: the machine
 *      is busy (those samples are left out, the others still feel it);
 *   3. otherwise the machine's load: time taken from the vCPU thread that the
 *      guest kernel does not see (another VM on the hypervisor below, IRQs).
 * When the median itself is near zero the spread is reported in cycles
 * (bench_spread_absolute): a percentage of almost nothing is no figure.
 */
#include <math.h>

#include "kvmlab.h"

double bench_spread_cycles(const struct bench_result *r)
{
	return r->net.cv * fabs(r->net.mean);   /* cv = sd / |mean| (summary.c) */
}

/* A CV divides by the mean: for an op that costs ~0 net (a nop on VMX/SVM) it
 * grows without bound (10,000 % and more) while the spread in cycles stays
 * what the loop's noise is.  Then the spread is quoted in cycles. */
bool bench_spread_absolute(const struct bench_result *r)
{
	if (r->status != BENCH_OK || r->used < 2)
		return false;
	double med = fabs(r->net.median);
	return med < bench_spread_cycles(r) || med < r->loop.median / 10;
}

const char *bench_spread_reason(const struct bench_result *r)
{
	if (r->status != BENCH_OK || r->used < 2 || r->net.cv <= BENCH_CV_GOAL)
		return NULL;
	double net = r->net.median < 0 ? -r->net.median : r->net.median;
	if (net < r->loop.median)
		return "op cheaper than one empty-loop iteration: a small difference of two noisy loop times";
	if (r->disturbed * 4 > r->samples)
		return "machine busy: the vCPU thread was preempted in many samples (left out); the rest still vary";
	return "machine load: time taken from the vCPU thread that no counter sees";
}
