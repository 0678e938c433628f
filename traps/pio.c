/*
 * pio.c - port I/O exits (KVM_EXIT_IO) and the port bus.
 *
 * in/out are privileged-by-IOPL and always intercepted when the VMM asks
 * (VMX: unconditional I/O exiting; SVM: the IOPM).  KVM hands user space
 * the port, width, direction and, for string I/O (rep outsb...), `count`
 * elements laid out in the kvm_run page at data_offset (api.rst 5, KVM_EXIT_IO).
 */
#include <string.h>

#include "kvmlab.h"

static struct bus_claim pio_claim(const struct pio_range *r)
{
	return (struct bus_claim){ .kind = "port", .bus = "pio", .unit = "ports", .base = r->first, .size = r->count,
				   .limit = 0x10000, .name = r->name, .has_handler = r->handler != NULL };
}

int pio_register(struct pio_bus *b, const struct pio_range *r, char *err, size_t errlen)
{
	struct bus_claim c = pio_claim(r), taken[PIO_RANGES_MAX];

	for (int i = 0; i < b->n; i++)
		taken[i] = pio_claim(&b->range[i]);
	if (bus_check(&c, taken, b->n, PIO_RANGES_MAX, err, errlen) != 0)
		return -1;
	b->range[b->n++] = *r;
	return 0;
}

const struct pio_range *pio_find(const struct pio_bus *b, uint16_t port)
{
	for (int i = 0; i < b->n; i++)
		if (port >= b->range[i].first && port - b->range[i].first < b->range[i].count)
			return &b->range[i];
	return NULL;
}

/* KVM fills these, but the data must lie inside the page we mapped. */
static inline bool io_exit_sane(const struct kvm_run *run, int run_size)
{
	uint64_t bytes = (uint64_t)run->io.size * run->io.count;

	return (run->io.size == 1 || run->io.size == 2 || run->io.size == 4) && run->io.count != 0 &&
	       run->io.data_offset <= (uint64_t)run_size && bytes <= run_size - run->io.data_offset;
}

/* Every case but the common one: a new port or key, an unclaimed port, a bad exit. */
__attribute__((noinline)) static enum action trap_io_slow(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	struct io_req *io = &v->io;
	*io = (struct io_req){
		.port = run->io.port,
		.size = run->io.size,
		.out = run->io.direction == KVM_EXIT_IO_OUT,
		.count = run->io.count,
	};
	if (!io_exit_sane(run, v->run_size))
		return vcpu_end(v, END_HOST_ERROR, "KVM_EXIT_IO with impossible size %u count %u offset 0x%llx",
				io->size, io->count, (unsigned long long)run->io.data_offset);
	io->data = (uint8_t *)run + run->io.data_offset;

	const struct pio_range *r = &v->pio_hit;
	if ((unsigned)(io->port - r->first) >= r->count) {     /* count 0: none cached yet */
		const struct pio_range *found = pio_find(&v->vm->pio, io->port);
		if (found)
			v->pio_hit = *found;    /* ranges never change once the vCPU runs */
		r = found ? &v->pio_hit : NULL;
	}
	struct counters *c = &v->ctr;
	int fresh;
	v->port_key_last = counters_access_key(c->port, &c->nports, PORT_KEYS_MAX, &c->port_overflow,
					       io->port, io->size, io->out, r != NULL, io->count, &fresh);
	if (r) {
		io->off = (uint16_t)(io->port - r->first);
		return r->handler(v, io, r->opaque);
	}

	/* Unclaimed port: writes go nowhere, reads float high, as on an ISA bus. */
	if (fresh)
		warnx_("unclaimed %s port 0x%x (%u byte%s): %s", io->out ? "OUT to" : "IN from",
		       io->port, io->size, io->size > 1 ? "s" : "", io->out ? "ignored" : "returns all ones");
	if (!io->out)
		memset(io->data, 0xFF, (size_t)io->size * io->count);
	return ACT_CONTINUE;
}

KVMLAB_HOT enum action trap_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	const struct pio_range *r = &v->pio_hit;
	struct access_key *k = v->port_key_last;
	uint16_t port = run->io.port;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;

	/* Most exits are the last one's again: the same port range (ranges are
	 * registered before the first KVM_RUN and never move) and the same key.
	 * Then this is a few compares and a tail call into the device, with no
	 * frame of its own (docs/measurement.md). */
	if (likely(k && k->addr == port && k->size == run->io.size && k->write == out &&
		   (unsigned)(port - r->first) < r->count && io_exit_sane(run, v->run_size))) {
		k->count++;
		k->elems += run->io.count;
		v->io = (struct io_req){
			.port = port,
			.off = (uint16_t)(port - r->first),
			.size = run->io.size,
			.out = out,
			.count = run->io.count,
			.data = (uint8_t *)run + run->io.data_offset,
		};
		return r->handler(v, &v->io, r->opaque);
	}
	return trap_io_slow(v);
}
