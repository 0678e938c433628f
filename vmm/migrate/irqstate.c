/*
 * irqstate.c - the interrupt controllers' state in the migration stream
 * (docs/migration.md): whichever the VM's interrupt model put outside the vCPUs.
 *
 *   kernel  KVM holds the two 8259A PICs and the IOAPIC: KVM_GET_IRQCHIP and
 *           KVM_SET_IRQCHIP move each chip whole (api.rst 4.26, 4.27); a PIT
 *           (KVM_CREATE_PIT2) would move with KVM_GET_PIT2 / KVM_SET_PIT2 (4.74,
 *           4.75), but kvmlab creates none.  Section IRQCHIP.
 *   split   the IOAPIC is kvmlab's own (traps/devices/ioapic.c): its registers,
 *           wires and counters travel, and the destination tells its KVM the
 *           pins' MSI routes again (KVM_SET_GSI_ROUTING), so the EOI of a
 *           level-triggered vector still in service comes back to it.  Section IOAPIC.
 *   none    nothing: there is no controller.
 * The LAPICs are per vCPU and travel in the VCPU sections (KVM_GET_LAPIC).
 *
 * KVM_SET_IRQCHIP copies what it is given into the device without a check, so
 * the reader checks every field against what the chip can hold.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvmlab.h"

_Static_assert(MIG_IOAPIC_PINS == IOAPIC_PINS, "the IOAPIC section holds every pin of kvmlab's IOAPIC");
_Static_assert(KVM_IOAPIC_NUM_PINS == IOAPIC_PINS, "KVM's IOAPIC has the 82093AA's 24 pins");

/* 8259A datasheet (Intel 231468), and what KVM's model of it (arch/x86/kvm/i8259.c) keeps. */
#define PIC_IRQ_BASE_LOW        0x07            /* ICW2: bits 2:0 are not the vector base on x86 (T7-T3 only) */
#define PIC_PRIORITY_MAX        7               /* priority_add: the IRQ of lowest priority + 1, mod 8 */
#define PIC_INIT_STATE_MAX      3               /* 0 ready, 1-3 waiting for ICW2, ICW3, ICW4 */
#define PIC_ELCR_MASK_MASTER    0xF8            /* PIIX ELCR1: IRQ 0-2 are edge only */
#define PIC_ELCR_MASK_SLAVE     0xDE            /* PIIX ELCR2: IRQ 8 and 13 are edge only */
/* 82093AA datasheet 3.2: registers of KVM's IOAPIC, at kvmlab's GPA_IOAPIC (its default base). */
#define IOAPIC_ID_MAX           0x0F            /* IOAPICID bits 27:24 */
#define IOAPIC_IOREGSEL_MAX     0xFF            /* IOREGSEL bits 7:0 (3.1.1) */
/* 3.2.4, a redirection entry: bits 55:17 are reserved. */
#define RTE_RESERVED            (((1ULL << 56) - 1) & ~((1ULL << 17) - 1))
#define RTE_VECTOR_MASK         0xFFULL         /* bits 7:0 */
#define RTE_DELIVS_BIT          (1ULL << 12)    /* delivery status: kvmlab's IOAPIC is always idle */
#define RTE_REMOTE_IRR_BIT      (1ULL << 14)
#define RTE_TRIGGER_LEVEL_BIT   (1ULL << 15)
#define PINS_MASK               ((1U << IOAPIC_PINS) - 1)
/* 8254 datasheet (Intel 231164), as KVM's i8254.c keeps a channel. */
#define PIT_MODE_MAX            5               /* modes 0-5; 6 and 7 are read as 2 and 3 */
#define PIT_MODE_RESET          0xFF            /* KVM's "never programmed" */
#define PIT_RW_MAX              3               /* RW bits: 1 LSB, 2 MSB, 3 LSB then MSB (0 after reset) */
#define PIT_RW_STATE_MAX        4               /* KVM's RW_STATE_LSB .. RW_STATE_WORD1 (0 after reset) */
#define PIT_COUNT_MAX           0x10000         /* a count of 0 means 65536 */
#define PIT_FLAGS_KNOWN         (KVM_PIT_FLAGS_HPET_LEGACY | KVM_PIT_FLAGS_SPEAKER_DATA_ON)


