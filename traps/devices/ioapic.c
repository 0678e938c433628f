/*
 * ioapic.c - kvmlab's own I/O APIC, for the split interrupt model
 * (vmm/core/irqchip.c: KVM_CAP_SPLIT_IRQCHIP keeps only the LAPICs in KVM).
 *
 * The model is the Intel 82093AA datasheet (order number 290566-001):
 *   - two registers in the MMIO window at GPA_IOAPIC (3.1): IOREGSEL at +0x00
 *     selects an indirect register, IOWIN at +0x10 reads or writes it;
 *   - indirect registers (3.2): 0x00 IOAPICID, 0x01 IOAPICVER, 0x02 IOAPICARB,
 *     0x10-0x3F the 24 64-bit redirection entries, low dword first;
 *   - an asserted input pin, unless its entry masks it, becomes an interrupt
 *     message to the LAPICs.  Here that message is an MSI (SDM Vol. 3A 11.11,
 *     "Message Signalled Interrupts": address 0xFEE00000 | destination << 12 |
 *     destination mode << 2; data vector | delivery mode << 8 | trigger << 15),
 *     which kvmlab hands to KVM's LAPICs (KVM_SIGNAL_MSI, through a->send);
 *   - a level-triggered entry sets Remote IRR when sent and takes no further
 *     message until the LAPIC's EOI for its vector clears it (3.2.4); KVM
 *     forwards that EOI as KVM_EXIT_IOAPIC_EOI (traps/ioapic_eoi.c -> ioapic_eoi)
 *     for the vectors of the level-triggered routes kvmlab gives it (a->routes).
 * Edge interrupts on a masked pin are dropped, as the datasheet says (3.2.4,
 * "Interrupt Mask").  The wire's polarity is the board's business: a pin is
 * either asserted or not, and the polarity bit is only stored (as QEMU does).
 *
 * Everything the guest writes is accepted and kept within the register's
 * defined bits; what cannot be delivered (a reserved delivery mode, ExtINT
 * with no PIC, a vector below 16) is dropped and counted.  Invalid programming
 * is the guest's problem, never kvmlab's.
 *
 * Pure logic: no KVM call here (the send and routes functions are the caller's),
 * so tests/unit/test_io_ioapic.c runs it without KVM.
 */
#include <string.h>

#include "kvmlab.h"

/* 82093AA 3.1: the two directly addressed registers, and the width IOWIN takes. */
#define IOAPIC_IOREGSEL         0x00
#define IOAPIC_IOWIN            0x10
#define IOAPIC_IOWIN_LEN        4
/* 3.2: indirect register indexes. */
#define IOAPIC_IDX_ID           0x00
#define IOAPIC_IDX_VER          0x01
#define IOAPIC_IDX_ARB          0x02
#define IOAPIC_IDX_REDTBL       0x10
#define IOAPIC_ID_SHIFT         24              /* IOAPICID bits 27:24 */
#define IOAPIC_ID_MASK          0x0FU
#define IOAPIC_VERSION          0x11            /* IOAPICVER bits 7:0 of the 82093AA */
#define IOAPIC_MAXREDIR_SHIFT   16              /* IOAPICVER bits 23:16: entries - 1 */
/* 3.2.4: redirection entry bits. */
#define RTE_VECTOR_MASK         0xFFULL
#define RTE_DELMODE_SHIFT       8
#define RTE_DELMODE_MASK        (7ULL << RTE_DELMODE_SHIFT)
#define RTE_DESTMODE_BIT        (1ULL << 11)    /* 1 logical, 0 physical */
#define RTE_DELIVS_BIT          (1ULL << 12)    /* delivery status, read-only: always idle here */
#define RTE_POLARITY_BIT        (1ULL << 13)
#define RTE_REMOTE_IRR_BIT      (1ULL << 14)    /* read-only */
#define RTE_TRIGGER_LEVEL_BIT   (1ULL << 15)
#define RTE_MASK_BIT            (1ULL << 16)
#define RTE_DEST_SHIFT          56
#define RTE_DEST_MASK           (0xFFULL << RTE_DEST_SHIFT)
#define RTE_WRITABLE            (RTE_VECTOR_MASK | RTE_DELMODE_MASK | RTE_DESTMODE_BIT | RTE_POLARITY_BIT | \
				 RTE_TRIGGER_LEVEL_BIT | RTE_MASK_BIT | RTE_DEST_MASK)   /* 55:17 reserved */
