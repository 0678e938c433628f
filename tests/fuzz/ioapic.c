/*
 * ioapic.c - libFuzzer harness: a guest programming kvmlab's IOAPIC
 * (traps/devices/ioapic.c) while devices toggle its pins and KVM forwards EOIs.
 *
 * The input is a sequence of 6-byte operations: op, then a 1-byte argument and a
 * 4-byte value.  op % 5: 0 IOREGSEL write, 1 IOWIN write (width from the argument),
 * 2 read at an offset, 3 pin wire (pin, level), 4 EOI of a vector.
 * Properties: no crash; reserved bits 55:17 of every entry stay zero; Remote IRR is
 * never set on an edge entry; every message sent is a well-formed MSI of a
 * deliverable entry (address in 0xFEE00000-0xFEEFFFFF, vector >= 16 for fixed and
 * lowest priority); counters only grow by what happened.
 */
#include <stdlib.h>
#include <string.h>

#include "kvmlab.h"

#define RTE_RESERVED  0x00FFFFFFFFFE0000ULL     /* bits 55:17 */
#define RTE_LEVEL     (1ULL << 15)
#define RTE_RIRR      (1ULL << 14)

static uint64_t sent;

static int fuzz_send(void *ctx, const struct ioapic_msi *m)
{
	unsigned mode = (m->data >> 8) & 7, vec = m->data & 0xFF;

	(void)ctx;
	if ((m->address & 0xFFF00000U) != 0xFEE00000U || ((mode == 0 || mode == 1) && vec < 16) ||
	    mode == 3 || mode == 6 || mode == 7)
		abort();
	sent++;
	return 0;
}

static int fuzz_routes(void *ctx, const struct ioapic_msi *msi, int n)
{
	(void)ctx;
	(void)msi;
	if (n != IOAPIC_PINS)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ioapic a;
	static bool init;

	if (!init) {
		pthread_mutex_init(&a.lock, NULL);
		init = true;
	}
	ioapic_reset(&a);
	a.send = fuzz_send;
	a.routes = fuzz_routes;
	a.messages = 0;
	sent = 0;
	for (size_t i = 0; i + 6 <= size; i += 6) {
		uint8_t op = data[i] % 5, arg = data[i + 1];
		uint32_t val;
		memcpy(&val, data + i + 2, sizeof(val));
		switch (op) {
		case 0: ioapic_write(&a, 0x00, 4, val); break;
		case 1: ioapic_write(&a, 0x10, 1u + arg % 4, val); break;
		case 2: (void)ioapic_read(&a, arg); break;
		case 3: ioapic_set_irq(&a, (int)(arg % 32) - 2, val & 1); break;
		case 4: ioapic_eoi(&a, (uint8_t)val); break;
		}
		for (int p = 0; p < IOAPIC_PINS; p++)
			if ((a.rte[p] & RTE_RESERVED) || ((a.rte[p] & RTE_RIRR) && !(a.rte[p] & RTE_LEVEL)))
				abort();
	}
	if (a.messages != sent)
		abort();
	return 0;
}
