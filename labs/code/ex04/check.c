/*
 * labs/code/ex04/check.c - the autograder of exercise 4 (make grade EX=4).
 * A scripted guest behind the ex04_log interface: every page has a version
 * that a guest write bumps, a send copies the version to the destination,
 * so the grader knows whether the destination ends up equal to the source.
 * The guest's writes of one interval land just before the harvest that
 * reports them (after that interval's sends): the worst case for the copy.
 */
#include <string.h>

#include "ex04.h"
#include "grade.h"

#define BASE  0x100000ull               /* the slot's first GPA: not 0, so GPAs must be decoded */
#define WORDS (EX04_PAGES_MAX / 64)

struct guest {
	struct ex04_log log;
	uint64_t npages;
	void (*writes)(int interval, uint64_t *bm);     /* the pages written in one interval */
	void (*tail)(uint64_t *bm);                     /* written between the last harvest and the stop */
	int gets, fail_at;                              /* fail_at: this get fails (0: none) */
	bool stopped, sent_before_final_get;
	int stops;
	uint64_t src[EX04_PAGES_MAX], dst[EX04_PAGES_MAX];
	uint64_t round_sends, max_round_sends, bad_sends;
	uint64_t pending_tail[WORDS];                   /* the tail's pages, reported by the next get */
};

static void apply(struct guest *g, const uint64_t *bm)
{
	for (uint64_t p = 0; p < g->npages; p++)
		if (bm[p / 64] >> (p % 64) & 1)
			g->src[p]++;
}

static int g_get(struct ex04_log *log, uint64_t *bm)
{
	struct guest *g = log->ctx;
	if (++g->gets == g->fail_at)
		return -1;
	memset(bm, 0, (g->npages + 63) / 64 * 8);
	if (g->stopped) {                       /* a stopped guest writes nothing more */
		memcpy(bm, g->pending_tail, (g->npages + 63) / 64 * 8);
		memset(g->pending_tail, 0, sizeof(g->pending_tail));
	} else {
		g->writes(g->gets, bm);
		apply(g, bm);
	}
	if (!g->stopped && g->round_sends > g->max_round_sends)
		g->max_round_sends = g->round_sends;
	g->round_sends = 0;
	return 0;
}

static void g_send(struct ex04_log *log, uint64_t gpa)
{
	struct guest *g = log->ctx;
	if (gpa < BASE || (gpa - BASE) % PAGE_SIZE || (gpa - BASE) / PAGE_SIZE >= g->npages) {
		g->bad_sends++;
		return;
	}
	g->dst[(gpa - BASE) / PAGE_SIZE] = g->src[(gpa - BASE) / PAGE_SIZE];
	if (!g->stopped)
		g->round_sends++;
}

static void g_stop(struct ex04_log *log)
{
	struct guest *g = log->ctx;
	if (g->stopped)
		return (void)g->stops++;
	g->stops++;
	if (g->round_sends > g->max_round_sends)
		g->max_round_sends = g->round_sends;
	g->round_sends = 0;
	g->tail(g->pending_tail);
	apply(g, g->pending_tail);
	g->stopped = true;
}

static bool consistent(const struct guest *g)
{
	return memcmp(g->src, g->dst, g->npages * sizeof(uint64_t)) == 0 && g->bad_sends == 0;
}

static void set(uint64_t *bm, uint64_t first, uint64_t n)
{
	for (uint64_t p = first; p < first + n; p++)
		bm[p / 64] |= 1ULL << (p % 64);
}

/* The scenarios (labs/code/04-precopy.md works them out). */
static void hot_low(int i, uint64_t *bm)  { (void)i; set(bm, 0, 4); }     /* pages 0-3, always */
static void hot_high(int i, uint64_t *bm) { (void)i; set(bm, 60, 4); }    /* pages 60-63, always */
static void too_fast(int i, uint64_t *bm) { (void)i; set(bm, 0, 16); }    /* 16 pages per round */
static void mixed(int i, uint64_t *bm)    { set(bm, (uint64_t)(i * 7) % 100, 5); set(bm, 200, 1); }
static void tail_low(uint64_t *bm)        { set(bm, 0, 4); }
static void tail_high(uint64_t *bm)       { set(bm, 60, 4); }
static void tail_new(uint64_t *bm)        { set(bm, 150, 2); }             /* pages not pending */
static void tail_none(uint64_t *bm)       { (void)bm; }

