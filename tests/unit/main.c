/*
 * main.c - runs every UNIT_TEST linked into build/unit-tests (unit.h).
 */
#include <stdlib.h>

#include "unit.h"

static struct unit_test *tests;
int unit_failures;

void unit_register(struct unit_test *t)
{
	t->next = tests;
	tests = t;
}

int main(void)
{
	int n = 0;

	for (struct unit_test *t = tests; t; t = t->next, n++) {
		int before = unit_failures;
		t->fn();
		if (unit_failures != before)
			fprintf(stderr, "FAIL %s\n", t->name);
	}
	printf("unit tests: %d run, %d check%s failed\n", n, unit_failures, unit_failures == 1 ? "" : "s");
	return unit_failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
