/*
 * main.c - runs the memory area's unit suites; last line "N passed, N failed".
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "mcheck.h"

static const struct {
	const char *name;
	const struct mem_unit_test *tests;
} suites[] = {
	{ "memslots", memslots_tests },   /* vmm/memslots.c, vmm/guestmem.c: slot table, GPA lookup */
	{ "pagewalk", pagewalk_tests },   /* vmm/pagewalk.c: 4-level walk on synthetic tables */
	{ "dirty",    dirty_tests },      /* vmm/dirty.c: bitmap decoding */
	{ "precopy",  precopy_tests },    /* vmm/precopy.c: pre-copy arithmetic */
};

static const char *current;
static int current_failures;

void mcheck_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL %s: %s:%d: ", current, file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	current_failures++;
}

/* vmm/main.c (with kvmlab's main) is not linked here; cmd_run.o needs this. */
__attribute__((weak)) const char *payload_dir(void)
{
	return "build/payloads";
}

int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	int passed = 0, failed = 0;

	if (!getenv("UNIT_VERBOSE")) {          /* code under test warns on stderr, as it should */
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0) {
			dup2(null, STDERR_FILENO);
			close(null);
		}
	}
	for (size_t s = 0; s < sizeof(suites) / sizeof(suites[0]); s++)
		for (const struct mem_unit_test *t = suites[s].tests; t->name; t++) {
			if (only && !strstr(t->name, only) && !strstr(suites[s].name, only))
				continue;
			current = t->name;
			current_failures = 0;
			t->fn();
			current_failures ? failed++ : passed++;
		}
	printf("memory unit tests: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
