/*
 * mmio.c - accesses to guest-physical addresses with no RAM (KVM_EXIT_MMIO).
 *
 * KVM has no memory slot there, so it decodes the faulting instruction and
 * hands user space the address, width (1-8 bytes) and data (api.rst 5,
 * KVM_EXIT_MMIO).  Registered devices answer; anything else is counted and,
 * like an open bus, reads as all ones.
 */
#include <string.h>

#include "kvmlab.h"

static struct bus_claim mmio_claim(const struct mmio_range *r)
{
	return (struct bus_claim){ .kind = "MMIO", .bus = "mmio", .unit = "GPAs", .base = r->base, .size = r->size,
				   .limit = UINT64_MAX, .name = r->name, .has_handler = r->handler != NULL };
}

int mmio_register(struct mmio_bus *b, const struct mmio_range *r, char *err, size_t errlen)
{
	struct bus_claim c = mmio_claim(r), taken[MMIO_RANGES_MAX];

	for (int i = 0; i < b->n; i++)
		taken[i] = mmio_claim(&b->range[i]);
	if (bus_check(&c, taken, b->n, MMIO_RANGES_MAX, err, errlen) != 0)
		return -1;
	b->range[b->n++] = *r;
	return 0;
}

const struct mmio_range *mmio_find(const struct mmio_bus *b, uint64_t gpa, uint32_t len)
{
	for (int i = 0; i < b->n; i++) {
		const struct mmio_range *r = &b->range[i];
		/* The whole access must fall inside one device. */
		if (gpa >= r->base && gpa - r->base < r->size && len <= r->size - (gpa - r->base))
			return r;
	}
	return NULL;
}

enum action trap_mmio(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	struct mmio_req m = {
		.gpa = run->mmio.phys_addr,
		.len = run->mmio.len,
		.write = run->mmio.is_write,
		.data = run->mmio.data,
	};

	if (m.len == 0 || m.len > sizeof(run->mmio.data))
		return vcpu_end(v, END_HOST_ERROR, "KVM_EXIT_MMIO with impossible length %u", m.len);

	const struct mmio_range *r = mmio_find(&v->vm->mmio, m.gpa, m.len);
	struct counters *c = &v->ctr;
	int fresh = counters_access(c->mmio, &c->nmmio, MMIO_KEYS_MAX, &c->mmio_overflow,
				    m.gpa, m.len, m.write, r != NULL, 1);
	if (r) {
		m.off = m.gpa - r->base;
		return r->handler(v, &m, r->opaque);
	}
	enum action a;
	if (memholes_unclaimed(v, &m, &a))      /* ROM writes, --unmapped policy: traps/memholes.c */
		return a;
	if (fresh)
		warnx_("unclaimed MMIO %s 0x%llx (%u byte%s): %s", m.write ? "write to" : "read from",
		       (unsigned long long)m.gpa, m.len, m.len > 1 ? "s" : "",
		       m.write ? "ignored" : "returns all ones");
	if (!m.write)
		memset(m.data, 0xFF, m.len);
	return ACT_CONTINUE;
}
