/*
 * precopy.c - pre-copy live migration (热迁移), simulated.
 *
 * The model migration engineers reason with (Clark et al., "Live Migration
 * of Virtual Machines", NSDI 2005): round 0 sends every page while the guest
 * runs; each later round re-sends what the guest dirtied meanwhile.  With a
 * budget of B pages per round, pending(i+1) = max(pending(i) - B, 0) + D(i),
 * counting a page dirtied again as one more page to send (the worst case).
 * Once pending <= B, the guest is stopped and the rest is sent: that
 * stop-and-copy size is the downtime.  If the guest dirties faster than B
 * the copy never converges and stops after PRECOPY_ROUNDS_MAX rounds.
 * Pure: unit-tested.
 */
#include <string.h>

#include "kvmlab.h"

void precopy_simulate(struct precopy *pc, uint64_t total_pages, uint64_t budget,
		      const uint64_t *dirty, int n)
{
	uint64_t pending = total_pages;

	memset(pc, 0, sizeof(*pc));
	pc->budget = budget;
	pc->total_pages = total_pages;
	if (budget == 0)
		return;
	while (pending > budget && pc->rounds < PRECOPY_ROUNDS_MAX) {
		uint64_t d = n > 0 ? dirty[pc->rounds % n] : 0;
		pc->pending[pc->rounds] = pending;
		pc->sent_pages += budget;
		pending = pending - budget + d;
		pc->rounds++;
	}
	pc->pending[pc->rounds] = pending;
	pc->converged = pending <= budget;
	pc->stop_copy_pages = pending;
	pc->sent_pages += pending;
}