/* What KVM's EOI-exit bitmap depends on (the routes of level-triggered pins). */
#define RTE_ROUTE_BITS          (RTE_VECTOR_MASK | RTE_DELMODE_MASK | RTE_DESTMODE_BIT | RTE_TRIGGER_LEVEL_BIT | \
				 RTE_DEST_MASK)
/* 3.2.4 delivery modes that reach a LAPIC as a message (2 SMI kept: KVM decides). */
#define DELMODE_FIXED           0
#define DELMODE_LOWEST          1
#define DELMODE_SMI             2
#define DELMODE_NMI             4
#define DELMODE_INIT            5
#define DELMODE_EXTINT          7               /* needs an 8259A: there is none in the split model */
/* SDM Vol. 3A 11.5.2: vectors 0-15 are illegal for fixed and lowest-priority interrupts. */
#define VECTOR_FIRST_LEGAL      16
/* SDM Vol. 3A 11.11.1-2: the MSI address and data of a message. */
#define MSI_ADDR_BASE           0xFEE00000U
#define MSI_ADDR_DEST_SHIFT     12
#define MSI_ADDR_DESTMODE_BIT   (1U << 2)
#define MSI_DATA_DELMODE_SHIFT  8
#define MSI_DATA_LEVEL_ASSERT   (1U << 14)
#define MSI_DATA_TRIGGER_LEVEL  (1U << 15)

void ioapic_reset(struct ioapic *a)
{
	/* 82093AA 3.2.4: after reset every entry is masked; the rest is zero. */
	a->ioregsel = 0;
	a->id = 0;
	a->wire = 0;
	for (int i = 0; i < IOAPIC_PINS; i++) {
		a->rte[i] = RTE_MASK_BIT;
		a->route_key[i] = 0;
	}
}

void ioapic_msi(uint64_t rte, struct ioapic_msi *m)
{
	uint32_t mode = (uint32_t)((rte & RTE_DELMODE_MASK) >> RTE_DELMODE_SHIFT);

	m->address = MSI_ADDR_BASE | (uint32_t)((rte & RTE_DEST_MASK) >> RTE_DEST_SHIFT) << MSI_ADDR_DEST_SHIFT |
		     ((rte & RTE_DESTMODE_BIT) ? MSI_ADDR_DESTMODE_BIT : 0);
	m->data = (uint32_t)(rte & RTE_VECTOR_MASK) | mode << MSI_DATA_DELMODE_SHIFT | MSI_DATA_LEVEL_ASSERT |
		  ((rte & RTE_TRIGGER_LEVEL_BIT) ? MSI_DATA_TRIGGER_LEVEL : 0);
}

/* Whether an entry's message can reach a LAPIC at all. */
static bool rte_deliverable(uint64_t rte)
{
	unsigned mode = (unsigned)((rte & RTE_DELMODE_MASK) >> RTE_DELMODE_SHIFT);
	unsigned vec = (unsigned)(rte & RTE_VECTOR_MASK);

	switch (mode) {
	case DELMODE_FIXED:
	case DELMODE_LOWEST:
		return vec >= VECTOR_FIRST_LEGAL;
	case DELMODE_SMI:
	case DELMODE_NMI:
	case DELMODE_INIT:
		return true;
	}
	return false;           /* 3 and 6 reserved; DELMODE_EXTINT without a PIC */
}

