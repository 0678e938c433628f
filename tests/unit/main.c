/*
 * main.c - runs every TEST() linked into build/unit-tests (check.h).
 *
 *   build/unit-tests            all tests
 *   build/unit-tests WORD       only tests whose name contains WORD
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"

int unit_failures;
static struct unit_test *head, **tail = &head;

void unit_register(struct unit_test *t)
{
	*tail = t;              /* keep link order: tests run as written */
	tail = &t->next;
}

/* The command-line's payload_dir (vmm/main.c) is not linked into the unit
 * tests; library code that refers to it gets this stand-in. */
__attribute__((weak)) const char *payload_dir(void)
{
	return "build/payloads";
}

int main(int argc, char **argv)
{
	int run = 0, failed = 0;

	for (struct unit_test *t = head; t; t = t->next) {
		if (argc > 1 && !strstr(t->name, argv[1]))
			continue;
		unit_failures = 0;
		t->fn();
		run++;
		if (unit_failures) {
			failed++;
			fprintf(stderr, "FAIL %s (%d check%s)\n", t->name, unit_failures,
				unit_failures == 1 ? "" : "s");
		}
	}
	printf("unit: %d test%s, %d failed\n", run, run == 1 ? "" : "s", failed);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