static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static int pic_check(const struct kvm_pic_state *s, int id, char *err, size_t errlen)
{
	const char *name = id == KVM_IRQCHIP_PIC_MASTER ? "master" : "slave";
	uint8_t elcr_mask = id == KVM_IRQCHIP_PIC_MASTER ? PIC_ELCR_MASK_MASTER : PIC_ELCR_MASK_SLAVE;
	const uint8_t flags[] = { s->read_reg_select, s->poll, s->special_mask, s->auto_eoi, s->rotate_on_auto_eoi,
				  s->special_fully_nested_mode, s->init4 };

	for (size_t i = 0; i < sizeof(flags); i++)
		if (flags[i] > 1)
			return mig_fail(err, errlen, "IRQCHIP section: PIC %s: a one-bit mode field holds %u", name, flags[i]);
	if (s->irq_base & PIC_IRQ_BASE_LOW)
		return mig_fail(err, errlen, "IRQCHIP section: PIC %s: vector base 0x%x is not a multiple of 8 (ICW2)",
			    name, s->irq_base);
	if (s->priority_add > PIC_PRIORITY_MAX || s->init_state > PIC_INIT_STATE_MAX)
		return mig_fail(err, errlen, "IRQCHIP section: PIC %s: priority %u or init state %u out of range",
			    name, s->priority_add, s->init_state);
	if (s->elcr_mask != elcr_mask || (s->elcr & ~elcr_mask))
		return mig_fail(err, errlen, "IRQCHIP section: PIC %s: ELCR 0x%x / mask 0x%x, the mask must be 0x%x",
			    name, s->elcr, s->elcr_mask, elcr_mask);
	return 0;
}

/* A redirection entry, either IOAPIC's: reserved bits 0 and Remote IRR only on a
 * level entry (82093AA 3.2.4; KVM and kvmlab both clear it for an edge entry).
 * The delivery mode is kept as the guest wrote it: all eight codes are what the
 * 3-bit field holds, and both models drop a reserved one (3, 6) at delivery. */
static int rte_check(const char *sec, int pin, uint64_t e, bool idle, char *err, size_t errlen)
{
	if (e & RTE_RESERVED)
		return mig_fail(err, errlen, "%s section: redirection entry %d has reserved bits 0x%llx (bits 55:17)",
			    sec, pin, (unsigned long long)(e & RTE_RESERVED));
	if (idle && (e & RTE_DELIVS_BIT))
		return mig_fail(err, errlen, "%s section: redirection entry %d is send pending (delivery status)", sec, pin);
	if ((e & RTE_REMOTE_IRR_BIT) && !(e & RTE_TRIGGER_LEVEL_BIT))
		return mig_fail(err, errlen, "%s section: redirection entry %d has Remote IRR on an edge entry", sec, pin);
	return 0;
}

static int pit_check(const struct kvm_pit_state2 *p, char *err, size_t errlen)
{
	if ((p->flags & ~PIT_FLAGS_KNOWN) || !all_zero(p->reserved, sizeof(p->reserved)))
		return mig_fail(err, errlen, "IRQCHIP section: PIT flags 0x%x or reserved fields", p->flags);
	for (int i = 0; i < 3; i++) {
		const struct kvm_pit_channel_state *c = &p->channels[i];
		if (c->count > PIT_COUNT_MAX || (c->mode > PIT_MODE_MAX && c->mode != PIT_MODE_RESET) ||
		    c->rw_mode > PIT_RW_MAX || c->count_latched > PIT_RW_MAX || c->status_latched > 1 ||
		    c->read_state > PIT_RW_STATE_MAX || c->write_state > PIT_RW_STATE_MAX || c->bcd > 1 || c->gate > 1)
			return mig_fail(err, errlen, "IRQCHIP section: PIT channel %d: count %u, mode %u, access %u/%u/%u, "
				    "bcd %u or gate %u out of range (8254)", i, c->count, c->mode, c->rw_mode,
				    c->read_state, c->write_state, c->bcd, c->gate);
	}
	return 0;
}