static int run(struct guest *g, uint64_t npages, uint64_t budget, void (*w)(int, uint64_t *),
	       void (*t)(uint64_t *), struct ex04_result *r)
{
	memset(g, 0, sizeof(*g));
	g->log = (struct ex04_log){ .get = g_get, .send = g_send, .stop = g_stop, .ctx = g };
	g->npages = npages;
	g->writes = w;
	g->tail = t;
	/* npages may exceed the arrays on purpose (the refusal check): fill what exists. */
	for (uint64_t p = 0; p < npages && p < EX04_PAGES_MAX; p++)
		g->src[p] = 1;                  /* the destination starts with nothing (0) */
	return ex04_precopy(&g->log, npages, BASE, budget, r);
}

static struct guest gs;

int main(void)
{
	struct grade g = { 0 };
	struct ex04_result r;
	int rc;

	/* 64 pages, 16 a round, pages 0-3 hot: 64 -> 52 -> 40 -> 28 -> 16. */
	rc = run(&gs, 64, 16, hot_low, tail_low, &r);
	grade_check(&g, "every page reaches the destination", 2, rc == 0 && consistent(&gs),
		    "round 0 sends every page; later rounds re-send what was dirtied");
	grade_check(&g, "rounds until convergence", 3, rc == 0 && r.converged && r.rounds == 4 && r.stop_copy == 16,
		    "stop when the pending pages fit in one round (<= budget)");
	grade_check(&g, "at most budget pages per round", 2, gs.max_round_sends <= 16 && r.sent == 80,
		    "send no more than budget pages before the next harvest");

	/* Pages 60-63 hot but pending anyway: a set, so 64 -> 56 -> ... -> 8 in 7 rounds
	 * (a counting model would say 14: precopy_simulate's worst case). */
	rc = run(&gs, 64, 8, hot_high, tail_high, &r);
	grade_check(&g, "a page dirtied twice is sent once", 3,
		    rc == 0 && r.rounds == 7 && r.stop_copy == 8 && r.sent == 64 && consistent(&gs),
		    "keep a pending set (bitmap), not a count");

	/* 16 dirty pages a round against a budget of 8: never converges. */
	rc = run(&gs, 64, 8, too_fast, tail_none, &r);
	grade_check(&g, "no convergence: stop after the round limit", 3,
		    rc == 0 && !r.converged && r.rounds == EX04_ROUNDS_MAX && r.stop_copy == 64 && consistent(&gs),
		    "give up after EX04_ROUNDS_MAX rounds and stop-and-copy what is pending");

	/* Pages written after the last harvest, before the stop, must be sent too. */
	rc = run(&gs, 256, 32, mixed, tail_new, &r);
	grade_check(&g, "the guest is stopped once, then harvested", 3,
		    rc == 0 && gs.stops == 1 && consistent(&gs),
		    "log->stop, then one more log->get, then send the rest");

	rc = run(&gs, 256, 32, mixed, tail_new, &r);
	grade_check(&g, "GPAs from the bitmap are decoded", 2, rc == 0 && gs.bad_sends == 0 && r.sent >= 256,
		    "bit i is page i of the slot: GPA = base_gpa + i * PAGE_SIZE (dirty_bitmap_pages)");

	rc = run(&gs, 64, 0, hot_low, tail_low, &r);
	int rc2 = run(&gs, EX04_PAGES_MAX + 1, 8, hot_low, tail_low, &r);
	struct guest *gp = &gs;
	memset(gp, 0, sizeof(*gp));
	gp->log = (struct ex04_log){ .get = g_get, .send = g_send, .stop = g_stop, .ctx = gp };
	gp->npages = 64;
	gp->writes = hot_low;
	gp->tail = tail_low;
	gp->fail_at = 2;
	int rc3 = ex04_precopy(&gp->log, 64, BASE, 16, &r);
	grade_check(&g, "bad arguments and a failing log are errors", 2, rc == -1 && rc2 == -1 && rc3 == -1,
		    "budget 0 never finishes; a failed KVM_GET_DIRTY_LOG loses pages: return -1");
	return grade_total(&g);
}