/* Sends pin's message now (an edge, or a level pin found ready); under a->lock. */
static void ioapic_send(struct ioapic *a, int pin)
{
	uint64_t *e = &a->rte[pin];
	struct ioapic_msi m;

	if (!rte_deliverable(*e)) {
		a->undeliverable++;
		return;
	}
	ioapic_msi(*e, &m);
	if (!a->send || a->send(a->ctx, &m) != 0) {
		a->send_errors++;
		return;
	}
	if (*e & RTE_TRIGGER_LEVEL_BIT)
		*e |= RTE_REMOTE_IRR_BIT;
	a->messages++;
	a->pin_messages[pin]++;
}

/* A level-triggered pin interrupts while its wire is asserted, it is unmasked and
 * the last message is no longer in service (Remote IRR clear); under a->lock. */
static void ioapic_service_level(struct ioapic *a, int pin)
{
	uint64_t e = a->rte[pin];

	if ((e & RTE_TRIGGER_LEVEL_BIT) && (a->wire & (1U << pin)) && !(e & (RTE_MASK_BIT | RTE_REMOTE_IRR_BIT)))
		ioapic_send(a, pin);
}

/* Gives KVM the routes again if a level-triggered pin's message changed; under a->lock. */
static void ioapic_update_routes(struct ioapic *a)
{
	struct ioapic_msi msi[IOAPIC_PINS];
	bool changed = false;

	for (int i = 0; i < IOAPIC_PINS; i++) {
		uint64_t key = (a->rte[i] & RTE_TRIGGER_LEVEL_BIT) ? (a->rte[i] & RTE_ROUTE_BITS) : 0;
		changed |= key != a->route_key[i];
		a->route_key[i] = key;
		ioapic_msi(a->rte[i], &msi[i]);
	}
	if (changed && a->routes) {
		if (a->routes(a->ctx, msi, IOAPIC_PINS) == 0)
			a->route_updates++;
		else
			a->send_errors++;
	}
}

int ioapic_routes_rebuild(struct ioapic *a)
{
	struct ioapic_msi msi[IOAPIC_PINS];
	int rc = 0;

	pthread_mutex_lock(&a->lock);
	for (int i = 0; i < IOAPIC_PINS; i++) {
		a->route_key[i] = (a->rte[i] & RTE_TRIGGER_LEVEL_BIT) ? (a->rte[i] & RTE_ROUTE_BITS) : 0;
		ioapic_msi(a->rte[i], &msi[i]);
	}
	if (a->routes)
		rc = a->routes(a->ctx, msi, IOAPIC_PINS);
	pthread_mutex_unlock(&a->lock);
	return rc;
}

static uint32_t ioapic_window_read(const struct ioapic *a)
{
	uint32_t idx = a->ioregsel;

	if (idx == IOAPIC_IDX_ID || idx == IOAPIC_IDX_ARB)     /* ARB: the ID after reset (3.2.3) */
		return (uint32_t)a->id << IOAPIC_ID_SHIFT;
	if (idx == IOAPIC_IDX_VER)
		return (uint32_t)(IOAPIC_PINS - 1) << IOAPIC_MAXREDIR_SHIFT | IOAPIC_VERSION;
	if (idx >= IOAPIC_IDX_REDTBL && idx < IOAPIC_IDX_REDTBL + 2 * IOAPIC_PINS) {
		uint64_t e = a->rte[(idx - IOAPIC_IDX_REDTBL) / 2];
		return (idx & 1) ? (uint32_t)(e >> 32) : (uint32_t)e;
	}
	return 0;               /* an undefined index */
}

