/*
 * bus.c - the check every bus registration makes (traps/pio.c, traps/mmio.c).
 *
 * A device claims [base, base + size) on a bus.  The claim must be non-empty,
 * have a handler and a name, end at or below the bus's limit (0x10000 ports;
 * 2^64 - 1 on the MMIO bus, so base + size never wraps), overlap no claim
 * already made (which also refuses a duplicate), and fit in the bus's table.
 */
#include "kvmlab.h"

int bus_check(const struct bus_claim *c, const struct bus_claim *taken, int n, int max,
	      char *err, size_t errlen)
{
	if (c->size == 0 || !c->has_handler || !c->name) {
		snprintf(err, errlen, "%s_register: empty range or missing handler", c->bus);
		return -1;
	}
	if (c->base > c->limit || c->size > c->limit - c->base) {
		snprintf(err, errlen, "%s_register %s: %s 0x%llX+0x%llX wrap past 0x%llX", c->bus, c->name,
			 c->unit, (unsigned long long)c->base, (unsigned long long)c->size,
			 (unsigned long long)(c->limit - 1));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const struct bus_claim *o = &taken[i];
		if (c->base < o->base + o->size && o->base < c->base + c->size) {
			snprintf(err, errlen, "%s_register %s: %s 0x%llx-0x%llx overlap %s", c->bus, c->name,
				 c->unit, (unsigned long long)c->base,
				 (unsigned long long)(c->base + c->size - 1), o->name);
			return -1;
		}
	}
	if (n >= max) {
		snprintf(err, errlen, "%s_register %s: %s bus full (%d ranges)", c->bus, c->name, c->kind, max);
		return -1;
	}
	return 0;
}
