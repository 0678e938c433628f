/*
 * main.c - runs every unit-test suite and prints KTAP.
 *
 * Usage: build/unit-tests [SUBSTRING]  (only suites or tests whose name contains it)
 *
 * Output is KTAP version 1 (the kernel's Documentation/dev-tools/ktap.rst):
 * the top level has one test per suite, each suite a subtest whose lines are
 * indented two spaces (one level, ktap.rst "Nested tests"), one "ok N name"
 * or "not ok N name" per test, failed checks as "# file:line: ..."
 * diagnostics before the test's result line.
 * The last lines are diagnostics with the totals (tests and checks), so a
 * check lost in a refactoring shows as a smaller count.  Exit status 1 if any
 * test failed.
 *
 * The code under test warns on stderr as it should ("kvmlab: unclaimed IN
 * from port 0x200 ..."); those lines are expected here, so stderr goes to
 * /dev/null unless UNIT_VERBOSE is set.
 *
 * The suites are weak references: the I/O purity link (Makefile, unit-io-pure)
 * links this file with the I/O suites and the pure device objects only, and
 * an absent suite is then NULL.  In the full binary an absent suite is a
 * failed test ("not linked"), so a dropped file cannot pass silently.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"

#define SUITE(var) extern const struct unit_test var[] __attribute__((weak))
SUITE(parse_tests); SUITE(payload_tests); SUITE(guestmem_tests); SUITE(report_tests);
SUITE(json_tests); SUITE(counters_tests); SUITE(bus_tests); SUITE(exit_tests);
SUITE(cpulist_tests); SUITE(hardening_bounds_tests); SUITE(hardening_exits_tests);
SUITE(memslots_tests); SUITE(pagewalk_tests); SUITE(dirty_tests); SUITE(precopy_tests);
SUITE(cpuid_tests); SUITE(sensitive_tests); SUITE(bench_tests); SUITE(io_virtqueue_tests);
SUITE(io_uart_tests); SUITE(io_virtio_mmio_tests); SUITE(io_virtio_blk_tests); SUITE(ktrace_tests);
SUITE(io_virtio_net_tests);
SUITE(migrate_stream_tests); SUITE(vhost_msg_tests);

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
	{ "bench",    bench_tests },      /* vmm/measure/: summary.c, samples.c, bench_derive.c, bench_spread.c */
	{ "io-virtqueue",   io_virtqueue_tests },   /* traps/devices/virtqueue.c: split ring rules (virtio 1.1 2.7) */
	{ "io-uart",        io_uart_tests },        /* traps/devices/uart16550.c: the register model */
	{ "io-virtio-mmio", io_virtio_mmio_tests }, /* traps/devices/virtio_mmio.c, virtio_console.c */
	{ "io-virtio-blk",  io_virtio_blk_tests },  /* traps/devices/virtio_blk.c: requests on a memfd disk */
	{ "io-virtio-net",  io_virtio_net_tests },  /* traps/devices/virtio_net.c: frames on a socket pair */
	{ "migrate-stream", migrate_stream_tests }, /* vmm/migrate/stream.c, ram.c: the stream as untrusted input */
	{ "vhost-msg",      vhost_msg_tests },      /* vmm/vhost/vhost_msg.c, traps/devices/vhost_watch.c: a back-end's words checked */
};
#define NSUITES (sizeof(suites) / sizeof(suites[0]))

unsigned long unit_checks;
static int current_failures;
static unsigned long checks_failed;

void check_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("  # %s:%d: ", file, line);   /* a diagnostic at the suite's subtest level */
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	current_failures++;
	checks_failed++;
}

static bool selected(const struct suite *s, const struct unit_test *t, const char *only)
{
	return !only || strstr(t->name, only) || strstr(s->name, only);
}

static int suite_count(const struct suite *s, const char *only)
{
	int n = 0;

	for (const struct unit_test *t = s->tests; t && t->name; t++)
		n += selected(s, t, only);
	return n;
}

int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	int passed = 0, failed = 0, top = 0, nsel = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!getenv("UNIT_VERBOSE")) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0) {
			dup2(null, STDERR_FILENO);
			close(null);
		}
	}

	for (size_t s = 0; s < NSUITES; s++)
		nsel += !suites[s].tests || suite_count(&suites[s], only) > 0;
	printf("KTAP version 1\n1..%d\n", nsel);
	for (size_t s = 0; s < NSUITES; s++) {
		const struct suite *su = &suites[s];
		int n = suite_count(su, only), i = 0, suite_failed = 0;
		unsigned long checks_before = unit_checks;

		if (!su->tests) {
			printf("not ok %d %s # not linked into this binary\n", ++top, su->name);
			failed++;
			continue;
		}
		if (n == 0)
			continue;
		printf("  KTAP version 1\n  # Subtest: %s\n  1..%d\n", su->name, n);
		for (const struct unit_test *t = su->tests; t->name; t++) {
			if (!selected(su, t, only))
				continue;
			current_failures = 0;
			t->fn();
			printf("  %sok %d %s\n", current_failures ? "not " : "", ++i, t->name);
			if (current_failures)
				failed++, suite_failed++;
			else
				passed++;
		}
		printf("  # %s: %lu checks\n", su->name, unit_checks - checks_before);
		printf("%sok %d %s\n", suite_failed ? "not " : "", ++top, su->name);
	}
	printf("# unit tests: %zu suites, %d tests, %lu checks, %lu checks failed\n",
	       NSUITES, passed + failed, unit_checks, checks_failed);
	printf("# totals: pass:%d fail:%d skip:0\n", passed, failed);
	return failed ? 1 : 0;
}
