/*
 * samples.c - a bounded store of per-exit round-trip times.
 *
 * Mean and histogram say little about a tail; percentiles need the values.
 * Every value is kept until SAMPLES_MAX (exact percentiles); beyond that the
 * store becomes a uniform random sample of everything seen (Vitter's
 * "algorithm R", ACM TOMS 11(1), 1985), so a long run's percentiles stay
 * unbiased estimates in bounded memory.  JSON says which ("exact").
 */
#include <stdlib.h>

#include "kvmlab.h"

/* xorshift64 (Marsaglia 2003): deterministic, so reruns pick the same reservoir. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x9E3779B97F4A7C15ULL;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

KVMLAB_HOT int samples_add(struct sample_store *s, uint64_t x)
{
	s->seen++;
	if (s->n < SAMPLES_MAX) {
		if (s->n == s->cap) {
			/* Doubling keeps the run loop's cost amortised O(1). */
			uint32_t cap = s->cap ? s->cap * 2 : 256;
			if (cap > SAMPLES_MAX)
				cap = SAMPLES_MAX;
			uint64_t *v = realloc(s->v, (size_t)cap * sizeof(*v));
			if (!v)
				return -1;
			s->v = v;
			s->cap = cap;
		}
		s->v[s->n++] = x;
		return 0;
	}
	/* Algorithm R: the seen-th value replaces a random slot with probability n/seen.
	 * j = floor(r * seen / 2^64) is uniform in [0, seen) up to seen / 2^64 (Lemire,
	 * ACM TOMS 2019), without the 64-bit division of r % seen: ~40 cycles an exit. */
	uint64_t j = (uint64_t)(((unsigned __int128)rng_next(&s->rng) * s->seen) >> 64);
	if (j < SAMPLES_MAX)
		s->v[j] = x;
	return 0;
}

bool samples_exact(const struct sample_store *s)
{
	return s->seen == s->n;
}

void samples_free(struct sample_store *s)
{
	free(s->v);
	*s = (struct sample_store){ 0 };
}