int mig_irqchip_check(const struct mig_irqchip *m, char *err, size_t errlen)
{
	if (m->version != MIG_IRQCHIP_VERSION)
		return mig_fail(err, errlen, "IRQCHIP section version %u, this kvmlab reads %u", m->version, MIG_IRQCHIP_VERSION);
	if (m->flags & ~MIG_IRQCHIP_PIT)
		return mig_fail(err, errlen, "IRQCHIP section: unknown flags 0x%x", m->flags);
	for (uint32_t i = 0; i < MIG_IRQCHIP_CHIPS; i++) {
		const struct kvm_irqchip *c = &m->chip[i];
		size_t used = i == KVM_IRQCHIP_IOAPIC ? sizeof(c->chip.ioapic) : sizeof(c->chip.pic);
		if (c->chip_id != i || c->pad)
			return mig_fail(err, errlen, "IRQCHIP section: chip %u has id %u (must be %u) or padding", i, c->chip_id, i);
		if (!all_zero((const uint8_t *)&c->chip + used, sizeof(c->chip) - used))
			return mig_fail(err, errlen, "IRQCHIP section: chip %u: bytes past its state are not 0", i);
	}
	for (int i = KVM_IRQCHIP_PIC_MASTER; i <= KVM_IRQCHIP_PIC_SLAVE; i++)
		if (pic_check(&m->chip[i].chip.pic, i, err, errlen) != 0)
			return -1;
	const struct kvm_ioapic_state *io = &m->chip[KVM_IRQCHIP_IOAPIC].chip.ioapic;
	/* KVM decodes its IOAPIC's MMIO at base_address: it must stay where the guest's is. */
	if (io->base_address != GPA_IOAPIC)
		return mig_fail(err, errlen, "IRQCHIP section: IOAPIC at 0x%llx, not 0x%llx",
			    (unsigned long long)io->base_address, (unsigned long long)GPA_IOAPIC);
	if (io->ioregsel > IOAPIC_IOREGSEL_MAX || io->id > IOAPIC_ID_MAX || (io->irr & ~PINS_MASK) || io->pad)
		return mig_fail(err, errlen, "IRQCHIP section: IOAPIC IOREGSEL 0x%x, id %u or IRR 0x%x out of range "
			    "(%d pins)", io->ioregsel, io->id, io->irr, IOAPIC_PINS);
	for (int i = 0; i < KVM_IOAPIC_NUM_PINS; i++)
		if (rte_check("IRQCHIP", i, io->redirtbl[i].bits, false, err, errlen) != 0)
			return -1;
	if (m->flags & MIG_IRQCHIP_PIT)
		return pit_check(&m->pit, err, errlen);
	if (!all_zero(&m->pit, sizeof(m->pit)))
		return mig_fail(err, errlen, "IRQCHIP section: PIT state without the PIT flag");
	return 0;
}

int mig_ioapic_check(const struct mig_ioapic *m, char *err, size_t errlen)
{
	if (m->version != MIG_IOAPIC_VERSION)
		return mig_fail(err, errlen, "IOAPIC section version %u, this kvmlab reads %u", m->version, MIG_IOAPIC_VERSION);
	if (m->pins != MIG_IOAPIC_PINS)
		return mig_fail(err, errlen, "IOAPIC section: %u pins, kvmlab's IOAPIC has %u", m->pins, MIG_IOAPIC_PINS);
	if (m->ioregsel > IOAPIC_IOREGSEL_MAX || m->id > IOAPIC_ID_MAX || (m->wire & ~PINS_MASK) || m->reserved)
		return mig_fail(err, errlen, "IOAPIC section: IOREGSEL 0x%x, id %u, wires 0x%x or reserved field out of range",
			    m->ioregsel, m->id, m->wire);
	for (int i = 0; i < IOAPIC_PINS; i++)
		if (rte_check("IOAPIC", i, m->rte[i], true, err, errlen) != 0)
			return -1;
	return 0;
}

