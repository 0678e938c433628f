/*
 * main.c - runs every unit-test suite and prints "N passed, N failed".
 *
 * Usage: build/unit-tests [SUBSTRING]  (only suites or tests whose name contains it)
 *
 * The code under test warns on stderr as it should ("kvmlab: unclaimed IN
 * from port 0x200 ..."); those lines are expected here, so stderr goes to
 * /dev/null unless UNIT_VERBOSE is set.  Failures are printed on stdout.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"

static const struct suite {
	const char *name;
	const struct unit_test *tests;
} suites[] = {
	{ "parse",    parse_tests },      /* vmm/cli/parse.c: option values */
	{ "payload",  payload_tests },    /* vmm/core/payload.c: the header as untrusted input */
	{ "guestmem", guestmem_tests },   /* vmm/core/guestmem.c: the one door into guest RAM */
	{ "report",   report_tests },     /* traps/devices/report.c: report records */
	{ "json",     json_tests },       /* vmm/report/json.c: the JSON writer */
	{ "counters", counters_tests },   /* vmm/measure/counters.c: exit and access accounting */
	{ "bus",      bus_tests },        /* traps/pio.c, traps/mmio.c: registration and lookup */
	{ "exit",     exit_tests },       /* vmm/core/exit.c, traps/, vmm/core/end.c: dispatch of a synthetic exit */
	{ "cpulist",  cpulist_tests },    /* vmm/core/cpulist.c: --pin lists and sysfs CPU lists */
	{ "hardening-bounds", hardening_bounds_tests }, /* every guest-controlled number at its extremes */
	{ "hardening-exits",  hardening_exits_tests },  /* synthetic exits this host never produces */
	{ "memslots", memslots_tests },   /* vmm/mem/memslots.c, vmm/core/guestmem.c: slot table, GPA lookup across slots */
	{ "pagewalk", pagewalk_tests },   /* vmm/mem/pagewalk.c: 4-level walk on synthetic tables */
	{ "dirty",    dirty_tests },      /* vmm/mem/dirty.c: dirty bitmap decoding */
	{ "precopy",  precopy_tests },    /* vmm/mem/precopy.c: pre-copy arithmetic */
	{ "cpuid",    cpuid_tests },      /* vmm/core/cpuid.c: --cpuid parsing and the table edits */
	{ "sensitive", sensitive_tests }, /* vmm/measure/sensitive.c: the catalogue's data */
	{ "ktrace",   ktrace_tests },     /* vmm/measure/ktrace_join.c, ktrace_reasons.def: KVM's events per KVM_RUN */
};

static const char *current;
static int current_failures, checks_failed;

void check_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL %s: %s:%d: ", current, file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	current_failures++;
	checks_failed++;
}

/*
 * payload_dir() lives in vmm/cli/main.c, which is not linked into this binary
 * (it has kvmlab's main()); cmd_run.o and cmd_list.o refer to it.  Weak, so
 * a real definition elsewhere in vmm/ wins if the function ever moves.
 */
__attribute__((weak)) const char *payload_dir(void)
{
	return "build/payloads";
}

int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	int passed = 0, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!getenv("UNIT_VERBOSE")) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0) {
			dup2(null, STDERR_FILENO);
			close(null);
		}
	}

	for (size_t s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
		for (const struct unit_test *t = suites[s].tests; t->name; t++) {
			if (only && !strstr(t->name, only) && !strstr(suites[s].name, only))
				continue;
			current = t->name;
			current_failures = 0;
			t->fn();
			if (current_failures)
				failed++;
			else
				passed++;
		}
	}
	printf("unit tests: %zu suites, %d checks failed\n", sizeof(suites) / sizeof(suites[0]), checks_failed);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