static void ioapic_window_write(struct ioapic *a, uint32_t val)
{
	uint32_t idx = a->ioregsel;

	if (idx == IOAPIC_IDX_ID) {
		a->id = (uint8_t)((val >> IOAPIC_ID_SHIFT) & IOAPIC_ID_MASK);
		return;
	}
	if (idx < IOAPIC_IDX_REDTBL || idx >= IOAPIC_IDX_REDTBL + 2 * IOAPIC_PINS) {
		a->ignored++;   /* VER, ARB: read-only; others undefined */
		return;
	}
	int pin = (int)(idx - IOAPIC_IDX_REDTBL) / 2;
	uint64_t *e = &a->rte[pin];
	uint64_t v = (idx & 1) ? ((uint64_t)val << 32) | (*e & 0xFFFFFFFFULL)
			       : (*e & ~0xFFFFFFFFULL) | val;

	*e = (v & RTE_WRITABLE) | (*e & RTE_REMOTE_IRR_BIT);
	if (!(*e & RTE_TRIGGER_LEVEL_BIT))
		*e &= ~RTE_REMOTE_IRR_BIT;      /* Remote IRR is defined for level entries only */
	ioapic_update_routes(a);
	ioapic_service_level(a, pin);   /* a level pin unmasked while asserted interrupts now */
}

uint32_t ioapic_read(struct ioapic *a, uint64_t off)
{
	uint32_t v = 0;

	pthread_mutex_lock(&a->lock);
	if (off == IOAPIC_IOREGSEL)
		v = a->ioregsel;
	else if (off == IOAPIC_IOWIN)
		v = ioapic_window_read(a);
	pthread_mutex_unlock(&a->lock);
	return v;
}

void ioapic_write(struct ioapic *a, uint64_t off, uint32_t len, uint32_t val)
{
	pthread_mutex_lock(&a->lock);
	if (off == IOAPIC_IOREGSEL)
		a->ioregsel = val & 0xFF;       /* bits 7:0 (3.1.1) */
	else if (off == IOAPIC_IOWIN && len == IOAPIC_IOWIN_LEN)
		ioapic_window_write(a, val);
	else
		a->ignored++;   /* another offset or a partial IOWIN write: undefined, dropped */
	pthread_mutex_unlock(&a->lock);
}

void ioapic_set_irq(struct ioapic *a, int pin, bool level)
{
	if (pin < 0 || pin >= IOAPIC_PINS)
		return;
	pthread_mutex_lock(&a->lock);
	uint32_t bit = 1U << pin;
	bool rising = level && !(a->wire & bit);

	a->wire = level ? a->wire | bit : a->wire & ~bit;
	if (a->rte[pin] & RTE_TRIGGER_LEVEL_BIT)
		ioapic_service_level(a, pin);
	else if (rising && (a->rte[pin] & RTE_MASK_BIT))
		a->masked++;            /* an edge on a masked pin is lost (3.2.4) */
	else if (rising)
		ioapic_send(a, pin);
	pthread_mutex_unlock(&a->lock);
}

void ioapic_pulse(struct ioapic *a, int pin)
{
	ioapic_set_irq(a, pin, true);
	ioapic_set_irq(a, pin, false);
}

void ioapic_eoi(struct ioapic *a, uint8_t vector)
{
	pthread_mutex_lock(&a->lock);
	a->eois++;
	for (int i = 0; i < IOAPIC_PINS; i++) {
		uint64_t *e = &a->rte[i];
		if ((*e & RTE_VECTOR_MASK) != vector || !(*e & RTE_REMOTE_IRR_BIT))
			continue;
		*e &= ~RTE_REMOTE_IRR_BIT;
		ioapic_service_level(a, i);     /* still asserted: the next message (3.2.4) */
	}
	pthread_mutex_unlock(&a->lock);
}

enum action ioapic_mmio(struct vcpu *v, struct mmio_req *m, void *opaque)
{
	struct ioapic *a = opaque;
	uint32_t val = 0;

	(void)v;
	if (m->write) {
		memcpy(&val, m->data, m->len < sizeof(val) ? m->len : sizeof(val));
		ioapic_write(a, m->off, m->len, val);
		return ACT_CONTINUE;
	}
	/* A narrower read sees the register's low bytes; a wider one zeros above 32 bits. */
	val = ioapic_read(a, m->off);
	memset(m->data, 0, m->len);
	memcpy(m->data, &val, m->len < sizeof(val) ? m->len : sizeof(val));
	return ACT_CONTINUE;
}
