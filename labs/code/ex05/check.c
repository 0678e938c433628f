/*
 * labs/code/ex05/check.c - the autograder of exercise 5 (make grade EX=5).
 * The row is checked as bench_cases[] would hold it; the payload (assembled
 * by scripts/grade into $GRADE_PAYLOADS/bench/case.bin) runs through
 * kvmlab's own bench runner (bench_run_case) in a fresh VM, which needs
 * /dev/kvm.  Its claim is an integer count of exits per operation, not a time.
 */
#define _GNU_SOURCE                     /* memmem */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ex05.h"
#include "grade.h"

#define ITERS   200u                    /* as `kvmlab bench`'s quick runs: counts, not times */
#define REPEAT  5u
#define TIMEOUT 20.0                    /* seconds: generous, a loaded machine is slow */

static bool name_ok(const char *s)
{
	if (!s || !*s || strlen(s) > 40)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return true;
}

static double moved(const struct bench_result *r, const char *name)
{
	for (int i = 0; i < r->nmove; i++)
		if (strcmp(r->move[i].name, name) == 0)
			return r->move[i].per_op;
	return 0;
}

int main(void)
{
	struct grade g = { 0 };
	const struct bench_case *c = &ex05_case;
	const char *dir = getenv("GRADE_PAYLOADS");
	char path[4096], link[4096], want[64];

	bool named = name_ok(c->name);
	grade_check(&g, "case row is complete", 2,
		    named && c->what && *c->what && c->bytes_per_iter == 0 && c->timeout == 0,
		    "a name of [a-z0-9-], one line for the table, 0 bytes per iteration, timeout 0");
	bool fresh = named;
	for (int i = 0; named && i < bench_ncases; i++)
		fresh = fresh && strcmp(bench_cases[i].name, c->name) != 0;
	grade_check(&g, "the name is new", 1, fresh, "kvmlab bench --list shows the names taken");

	/* The payload's header names the case ("bench-<name>", as every payloads/bench/ file). */
	bool header = false;
	snprintf(path, sizeof(path), "%s/bench/case.bin", dir ? dir : ".");
	FILE *f = named ? fopen(path, "rb") : NULL;
	if (f) {
		static char bin[1 << 16];
		size_t n = fread(bin, 1, sizeof(bin), f);
		fclose(f);
		snprintf(want, sizeof(want), "bench-%s", c->name);
		header = memmem(bin, n, want, strlen(want) + 1) != NULL;
	}
	grade_check(&g, "payload header names the case", 2, header,
		    "KVMLAB_HEADER MODE_LONG, \"bench-<name>\", ... in case.asm");

	/* The runner loads bench/<name>: give it the student's payload under that name. */
	struct bench_result r;
	memset(&r, 0, sizeof(r));
	bool ran = false;
	char err[512] = "";
	struct kvm k;
	if (header) {
		snprintf(link, sizeof(link), "%s/bench/%s.bin", dir, c->name);
		if (unlink(link) != 0 && errno != ENOENT)
			perror(link);
		if (symlink("case.bin", link) != 0)
			perror(link);
		setenv("KVMLAB_PAYLOADS", dir, 1);
		if (kvm_open(&k, err, sizeof(err)) == XC_OK) {
			struct bench_opts o = { .iters = ITERS, .repeat = REPEAT, .timeout = TIMEOUT };
			bench_run_case(&k, c, &o, &r);
			ran = true;
			kvm_close(&k);
		}
	}
	grade_check(&g, "the case runs in the bench runner", 3,
		    ran && r.status == BENCH_OK && r.samples == REPEAT,
		    !header ? "fix the checks above first" : !ran ? err : r.detail);

	/* Two exits to kvmlab per operation: an integer claim, net of the empty loop. */
	double io = moved(&r, "kvmlab.IO");
	grade_check(&g, "two port exits per operation", 3, ran && io > 1.5 && io < 2.5,
		    "BENCH_OP: two out instructions to a port kvmlab handles (PORT_BENCH_SCRATCH)");
	bench_result_free(&r);
	return grade_total(&g);
}
