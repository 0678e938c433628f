/*
 * samples.c - a bounded store of per-exit round-trip times.
 *
 * Mean and histogram say little about a tail; percentiles need the values.
 * Every value is kept until SAMPLES_MAX (exact percentiles); beyond that the
 * store becomes a uniform random sample of everything seen (Vitter's
 * "algorithm R", ACM TOMS 11(1), 1985), so a long run's percentiles stay
 * unbiased estimates in bounded memory.  JSON says which ("exact").
 * counters_exit appends past the store instead, SAMPLES_BATCH values at a
 * time, and samples_flush places them: one value at a time after KVM_RUN
 * cost ~55 cycles an exit (a call, the generator, a store anywhere in
 * 256 KiB), a batch of them in one loop far less (docs/measurement.md).
 */
#include <stdlib.h>
#include <sys/mman.h>

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

/* The store's slots: address space for all SAMPLES_MAX of them, reserved once,
 * so it never moves.  Growing by realloc copied the array at each doubling into
 * fresh pages, and each fresh page is a fault (~3,000 cycles on a nested host):
 * ~15 cycles of every exit of a 20,000-exit run.  Reserved, a page is touched
 * once, when the run reaches it: one fault per 1,024 exits. */
#define SAMPLES_BYTES ((size_t)(SAMPLES_MAX + SAMPLES_BATCH) * sizeof(uint32_t))

static int samples_reserve(struct sample_store *s)
{
	void *p = mmap(NULL, SAMPLES_BYTES, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	s->v = p;
	return 0;
}

/* Algorithm R's slot for the seen-th value: j = floor(r * seen / 2^64) is
 * uniform in [0, seen) up to seen / 2^64 (Lemire, ACM TOMS 2019), without the
 * 64-bit division of r % seen: ~40 cycles an exit.  The value is kept when j < SAMPLES_MAX. */
static inline uint64_t reservoir_slot(uint64_t *rng, uint64_t seen)
{
	return (uint64_t)(((unsigned __int128)rng_next(rng) * seen) >> 64);
}

KVMLAB_HOT int samples_add(struct sample_store *s, uint64_t x)
{
	uint32_t y = x < SAMPLE_SATURATED ? (uint32_t)x : SAMPLE_SATURATED;

	if (__builtin_expect(s->v == NULL, 0) && samples_reserve(s) != 0)
		return -1;              /* the value is lost, never the count */
	s->seen++;
	if (s->n < SAMPLES_MAX) {
		s->v[s->n++] = y;
		return 0;
	}
	/* Algorithm R: the seen-th value replaces a random slot with probability n/seen. */
	uint64_t j = reservoir_slot(&s->rng, s->seen);
	if (j < SAMPLES_MAX)
		s->v[j] = y;
	return 0;
}

void samples_flush(struct sample_store *s)
{
	if (s->n <= SAMPLES_MAX)
		return;
	uint32_t k = s->n - SAMPLES_MAX;
	uint64_t seen = s->seen - k;    /* as it was before the batch's first value */

	for (uint32_t i = 0; i < k; i++) {
		uint64_t j = reservoir_slot(&s->rng, ++seen);
		if (j < SAMPLES_MAX)
			s->v[j] = s->v[SAMPLES_MAX + i];        /* the batch is past every slot j */
	}
	s->n = SAMPLES_MAX;
}

bool samples_exact(const struct sample_store *s)
{
	return s->seen == s->n && s->n <= SAMPLES_MAX;      /* a pending batch is not a store */
}

void samples_free(struct sample_store *s)
{
	if (s->v)
		munmap(s->v, SAMPLES_BYTES);
	*s = (struct sample_store){ 0 };
}
