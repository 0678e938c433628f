/* test_io_ioapic.c - kvmlab's IOAPIC (traps/devices/ioapic.c) against the 82093AA datasheet. */
#include <string.h>

#include "kvmlab.h"
#include "check.h"

#define SEL   0x00              /* IOREGSEL */
#define WIN   0x10              /* IOWIN */
#define RTE(n) (0x10 + 2 * (n))
#define LEVEL (1u << 15)
#define MASK  (1u << 16)
#define RIRR  (1u << 14)

struct msgs {
	int n, routes, fail;
	struct ioapic_msi last;
};

static int fake_send(void *ctx, const struct ioapic_msi *m)
{
	struct msgs *s = ctx;

	s->n++;
	s->last = *m;
	return s->fail ? -1 : 0;
}

static int fake_routes(void *ctx, const struct ioapic_msi *msi, int n)
{
	struct msgs *s = ctx;

	(void)msi;
	(void)n;
	s->routes++;
	return 0;
}

static void setup(struct ioapic *a, struct msgs *s)
{
	memset(a, 0, sizeof(*a));
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&a->lock, NULL);
	ioapic_reset(a);
	a->send = fake_send;
	a->routes = fake_routes;
	a->ctx = s;
}

static uint32_t reg(struct ioapic *a, uint32_t idx)
{
	ioapic_write(a, SEL, 4, idx);
	return ioapic_read(a, WIN);
}

static void set(struct ioapic *a, uint32_t idx, uint32_t v)
{
	ioapic_write(a, SEL, 4, idx);
	ioapic_write(a, WIN, 4, v);
}

static void test_ioapic_registers(void)
{
	struct ioapic a;
	struct msgs s;

	setup(&a, &s);
	CHECK_EQ(reg(&a, 0x01), 0x00170011);            /* 24 entries, version 0x11 */
	CHECK_EQ(reg(&a, RTE(5)), MASK);                /* masked after reset */
	set(&a, 0x00, 0xFFFFFFFF);
	CHECK_EQ(reg(&a, 0x00), 0x0F000000);            /* IOAPICID bits 27:24 only */
	CHECK_EQ(reg(&a, 0x02), 0x0F000000);
	set(&a, 0x01, 0);                               /* read-only */
	CHECK_EQ(reg(&a, 0x01), 0x00170011);
	set(&a, RTE(3), 0xFFFFFFFF);                    /* reserved 31:17 and RO 12, 14 dropped */
	CHECK_EQ(reg(&a, RTE(3)), 0x0001AFFF);
	set(&a, RTE(3) + 1, 0xFFFFFFFF);                /* high dword: destination 63:56 */
	CHECK_EQ(reg(&a, RTE(3) + 1), 0xFF000000);
	CHECK_EQ(reg(&a, 0x40), 0);                     /* past the table: undefined, reads 0 */
	CHECK_EQ(ioapic_read(&a, 0x40), 0);             /* another offset of the window */
	ioapic_write(&a, SEL, 4, RTE(3));
	ioapic_write(&a, WIN, 2, 0);                    /* a partial IOWIN write is ignored */
	CHECK_EQ(reg(&a, RTE(3)), 0x0001AFFF);
	CHECK(a.ignored >= 2);
	ioapic_set_irq(&a, 24, true);                   /* no such pin */
	ioapic_set_irq(&a, -1, true);
	CHECK_EQ(s.n, 0);
}

static void test_ioapic_edge(void)
{
	struct ioapic a;
	struct msgs s;

	setup(&a, &s);
	set(&a, RTE(4) + 1, 0x01000000);                /* destination APIC 1 */
	set(&a, RTE(4), 0x45 | (1u << 11));             /* fixed, logical, edge, unmasked */
	CHECK_EQ(s.routes, 0);                          /* edge entries need no EOI route */
	ioapic_set_irq(&a, 4, true);
	CHECK_EQ(s.n, 1);
	CHECK_EQ(s.last.address, 0xFEE01004);           /* SDM 11.11.1: dest << 12, DM bit 2 */
	CHECK_EQ(s.last.data, 0x4045);                  /* vector, fixed, assert, edge */
	ioapic_set_irq(&a, 4, true);                    /* still high: no new edge */
	CHECK_EQ(s.n, 1);
	ioapic_pulse(&a, 4);                            /* still high, then low: no edge */
	CHECK_EQ(s.n, 1);
	ioapic_pulse(&a, 4);                            /* low to high: one edge */
	ioapic_pulse(&a, 4);
	CHECK_EQ(s.n, 3);
	set(&a, RTE(4), 0x45 | MASK);
	ioapic_pulse(&a, 4);                            /* masked edge: lost, not held */
	set(&a, RTE(4), 0x45);
	CHECK_EQ(s.n, 3);
	CHECK_EQ(a.masked, 1);
	CHECK_EQ(a.pin_messages[4], 3);
}

