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

KVMLAB_HOT void counters_exit(struct counters *c, uint32_t reason, uint64_t cycles)
{
	struct exit_counter *e = reason < EXIT_REASON_MAX ? &c->reason[reason] : &c->other;

	if (e->count == 0 || cycles < e->tsc_min)
		e->tsc_min = cycles;
	if (cycles > e->tsc_max)
		e->tsc_max = cycles;
	e->count++;
	e->tsc_sum += cycles;
	e->hist[hist_bucket(cycles)]++;
	/* A failed allocation loses one sample, never the count. */
	samples_add(&e->samples, cycles);
	c->total_exits++;
}

void counters_free(struct counters *c)
{
	for (int i = 0; i < EXIT_REASON_MAX; i++)
		samples_free(&c->reason[i].samples);
	samples_free(&c->other.samples);
}

KVMLAB_HOT int counters_access(struct access_key *keys, int *n, int max, uint64_t *overflow,
		     uint64_t addr, uint32_t size, bool write, bool claimed, uint64_t elems)
{
	/* Linear search: a payload touches a handful of ports, and the most
	 * recent key is checked first. */
	for (int i = *n - 1; i >= 0; i--) {
		struct access_key *k = &keys[i];
		if (k->addr == addr && k->size == size && k->write == write) {
			k->count++;
			k->elems += elems;
			return 0;
		}
	}
	if (*n >= max) {
		(*overflow)++;
		return 0;
	}
	keys[*n] = (struct access_key){ .addr = addr, .size = size, .write = write,
					.claimed = claimed, .count = 1, .elems = elems };
	(*n)++;
	return 1;
}