static int irqchip_save(struct mig_out *out, struct vm *vm, char *err, size_t errlen)
{
	struct mig_irqchip m;

	memset(&m, 0, sizeof(m));               /* the unions' unused bytes go as 0 */
	m.version = MIG_IRQCHIP_VERSION;
	for (uint32_t i = 0; i < MIG_IRQCHIP_CHIPS; i++) {
		m.chip[i].chip_id = i;
		if (ioctl(vm->fd, KVM_GET_IRQCHIP, &m.chip[i]) < 0) {
			snprintf(err, errlen, "KVM_GET_IRQCHIP (chip %u): %s", i, strerror(errno));
			return -1;
		}
	}
	/* ENXIO: the VM has no PIT (kvmlab never calls KVM_CREATE_PIT2). */
	if (ioctl(vm->fd, KVM_GET_PIT2, &m.pit) == 0)
		m.flags |= MIG_IRQCHIP_PIT;
	else
		memset(&m.pit, 0, sizeof(m.pit));
	return mig_write_section(out, MIG_SEC_IRQCHIP, &m, sizeof(m));
}

static int ioapic_save(struct mig_out *out, struct ioapic *a)
{
	struct mig_ioapic m = { .version = MIG_IOAPIC_VERSION, .pins = MIG_IOAPIC_PINS };

	pthread_mutex_lock(&a->lock);
	m.ioregsel = a->ioregsel;
	m.id = a->id;
	m.wire = a->wire;
	memcpy(m.rte, a->rte, sizeof(m.rte));
	m.messages = a->messages; m.eois = a->eois; m.masked = a->masked; m.undeliverable = a->undeliverable;
	m.ignored = a->ignored; m.send_errors = a->send_errors; m.route_updates = a->route_updates;
	memcpy(m.pin_messages, a->pin_messages, sizeof(m.pin_messages));
	pthread_mutex_unlock(&a->lock);
	return mig_write_section(out, MIG_SEC_IOAPIC, &m, sizeof(m));
}

int mig_irq_save(struct mig_out *out, struct vm *vm, char *err, size_t errlen)
{
	int rc = 0;

	if (vm->cfg.irqchip == IRQ_KERNEL)
		rc = irqchip_save(out, vm, err, errlen);
	else if (vm->cfg.irqchip == IRQ_SPLIT && vm->io)
		rc = ioapic_save(out, &vm->io->ioapic);
	if (rc != 0 && out->err)
		snprintf(err, errlen, "migration: writing the stream: %s", strerror(out->err));
	return rc;
}

static int ioapic_load(struct vm *vm, const struct mig_ioapic *m, char *err, size_t errlen)
{
	struct ioapic *a = &vm->io->ioapic;

	pthread_mutex_lock(&a->lock);
	a->ioregsel = m->ioregsel;
	a->id = (uint8_t)m->id;                 /* <= 15: checked by the reader */
	a->wire = m->wire;
	memcpy(a->rte, m->rte, sizeof(a->rte)); /* Remote IRR as it was: the EOI is still to come */
	a->messages = m->messages; a->eois = m->eois; a->masked = m->masked; a->undeliverable = m->undeliverable;
	a->ignored = m->ignored; a->send_errors = m->send_errors; a->route_updates = m->route_updates;
	memcpy(a->pin_messages, m->pin_messages, sizeof(a->pin_messages));
	pthread_mutex_unlock(&a->lock);
	/* This KVM knows no route yet: without them it would not exit on the EOI of a
	 * level vector in service, and that pin would never interrupt again. */
	if (ioapic_routes_rebuild(a) != 0) {
		snprintf(err, errlen, "KVM_SET_GSI_ROUTING (the IOAPIC's %d pins from the stream): %s",
			 IOAPIC_PINS, strerror(errno));
		return -1;
	}
	return 0;
}

