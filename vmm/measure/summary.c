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

void summary_double(double *v, size_t n, struct summary *o)
{
	memset(o, 0, sizeof(*o));
	if (n == 0)
		return;
	qsort(v, n, sizeof(*v), cmp_double);
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

void summary_u64(uint64_t *v, size_t n, struct summary *o)
{
	double *d = n ? malloc(n * sizeof(*d)) : NULL;

	if (n && !d) {
		memset(o, 0, sizeof(*o));
		return;
	}
	for (size_t i = 0; i < n; i++)
		d[i] = (double)v[i];
	summary_double(d, n, o);
	free(d);
}
