/*
 * labs/solutions/ex04/student.c - exercise 4, reference solution (instructors only).
 */
#include <string.h>

#include "ex04.h"

#define WORDS (EX04_PAGES_MAX / 64)

/* Adds the pages of the dirty bitmap to the pending set: a set, so a page
 * written twice before it is sent is sent once. */
static int harvest(struct ex04_log *log, uint64_t npages, uint64_t base_gpa, uint64_t *pending)
{
	uint64_t bm[WORDS] = { 0 }, gpa[EX04_PAGES_MAX];

	if (log->get(log, bm) != 0)
		return -1;
	uint64_t n = dirty_bitmap_pages(bm, npages, base_gpa, gpa, EX04_PAGES_MAX);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t page = (gpa[i] - base_gpa) / PAGE_SIZE;
		pending[page / 64] |= 1ULL << (page % 64);
	}
	return 0;
}

static uint64_t count(const uint64_t *set)
{
	uint64_t n = 0;
	for (unsigned w = 0; w < WORDS; w++)
		n += (uint64_t)__builtin_popcountll(set[w]);
	return n;
}

/* Sends up to max pending pages, lowest first, and takes them out of the set. */
static uint64_t send_some(struct ex04_log *log, uint64_t base_gpa, uint64_t *pending, uint64_t max)
{
	uint64_t sent = 0;
	for (unsigned w = 0; w < WORDS && sent < max; w++)
		while (pending[w] && sent < max) {
			unsigned b = (unsigned)__builtin_ctzll(pending[w]);
			pending[w] &= pending[w] - 1;
			log->send(log, base_gpa + ((uint64_t)w * 64 + b) * PAGE_SIZE);
			sent++;
		}
	return sent;
}

int ex04_precopy(struct ex04_log *log, uint64_t npages, uint64_t base_gpa, uint64_t budget,
		 struct ex04_result *r)
{
	uint64_t pending[WORDS] = { 0 };

	memset(r, 0, sizeof(*r));
	if (budget == 0 || npages == 0 || npages > EX04_PAGES_MAX)
		return -1;
	for (uint64_t p = 0; p < npages; p++)   /* round 0: every page is pending */
		pending[p / 64] |= 1ULL << (p % 64);
	/* Each round sends what was pending; what the guest wrote meanwhile is pending next. */
	while (count(pending) > budget && r->rounds < EX04_ROUNDS_MAX) {
		r->sent += send_some(log, base_gpa, pending, budget);
		if (harvest(log, npages, base_gpa, pending) != 0)
			return -1;
		r->rounds++;
	}
	r->converged = count(pending) <= budget;
	/* The guest ran between the last harvest and the stop: harvest once more. */
	log->stop(log);
	if (harvest(log, npages, base_gpa, pending) != 0)
		return -1;
	r->stop_copy = send_some(log, base_gpa, pending, EX04_PAGES_MAX);
	r->sent += r->stop_copy;
	return 0;
}
