/*
 * test_bench_logic.c - unit tests for the pure logic behind exit accounting
 * and bench: order statistics (summary.c), the sample store (samples.c),
 * net cost per op and the where-handled verdict (bench_derive.c).  No KVM.
 *
 * Each test is a function that reads as a spec (suite "bench" of
 * build/unit-tests).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define NEAR(a, b) (fabs((a) - (b)) < 1e-9)

static void test_summary_of_nothing_is_zero(void)
{
	struct summary s;

	summary_double(NULL, 0, &s);
	CHECK(s.n == 0 && s.median == 0 && s.cv == 0);
}

static void test_summary_odd_count(void)
{
	double v[] = { 5, 1, 4, 2, 3 };
	struct summary s;

	summary_double(v, 5, &s);
	CHECK(s.n == 5 && NEAR(s.min, 1) && NEAR(s.max, 5) && NEAR(s.median, 3) && NEAR(s.mean, 3));
	CHECK(NEAR(s.p99, 5));                  /* rank ceil(0.99 * 5) = 5 */
	/* sample stddev of 1..5 is sqrt(2.5); cv = that / 3 */
	CHECK(NEAR(s.cv, sqrt(2.5) / 3));
	CHECK(v[0] == 1 && v[4] == 5);          /* sorted in place */
}

static void test_summary_even_count_median_is_mid_mean(void)
{
	double v[] = { 10, 40, 20, 30 };
	struct summary s;

	summary_double(v, 4, &s);
	CHECK(NEAR(s.median, 25));
}

static void test_summary_single_value_has_no_spread(void)
{
	double v[] = { 7 };
	struct summary s;

	summary_double(v, 1, &s);
	CHECK(NEAR(s.min, 7) && NEAR(s.median, 7) && NEAR(s.p99, 7) && s.cv == 0);
}

static void test_p99_nearest_rank_on_100_values(void)
{
	double v[100];

	for (int i = 0; i < 100; i++)
		v[i] = i + 1;
	CHECK(NEAR(percentile_sorted(v, 100, 99), 99));   /* rank 99 */
	CHECK(NEAR(percentile_sorted(v, 100, 100), 100));
	CHECK(NEAR(percentile_sorted(v, 100, 0), 1));
	CHECK(NEAR(percentile_sorted(v, 100, 50), 50));
}

static void test_summary_u64_leaves_input_alone(void)
{
	uint64_t v[] = { 3, 1, 2 };
	struct summary s;

	summary_u64(v, 3, &s);
	CHECK(NEAR(s.median, 2) && v[0] == 3 && v[1] == 1);
}

/* summary_u64 radix-sorts: it must agree with summary_double's qsort on values
 * that differ in low, middle and top bytes, with duplicates and extremes. */
static void test_summary_u64_agrees_with_the_comparison_sort(void)
{
	enum { N = 1001 };
	static uint64_t v[N];
	static double d[N];
	uint64_t x = 88172645463325252ULL;
	struct summary a, b;

	for (int i = 0; i < N; i++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		v[i] = i % 7 == 0 ? 5000 : i % 11 == 0 ? (x | (1ULL << 63)) : x >> (i % 50);
	}
	v[3] = 0;
	for (int i = 0; i < N; i++)
		d[i] = (double)v[i];
	summary_u64(v, N, &a);
	summary_double(d, N, &b);
	CHECK(a.n == b.n && a.min == b.min && a.max == b.max && a.median == b.median && a.p99 == b.p99);
	CHECK(a.min == 0 && d[N - 1] == a.max);
}

static void test_samples_exact_up_to_cap_then_reservoir(void)
{
	struct sample_store st = { 0 };

	for (uint64_t i = 0; i < SAMPLES_MAX; i++)
		if (samples_add(&st, i) != 0)
			check_fail(__FILE__, __LINE__, "samples_add(%" PRIu64 ") failed", i);
	CHECK(st.n == SAMPLES_MAX && samples_exact(&st));
	CHECK(st.v[0] == 0 && st.v[SAMPLES_MAX - 1] == SAMPLES_MAX - 1);
	for (uint64_t i = 0; i < SAMPLES_MAX; i++)
		samples_add(&st, 1000000 + i);
	CHECK(st.n == SAMPLES_MAX && st.seen == 2ULL * SAMPLES_MAX && !samples_exact(&st));
	/* A uniform reservoir of twice as many values holds about half of the new ones. */
	uint64_t fresh = 0;
	for (uint32_t i = 0; i < st.n; i++)
		fresh += st.v[i] >= 1000000;
	CHECK(fresh > SAMPLES_MAX * 0.45 && fresh < SAMPLES_MAX * 0.55);
	samples_free(&st);
	CHECK(st.v == NULL && st.n == 0);
}

