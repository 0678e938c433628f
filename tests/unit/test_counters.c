/*
 * test_counters.c - vmm/measure/counters.c: the run loop's accounting.
 */
#include <stdlib.h>

#include "check.h"

static void t_hist_bucket_is_floor_log2(void)
{
	CHECK_EQ(hist_bucket(0), 0);
	CHECK_EQ(hist_bucket(1), 0);
	CHECK_EQ(hist_bucket(2), 1);
	CHECK_EQ(hist_bucket(3), 1);
	CHECK_EQ(hist_bucket(4), 2);
	CHECK_EQ(hist_bucket(1023), 9);
	CHECK_EQ(hist_bucket(1024), 10);
	CHECK_EQ(hist_bucket(20000), 14);                       /* a KVM_RUN round trip on this host */
	CHECK_EQ(hist_bucket((1ULL << (HIST_BUCKETS - 1)) - 1), HIST_BUCKETS - 2);
	CHECK_EQ(hist_bucket(1ULL << (HIST_BUCKETS - 1)), HIST_BUCKETS - 1);
	CHECK_EQ(hist_bucket(1ULL << 50), HIST_BUCKETS - 1);   /* the last bucket takes the rest */
	CHECK_EQ(hist_bucket(UINT64_MAX), HIST_BUCKETS - 1);
}

static void t_counters_exit_min_max_sum(void)
{
	struct counters *c = RUN_NEW(struct counters);

	counters_exit(c, KVM_EXIT_IO, 300);
	counters_exit(c, KVM_EXIT_IO, 100);
	counters_exit(c, KVM_EXIT_IO, 200);
	counters_exit(c, KVM_EXIT_HLT, 5000);
	counters_settle(c);
	const struct exit_figures *io = &c->fig[KVM_EXIT_IO];
	CHECK_EQ(c->reason[KVM_EXIT_IO].count, 3);
	CHECK_EQ(io->tsc_sum, 600);
	CHECK_EQ(io->tsc_min, 100);
	CHECK_EQ(io->tsc_max, 300);
	CHECK_EQ(io->hist[6], 1);                               /* 100 in [64, 128) */
	CHECK_EQ(io->hist[7], 1);                               /* 200 in [128, 256) */
	CHECK_EQ(io->hist[8], 1);                               /* 300 in [256, 512) */
	CHECK_EQ(c->reason[KVM_EXIT_HLT].count, 1);
	CHECK_EQ(c->fig[KVM_EXIT_HLT].tsc_min, 5000);
	CHECK(counters_figures(c, &c->reason[KVM_EXIT_IO]) == io);
	CHECK_EQ(c->total_exits, 4);
	CHECK_EQ(c->other.count, 0);
	counters_free(c);
	free(c);
}

static void t_counters_exit_zero_cycles_is_a_minimum(void)
{
	struct counters *c = RUN_NEW(struct counters);

	counters_exit(c, KVM_EXIT_MMIO, 50);
	counters_exit(c, KVM_EXIT_MMIO, 0);
	counters_settle(c);
	CHECK_EQ(c->fig[KVM_EXIT_MMIO].tsc_min, 0);
	CHECK_EQ(c->fig[KVM_EXIT_MMIO].tsc_max, 50);
	counters_free(c);
	free(c);
}

static void t_counters_exit_unknown_reasons_go_to_other(void)
{
	struct counters *c = RUN_NEW(struct counters);

	counters_exit(c, EXIT_REASON_MAX, 10);
	counters_exit(c, 1000, 20);
	counters_exit(c, UINT32_MAX, 30);
	counters_settle(c);
	CHECK_EQ(c->other.count, 3);
	CHECK_EQ(c->fig_other.tsc_sum, 60);
	CHECK(counters_figures(c, &c->other) == &c->fig_other);
	CHECK_EQ(c->total_exits, 3);
	for (int i = 0; i < EXIT_REASON_MAX; i++)
		CHECK_EQ(c->reason[i].count, 0);
	counters_free(c);
	free(c);
}

/* The figures come from the samples while the store keeps them all, and take a
 * value at once when it does not: they are exact across every case. */
static void t_counters_figures_stay_exact_past_saturation_and_the_reservoir(void)
{
	struct counters *c = RUN_NEW(struct counters);
	uint64_t n = SAMPLES_MAX + 1000, sum = 0;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t x = i == 7 ? (1ULL << 40) : 1000 + i % 97;    /* one beyond 32 bits */
		counters_exit(c, KVM_EXIT_IO, x);
		sum += x;
		if (i == SAMPLES_MAX / 2)
			counters_settle(c);             /* mid-run: settling twice changes nothing */
	}
	counters_settle(c);
	counters_settle(c);
	const struct exit_counter *e = &c->reason[KVM_EXIT_IO];
	const struct exit_figures *f = &c->fig[KVM_EXIT_IO];
	CHECK_EQ(e->count, n);
	CHECK_EQ(f->figures, n);
	CHECK_EQ(f->tsc_sum, sum);
	CHECK_EQ(f->tsc_min, 1000);
	CHECK_EQ(f->tsc_max, 1ULL << 40);
	CHECK_EQ(f->hist[HIST_BUCKETS - 1], 1);         /* 2^40: the last bucket takes the rest */
	uint64_t in_hist = 0;
	for (int b = 0; b < HIST_BUCKETS; b++)
		in_hist += f->hist[b];
	CHECK_EQ(in_hist, n);
	CHECK_EQ(e->samples.n, SAMPLES_MAX);    /* a reservoir now */
	CHECK_EQ(e->samples.seen, n);
	counters_free(c);
	free(c);
}

