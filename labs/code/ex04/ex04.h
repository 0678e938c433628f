/* labs/code/ex04/ex04.h - exercise 4: pre-copy over the dirty log (labs/code/04-precopy.md). */
#ifndef EX04_H
#define EX04_H
#include "kvmlab.h"
#include "x86.h"                       /* PAGE_SIZE */

#define EX04_PAGES_MAX  4096u                   /* guest pages the loop handles */
#define EX04_ROUNDS_MAX PRECOPY_ROUNDS_MAX      /* rounds before giving up (vmm/mem/mem.h) */

/* The migration source's view of a running guest. */
struct ex04_log {
	/* Fills bitmap (bit i = page i, as KVM_GET_DIRTY_LOG) with the pages written
	 * since the previous call, and clears the log.  0, or -1: the log failed. */
	int  (*get)(struct ex04_log *log, uint64_t *bitmap);
	void (*send)(struct ex04_log *log, uint64_t gpa);     /* copies one page to the destination */
	void (*stop)(struct ex04_log *log);                   /* pauses the guest: stop-and-copy */
	void *ctx;
};
struct ex04_result {
	int rounds;                     /* pre-copy rounds before stop-and-copy */
	bool converged;                 /* the pending set fell to <= budget */
	uint64_t sent;                  /* pages sent, stop-and-copy included */
	uint64_t stop_copy;             /* pages sent with the guest stopped: the downtime */
};
/* Live-migrates npages pages at base_gpa, sending at most budget pages per round.
 * 0 with *r filled in, or -1 (budget 0, npages 0 or > EX04_PAGES_MAX, the log failed). */
int ex04_precopy(struct ex04_log *log, uint64_t npages, uint64_t base_gpa, uint64_t budget,
		 struct ex04_result *r);
#endif