static void test_ioapic_level(void)
{
	struct ioapic a;
	struct msgs s;

	setup(&a, &s);
	set(&a, RTE(9), 0x50 | LEVEL | MASK);
	CHECK_EQ(s.routes, 1);                          /* a level pin: KVM must learn its vector */
	set(&a, RTE(9), 0x50 | LEVEL | MASK);
	CHECK_EQ(s.routes, 1);                          /* unchanged: not again */
	ioapic_set_irq(&a, 9, true);                    /* masked: nothing yet */
	CHECK_EQ(s.n, 0);
	set(&a, RTE(9), 0x50 | LEVEL);                  /* unmasked while asserted: sent now */
	CHECK_EQ(s.n, 1);
	CHECK_EQ(s.last.data, 0xC050);                  /* level trigger bit 15 */
	CHECK(reg(&a, RTE(9)) & RIRR);
	ioapic_set_irq(&a, 9, true);
	CHECK_EQ(s.n, 1);                               /* Remote IRR holds the next one back */
	ioapic_eoi(&a, 0x51);                           /* another vector: nothing */
	CHECK(reg(&a, RTE(9)) & RIRR);
	ioapic_eoi(&a, 0x50);                           /* still asserted: again */
	CHECK_EQ(s.n, 2);
	ioapic_set_irq(&a, 9, false);
	ioapic_eoi(&a, 0x50);
	CHECK(!(reg(&a, RTE(9)) & RIRR));
	CHECK_EQ(s.n, 2);
	set(&a, RTE(9), 0x50);                          /* to edge: Remote IRR is meaningless */
	CHECK(!(reg(&a, RTE(9)) & RIRR));
	CHECK_EQ(s.routes, 2);
	CHECK_EQ(a.eois, 3);                            /* every EOI KVM forwarded, matching or not */
}

/* A table loaded from a migration stream: every pin's route goes to KVM at once,
 * and a level pin loaded in service (Remote IRR) takes the EOI as if it had sent. */
static void test_ioapic_routes_rebuild(void)
{
	struct ioapic a;
	struct msgs s;

	setup(&a, &s);
	a.rte[4] = 0x46 | LEVEL | RIRR;                 /* as the source left it */
	a.wire = 1u << 4;
	CHECK_EQ(ioapic_routes_rebuild(&a), 0);
	CHECK_EQ(s.routes, 1);
	CHECK_EQ(s.n, 0);                               /* rebuilding sends nothing */
	set(&a, RTE(4), 0x46 | LEVEL);                  /* the same route: KVM already has it */
	CHECK_EQ(s.routes, 1);
	ioapic_set_irq(&a, 4, false);                   /* the device lowers its line, then the EOI */
	ioapic_eoi(&a, 0x46);
	CHECK(!(reg(&a, RTE(4)) & RIRR));
	CHECK_EQ(s.n, 0);
	a.routes = NULL;
	CHECK_EQ(ioapic_routes_rebuild(&a), 0);         /* no KVM to tell (a unit test, the none model) */
}

static void test_ioapic_bad_programming(void)
{
	struct ioapic a;
	struct msgs s;

	setup(&a, &s);
	set(&a, RTE(1), 0x05);                          /* fixed vector 5: illegal */
	set(&a, RTE(2), 0x60 | (3u << 8));              /* reserved delivery mode 3 */
	set(&a, RTE(3), 0x60 | (7u << 8));              /* ExtINT: no PIC */
	set(&a, RTE(4), 0x02 | (4u << 8));              /* NMI: any vector */
	for (int p = 1; p <= 4; p++)
		ioapic_pulse(&a, p);
	CHECK_EQ(s.n, 1);
	CHECK_EQ(a.undeliverable, 3);
	s.fail = 1;                                     /* KVM_SIGNAL_MSI failed */
	ioapic_pulse(&a, 4);
	CHECK_EQ(a.send_errors, 1);
	a.send = NULL;                                  /* not connected (model kernel/none) */
	ioapic_pulse(&a, 4);
	CHECK_EQ(a.send_errors, 2);
	ioapic_eoi(&a, 0);                              /* an EOI nobody asked for */
	CHECK_EQ(a.messages, 1);
}

const struct unit_test io_ioapic_tests[] = {
	UNIT(test_ioapic_registers),
	UNIT(test_ioapic_edge),
	UNIT(test_ioapic_level),
	UNIT(test_ioapic_bad_programming),
	UNIT(test_ioapic_routes_rebuild),
	{ 0 },
};