/* Past SAMPLES_MAX, counters_exit appends to a batch that the slow path (or the
 * settle) puts into the reservoir: the reservoir is the one samples_add builds
 * value by value, slot for slot, and the figures still hold every value. */
static void t_counters_batched_reservoir_is_samples_adds(void)
{
	struct counters *c = RUN_NEW(struct counters);
	struct sample_store ref = { 0 };
	uint64_t n = SAMPLES_MAX + 3 * SAMPLES_BATCH + 17, sum = 0;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t x = 500 + (i * 2654435761ULL) % 100000;       /* values that differ */
		counters_exit(c, KVM_EXIT_MMIO, x);
		CHECK_EQ(samples_add(&ref, x), 0);
		sum += x;
	}
	counters_settle(c);
	const struct exit_counter *e = &c->reason[KVM_EXIT_MMIO];
	CHECK_EQ(e->samples.n, SAMPLES_MAX);
	CHECK_EQ(e->samples.seen, ref.seen);
	CHECK_EQ(e->samples.rng, ref.rng);
	CHECK(memcmp(e->samples.v, ref.v, SAMPLES_MAX * sizeof(uint32_t)) == 0);
	CHECK_EQ(c->fig[KVM_EXIT_MMIO].figures, n);
	CHECK_EQ(c->fig[KVM_EXIT_MMIO].tsc_sum, sum);
	samples_free(&ref);
	counters_free(c);
	free(c);
}

static void t_counters_access_key_returns_the_key_it_counted(void)
{
	struct access_key keys[2];
	int n = 0, fresh;
	uint64_t over = 0;

	struct access_key *a = counters_access_key(keys, &n, 2, &over, 0xE9, 1, true, true, 1, &fresh);
	CHECK(a == &keys[0]);
	CHECK_EQ(fresh, 1);
	CHECK(counters_access_key(keys, &n, 2, &over, 0xE9, 1, true, true, 3, &fresh) == a);
	CHECK_EQ(fresh, 0);
	CHECK_EQ(a->count, 2);
	CHECK_EQ(a->elems, 4);
	CHECK(counters_access_key(keys, &n, 2, &over, 0x80, 1, true, true, 1, &fresh) == &keys[1]);
	CHECK(counters_access_key(keys, &n, 2, &over, 0x81, 1, true, true, 1, &fresh) == NULL);  /* full */
	CHECK_EQ(fresh, 0);
	CHECK_EQ(over, 1);
}

static void t_counters_access_keys(void)
{
	struct access_key keys[4];
	int n = 0;
	uint64_t over = 0;

	/* A key is (address, size, direction); claimed is fixed by the first access. */
	CHECK_EQ(counters_access(keys, &n, 4, &over, 0xE9, 1, true, true, 1), 1);
	CHECK_EQ(counters_access(keys, &n, 4, &over, 0xE9, 1, true, true, 1), 0);
	CHECK_EQ(counters_access(keys, &n, 4, &over, 0xE9, 1, true, true, 10), 0);   /* string I/O */
	CHECK_EQ(counters_access(keys, &n, 4, &over, 0xE9, 1, false, true, 1), 1);   /* IN: new key */
	CHECK_EQ(counters_access(keys, &n, 4, &over, 0xE9, 2, true, true, 1), 1);    /* width: new key */
	CHECK_EQ(n, 3);
	CHECK_EQ(keys[0].addr, 0xE9);
	CHECK_EQ(keys[0].count, 3);
	CHECK_EQ(keys[0].elems, 12);
	CHECK_EQ(keys[0].write, 1);
	CHECK_EQ(keys[0].claimed, 1);
	CHECK_EQ(keys[1].write, 0);
	CHECK_EQ(keys[1].count, 1);
	CHECK_EQ(keys[2].size, 2);
	CHECK_EQ(over, 0);
}

static void t_counters_access_overflow_after_max_keys(void)
{
	struct access_key *keys = calloc(PORT_KEYS_MAX, sizeof(*keys));
	int n = 0;
	uint64_t over = 0;

	for (int p = 0; p < PORT_KEYS_MAX; p++)
		CHECK_EQ(counters_access(keys, &n, PORT_KEYS_MAX, &over, 0x1000 + p, 1, false, false, 1), 1);
	CHECK_EQ(n, PORT_KEYS_MAX);
	CHECK_EQ(over, 0);
	/* The 257th distinct key is counted in the overflow bucket, not stored. */
	CHECK_EQ(counters_access(keys, &n, PORT_KEYS_MAX, &over, 0x2000, 1, false, false, 1), 0);
	CHECK_EQ(counters_access(keys, &n, PORT_KEYS_MAX, &over, 0x2001, 4, true, false, 1), 0);
	CHECK_EQ(n, PORT_KEYS_MAX);
	CHECK_EQ(over, 2);
	/* Keys already known still count normally. */
	CHECK_EQ(counters_access(keys, &n, PORT_KEYS_MAX, &over, 0x1000, 1, false, false, 1), 0);
	CHECK_EQ(keys[0].count, 2);
	CHECK_EQ(over, 2);
	free(keys);
}

const struct unit_test counters_tests[] = {
	UNIT(t_hist_bucket_is_floor_log2),
	UNIT(t_counters_exit_min_max_sum),
	UNIT(t_counters_exit_zero_cycles_is_a_minimum),
	UNIT(t_counters_exit_unknown_reasons_go_to_other),
	UNIT(t_counters_figures_stay_exact_past_saturation_and_the_reservoir),
	UNIT(t_counters_batched_reservoir_is_samples_adds),
	UNIT(t_counters_access_key_returns_the_key_it_counted),
	UNIT(t_counters_access_keys),
	UNIT(t_counters_access_overflow_after_max_keys),
	{ 0 },
};
