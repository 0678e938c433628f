/*
 * labs/code/grade.h - the coding track's autograder harness (labs/code/README.md).
 *
 * Each exercise's check.c calls grade_check once per check and grade_total
 * at the end.  The output format is fixed (tests/test_codetrack.py reads it):
 *   "<check name>: <got>/<points>"   one line per check
 *   "total: <got>/<max>"             last line
 * and the exit status is 0 only with full marks.
 */
#ifndef KVMLAB_GRADE_H
#define KVMLAB_GRADE_H

#include <stdbool.h>
#include <stdio.h>

struct grade {
	int got, max;
};

/* Awards points if ok; prints the check's line (and why, when it failed). */
static inline void grade_check(struct grade *g, const char *name, int points, bool ok, const char *hint)
{
	g->max += points;
	g->got += ok ? points : 0;
	printf("%s: %d/%d\n", name, ok ? points : 0, points);
	if (!ok && hint)
		printf("  # %s\n", hint);
	fflush(stdout);
}

/* Prints the total; returns the exit status (0 = full marks, 1 = not). */
static inline int grade_total(const struct grade *g)
{
	printf("total: %d/%d\n", g->got, g->max);
	return g->got == g->max ? 0 : 1;
}

#endif