/* A round trip of 2^32 cycles or more is kept as SAMPLE_SATURATED; below that, exactly. */
static void test_samples_saturate_at_32_bits(void)
{
	struct sample_store st = { 0 };

	CHECK(samples_add(&st, 0xFFFFFFFEull) == 0 && samples_add(&st, 1ull << 32) == 0 &&
	      samples_add(&st, ~0ull) == 0);
	CHECK(st.n == 3 && st.v[0] == 0xFFFFFFFEu && st.v[1] == SAMPLE_SATURATED && st.v[2] == SAMPLE_SATURATED);
	struct summary s;
	summary_u32(st.v, st.n, &s);
	CHECK(s.n == 3 && s.min == 0xFFFFFFFEu && s.max == SAMPLE_SATURATED);
	samples_free(&st);
}

static void test_net_subtracts_the_empty_loop(void)
{
	CHECK(NEAR(bench_net(30000, 10000, 1000), 20));
	CHECK(NEAR(bench_net(9000, 10000, 1000), -1));       /* noise may go below zero */
	CHECK(bench_net(1, 0, 0) == 0);                        /* no iterations: no figure */
}

static struct bench_move mv(const char *name, double per_op)
{
	struct bench_move m = { .per_op = per_op };
	snprintf(m.name, sizeof(m.name), "%s", name);
	return m;
}

static void test_derive_exit_to_kvmlab_wins(void)
{
	struct bench_move m[] = { mv("kvmlab.exits", 1.0), mv("kvmlab.IO", 1.0), mv("kvm.exits", 1.0),
				  mv("kvm.insn_emulation", 1.0) };
	struct bench_verdict v;

	bench_derive(m, 4, &v);
	CHECK(v.where == WHERE_KVMLAB && v.emulated && strstr(v.evidence, "kvmlab.exits"));
}

static void test_derive_kernel_from_any_work_counter(void)
{
	struct bench_move a[] = { mv("kvm.exits", 1.0) };                  /* VMX cpuid */
	struct bench_move b[] = { mv("kvmlab.doorbell_signals", 1.0) };    /* ioeventfd */
	struct bench_move c[] = { mv("kvmlab.exits", 0.006), mv("kvmlab.coalesced_writes", 0.994) };
	struct bench_verdict v;

	bench_derive(a, 1, &v);
	CHECK(v.where == WHERE_KERNEL && !v.emulated);
	bench_derive(b, 1, &v);
	CHECK(v.where == WHERE_KERNEL);
	bench_derive(c, 2, &v);                  /* ring-full exits are rare: still the kernel */
	CHECK(v.where == WHERE_KERNEL && strstr(v.evidence, "coalesced"));
}

static void test_derive_none_when_only_emulation_moved(void)
{
	struct bench_move m[] = { mv("kvm.insn_emulation", 1.0), mv("kvm.fpu_reload", 0.8) };
	struct bench_verdict v;

	bench_derive(m, 2, &v);
	CHECK(v.where == WHERE_NONE && v.emulated);
	bench_derive(NULL, 0, &v);
	CHECK(v.where == WHERE_NONE && !v.emulated);
	CHECK(!strcmp(bench_where_name(WHERE_KVMLAB), "kvmlab") && !strcmp(bench_where_name(WHERE_NONE), "none"));
}

static void test_derive_ignores_stray_movements_below_half(void)
{
	struct bench_move m[] = { mv("kvmlab.exits", 0.49), mv("kvm.exits", 0.3) };
	struct bench_verdict v;

	bench_derive(m, 2, &v);
	CHECK(v.where == WHERE_NONE);
}

