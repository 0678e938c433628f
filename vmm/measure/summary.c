/*
 * summary.c - order statistics and spread of a set of measurements.
 *
 * Pure functions (tests/unit): min, median, 99th percentile, max, mean and
 * the coefficient of variation.  Percentiles use the nearest-rank method
 * (the value at rank ceil(p/100 * n), 1-based), so every reported figure is
 * a value that was actually measured; the median of an even count is the
 * mean of the two middle values, as usual.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kvmlab.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double percentile_sorted(const double *v, size_t n, double p)
{
	if (p <= 0)
		return v[0];
	size_t rank = (size_t)ceil(p / 100.0 * (double)n);   /* 1-based */
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

/* The statistics of v, already in ascending order. */
static void summary_sorted(const double *v, size_t n, struct summary *o)
{
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	o->n = n;
	o->min = v[0];
	o->max = v[n - 1];
	o->median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	o->p99 = percentile_sorted(v, n, 99);
	o->mean = sum / (double)n;
	if (n >= 2 && o->mean != 0) {
		/* Two-pass variance: exact enough for cycle counts, no cancellation. */
		double ss = 0;
		for (size_t i = 0; i < n; i++)
			ss += (v[i] - o->mean) * (v[i] - o->mean);
		o->cv = sqrt(ss / (double)(n - 1)) / fabs(o->mean);
	}
}

void summary_double(double *v, size_t n, struct summary *o)
{
	memset(o, 0, sizeof(*o));
	if (n == 0)
		return;
	qsort(v, n, sizeof(*v), cmp_double);
	summary_sorted(v, n, o);
}

/* LSD radix sort, one byte per pass, skipping bytes every value shares: a run's
 * 65,536 round trips sort in linear time (qsort's n log n comparisons through
 * a function pointer cost ~4 ms, i.e. ~200 ns per exit of a 20,000-exit run).
 * A first pass finds the bytes in which the values differ (round trips are
 * far below 2^32: two or three of eight), and only those are sorted on. */
static void radix_sort_u64(uint64_t *v, uint64_t *tmp, size_t n)
{
	uint64_t *src = v, *dst = tmp, any = 0, all = ~0ULL;

	for (size_t i = 0; i < n; i++) {
		any |= v[i];
		all &= v[i];
	}
	for (unsigned shift = 0; shift < 64; shift += 8) {
		if (!(((any ^ all) >> shift) & 0xFF))
			continue;               /* every value has this byte: nothing to reorder */
		size_t c[257] = { 0 };
		for (size_t i = 0; i < n; i++)
			c[((src[i] >> shift) & 0xFF) + 1]++;
		for (int k = 0; k < 256; k++)
			c[k + 1] += c[k];
		for (size_t i = 0; i < n; i++)
			dst[c[(src[i] >> shift) & 0xFF]++] = src[i];
		uint64_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
}

/* One buffer for a copy of n values: the sorted copy, then the radix sort's
 * scratch half.  NULL (and o all zero) when there is nothing to summarise. */
static uint64_t *summary_buffer(size_t n, struct summary *o)
{
	memset(o, 0, sizeof(*o));
	return n ? malloc(2 * n * sizeof(uint64_t)) : NULL;
}

/* Sorts the copy in u (2n slots, the first n the values), summarises, frees u. */
static void summary_sort_copy(uint64_t *u, size_t n, struct summary *o)
{
	radix_sort_u64(u, u + n, n);
	double *d = (double *)(u + n);  /* the scratch half, reused: same size per element */
	_Static_assert(sizeof(double) == sizeof(uint64_t), "a double per u64 slot");
	for (size_t i = 0; i < n; i++)
		d[i] = (double)u[i];    /* order is kept: the conversion is monotonic */
	summary_sorted(d, n, o);
	free(u);
}

void summary_u64(uint64_t *v, size_t n, struct summary *o)
{
	uint64_t *u = summary_buffer(n, o);

	if (u) {
		memcpy(u, v, n * sizeof(*u));
		summary_sort_copy(u, n, o);
	}
}

void summary_u32(const uint32_t *v, size_t n, struct summary *o)
{
	uint64_t *u = summary_buffer(n, o);

	if (u) {
		for (size_t i = 0; i < n; i++)
			u[i] = v[i];
		summary_sort_copy(u, n, o);
	}
}