/* SDM Vol. 3A Table 11-1 (Local APIC Register Address Map): ISR at 0x100-0x170,
 * IRR at 0x200-0x270, eight 32-bit registers 16 bytes apart, bit v%32 of the
 * (v/32)th for vector v; struct kvm_lapic_state holds the page as the guest sees it. */
#define LAPIC_ISR       0x100
#define LAPIC_IRR       0x200
#define LAPIC_REG_STEP  0x10

static bool lapic_has_vector(const struct kvm_lapic_state *l, unsigned base, uint8_t vector)
{
	uint32_t word;

	memcpy(&word, l->regs + base + (vector / 32) * LAPIC_REG_STEP, sizeof(word));
	return (word >> (vector % 32)) & 1;
}

static bool vector_held(const struct mig_image *img, uint8_t vector)
{
	for (uint32_t i = 0; i < img->cfg.vcpus; i++) {
		const struct mig_vcpu *s = &img->vcpu[i];
		if (!(s->flags & MIG_VCPU_LAPIC) ||
		    lapic_has_vector(&s->lapic, LAPIC_IRR, vector) || lapic_has_vector(&s->lapic, LAPIC_ISR, vector))
			return true;    /* no LAPIC state: nothing is known, nothing is changed */
	}
	return false;
}

void mig_irq_vcpus_loaded(struct vm *vm, const struct mig_image *img)
{
	if (img->cfg.irqchip != IRQ_SPLIT || !vm->io)
		return;
	struct ioapic *a = &vm->io->ioapic;
	uint8_t lost[IOAPIC_PINS];
	int n = 0;

	pthread_mutex_lock(&a->lock);
	for (int i = 0; i < IOAPIC_PINS; i++) {
		uint64_t e = a->rte[i];
		uint8_t vector = (uint8_t)(e & RTE_VECTOR_MASK);
		if ((e & RTE_TRIGGER_LEVEL_BIT) && (e & RTE_REMOTE_IRR_BIT) && !vector_held(img, vector))
			lost[n++] = vector;
	}
	a->eois_carried += (uint64_t)n;
	pthread_mutex_unlock(&a->lock);
	for (int i = 0; i < n; i++) {
		vlog("migration: IOAPIC: vector 0x%02x is in no LAPIC but its Remote IRR is set: the EOI the "
		     "source's KVM still held, applied now", lost[i]);
		ioapic_eoi(a, lost[i]);         /* still asserted: the next message, to the loaded LAPIC */
	}
}

int mig_irq_load(struct vm *vm, const struct mig_image *img, char *err, size_t errlen)
{
	if (img->cfg.irqchip == IRQ_SPLIT)
		return vm->io ? ioapic_load(vm, &img->ioapic, err, errlen) : 0;
	if (img->cfg.irqchip != IRQ_KERNEL)
		return 0;
	if (img->irqchip.flags & MIG_IRQCHIP_PIT) {
		snprintf(err, errlen, "migration stream: the source's VM has a PIT (KVM_CREATE_PIT2), which kvmlab "
			 "does not create");
		return -1;
	}
	/* QEMU's order: the chips before any vCPU's LAPIC (KVM_SET_LAPIC), both before KVM_RUN. */
	for (uint32_t i = 0; i < MIG_IRQCHIP_CHIPS; i++) {
		struct kvm_irqchip c = img->irqchip.chip[i];
		if (ioctl(vm->fd, KVM_SET_IRQCHIP, &c) < 0) {
			snprintf(err, errlen, "KVM_SET_IRQCHIP (chip %u): %s", i, strerror(errno));
			return -1;
		}
	}
	return 0;
}