/* --ktrace: the trace's verdict, from KVM's events only (bench_derive_trace). */
static void test_derive_trace_from_kvms_events(void)
{
	struct bench_move user[] = { mv("trace.to_user_space", 1.0), mv("trace.kvm_pio", 1.0),
				     mv("trace.kvm_emulate_insn", 3.0) };
	struct bench_move cpuid[] = { mv("trace.kvm_emulate_insn", 1.0), mv("trace.kvm_cpuid", 1.0) };
	struct bench_move emul[] = { mv("trace.kvm_emulate_insn", 1.0), mv("kvm.exits", 1.0) };
	struct bench_verdict v;

	bench_derive_trace(user, 3, &v);
	CHECK(v.where == WHERE_KVMLAB && v.emulated && strstr(v.evidence, "to_user_space"));
	bench_derive_trace(cpuid, 2, &v);       /* emulated, and KVM answered the CPUID itself */
	CHECK(v.where == WHERE_KERNEL && strstr(v.evidence, "kvm_cpuid"));
	bench_derive_trace(emul, 2, &v);        /* only emulation in the trace; stats moves are ignored */
	CHECK(v.where == WHERE_NONE && v.emulated);
}

/* A near-zero median gets its spread in cycles (a nop on VMX/SVM printed 10,132 %). */
static void test_spread_absolute_near_zero(void)
{
	struct bench_result r = { .status = BENCH_OK, .samples = 10, .used = 10 };

	/* VMX-like nop: net 0.02 cycles, loop 2 cycles an iteration, CV 101 (10,100 %). */
	r.net.median = 0.02; r.net.mean = 0.03; r.net.cv = 101; r.loop.median = 2;
	CHECK(bench_spread_absolute(&r) && NEAR(bench_spread_cycles(&r), 3.03));
	/* An exit to user space: 14,000 cycles, CV 2 %: a percentage means something. */
	r.net.median = 14000; r.net.mean = 14000; r.net.cv = 0.02; r.loop.median = 1700;
	CHECK(!bench_spread_absolute(&r) && NEAR(bench_spread_cycles(&r), 280));
	/* Emulated nop: 872 net against a 2,000-cycle loop, CV 18 %: still relative. */
	r.net.median = 872; r.net.mean = 900; r.net.cv = 0.18; r.loop.median = 2000;
	CHECK(!bench_spread_absolute(&r));
	/* The median below its own spread (a sign flip between samples): absolute. */
	r.net.median = 50; r.net.mean = 60; r.net.cv = 2;
	CHECK(bench_spread_absolute(&r));
	r.used = 1;                                               /* one sample: no spread at all */
	CHECK(!bench_spread_absolute(&r));
}

static void test_spread_reason(void)
{
	struct bench_result r = { .status = BENCH_OK, .samples = 10, .used = 10 };

	r.net.cv = 0.02;
	r.net.median = 14000;
	r.loop.median = 1700;
	CHECK(bench_spread_reason(&r) == NULL);                  /* within the goal */
	r.net.cv = 0.2;
	CHECK(strstr(bench_spread_reason(&r), "machine load"));
	r.disturbed = 3;
	CHECK(strstr(bench_spread_reason(&r), "preempted"));
	r.net.median = -900;                                      /* |net| < one loop iteration */
	CHECK(strstr(bench_spread_reason(&r), "cheaper than one empty-loop iteration"));
	r.status = BENCH_HANGS;
	CHECK(bench_spread_reason(&r) == NULL);
}

const struct unit_test bench_tests[] = {
	UNIT(test_spread_reason),
	UNIT(test_spread_absolute_near_zero),
	UNIT(test_summary_of_nothing_is_zero),
	UNIT(test_summary_odd_count),
	UNIT(test_summary_even_count_median_is_mid_mean),
	UNIT(test_summary_single_value_has_no_spread),
	UNIT(test_p99_nearest_rank_on_100_values),
	UNIT(test_summary_u64_leaves_input_alone),
	UNIT(test_summary_u64_agrees_with_the_comparison_sort),
	UNIT(test_samples_exact_up_to_cap_then_reservoir),
	UNIT(test_samples_saturate_at_32_bits),
	UNIT(test_net_subtracts_the_empty_loop),
	UNIT(test_derive_exit_to_kvmlab_wins),
	UNIT(test_derive_kernel_from_any_work_counter),
	UNIT(test_derive_none_when_only_emulation_moved),
	UNIT(test_derive_ignores_stray_movements_below_half),
	UNIT(test_derive_trace_from_kvms_events),
	{ 0 },
};
