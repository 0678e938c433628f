/*
 * counters.c - kvmlab's own accounting, updated by the run loop on every exit.
 *
 * Kept next to the dispatcher from day one (STYLE.md 9): the cost of one
 * exit is an array index and a few adds, so accounting is always on.
 */
#include "kvmlab.h"

KVMLAB_HOT unsigned hist_bucket(uint64_t cycles)
{
	unsigned b = cycles ? 63 - __builtin_clzll(cycles) : 0;

	return b < HIST_BUCKETS ? b : HIST_BUCKETS - 1;
}

/* One value into the figures. */
static void figures_add(struct exit_figures *e, uint64_t x)
{
	if (e->figures == 0 || x < e->tsc_min)
		e->tsc_min = x;
	if (x > e->tsc_max)
		e->tsc_max = x;
	e->tsc_sum += x;
	e->hist[hist_bucket(x)]++;
	e->figures++;
}

/* The values the store holds that the figures do not have yet: none of them
 * is saturated (those took the slow path), so each is the exact round trip.
 * Then a batch past the full store goes into the reservoir. */
static void settle_one(struct exit_counter *e, struct exit_figures *f)
{
	for (uint32_t i = e->settled; i < e->samples.n; i++)
		figures_add(f, e->samples.v[i]);
	samples_flush(&e->samples);
	e->settled = e->samples.n;
}

void counters_exit_slow(struct counters *c, struct exit_counter *e, uint64_t cycles)
{
	struct exit_figures *f = counters_figures(c, e);

	settle_one(e, f);               /* first: a reservoir may overwrite them; a full batch placed */
	figures_add(f, cycles);         /* exact, whatever the store keeps */
	/* A failed allocation loses one sample, never the count or the figures. */
	samples_add(&e->samples, cycles);
	e->settled = e->samples.n;      /* this value (or none) is in the figures already */
}

void counters_settle(struct counters *c)
{
	for (int i = 0; i < EXIT_REASON_MAX; i++)
		settle_one(&c->reason[i], &c->fig[i]);
	settle_one(&c->other, &c->fig_other);
}

void counters_free(struct counters *c)
{
	for (int i = 0; i < EXIT_REASON_MAX; i++)
		samples_free(&c->reason[i].samples);
	samples_free(&c->other.samples);
}

KVMLAB_HOT struct access_key *counters_access_key(struct access_key *keys, int *n, int max, uint64_t *overflow,
				       uint64_t addr, uint32_t size, bool write, bool claimed, uint64_t elems,
				       int *fresh)
{
	*fresh = 0;
	/* Linear search: a payload touches a handful of ports, and the most
	 * recent key is checked first. */
	for (int i = *n - 1; i >= 0; i--) {
		struct access_key *k = &keys[i];
		if (k->addr == addr && k->size == size && k->write == write) {
			k->count++;
			k->elems += elems;
			return k;
		}
	}
	if (*n >= max) {
		(*overflow)++;
		return NULL;
	}
	keys[*n] = (struct access_key){ .addr = addr, .size = size, .write = write,
					.claimed = claimed, .count = 1, .elems = elems };
	*fresh = 1;
	return &keys[(*n)++];
}

int counters_access(struct access_key *keys, int *n, int max, uint64_t *overflow,
		    uint64_t addr, uint32_t size, bool write, bool claimed, uint64_t elems)
{
	int fresh;

	counters_access_key(keys, n, max, overflow, addr, size, write, claimed, elems, &fresh);
	return fresh;
}
