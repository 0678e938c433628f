/*
 * cpulist.c - host CPU numbers: the --pin list and the kernel's CPU-list
 * format ("0-3,6", Documentation/admin-guide/cputopology.rst), pure logic.
 */
#include <ctype.h>
#include <stdlib.h>

#include "kvmlab.h"

#define CPU_NUMBER_MAX 4095             /* far above any host this runs on; keeps ints small */

static int cpu_number(const char **s)
{
	long v = 0;

	if (!isdigit((unsigned char)**s))
		return -1;
	while (isdigit((unsigned char)**s)) {
		v = v * 10 + (**s - '0');
		if (v > CPU_NUMBER_MAX)
			return -1;
		(*s)++;
	}
	return (int)v;
}

int cpulist_parse(const char *s, int *cpus, int max)
{
	int n = 0;

	if (!s || !*s)
		return -1;
	for (;;) {
		int c = cpu_number(&s);
		if (c < 0 || n == max)
			return -1;
		cpus[n++] = c;
		if (*s == '\0')
			return n;
		if (*s++ != ',')
			return -1;
	}
}

bool cpulist_contains(const char *ranges, int cpu)
{
	const char *s = ranges;

	while (s && *s && *s != '\n') {
		int lo = cpu_number(&s), hi = lo;
		if (lo < 0)
			return false;
		if (*s == '-') {
			s++;
			hi = cpu_number(&s);
			if (hi < lo)
				return false;
		}
		if (cpu >= lo && cpu <= hi)
			return true;
		if (*s == ',')
			s++;
		else if (*s && *s != '\n')
			return false;
	}
	return false;
}
