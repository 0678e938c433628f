/*
 * benchdev.c - the bench device: the targets `kvmlab bench` makes the guest poke.
 *
 * Each target is the same tiny register reached by a different path, so the
 * difference in cost is the difference in path (docs/measurement.md):
 *   port 0xEE          in/out -> KVM_EXIT_IO -> kvmlab        (user space)
 *   port 0xEF          out    -> ioeventfd, completed in KVM  (kernel; api.rst 4.59)
 *   GPA 0xF0000000     mov    -> KVM_EXIT_MMIO -> kvmlab      (user space)
 *   GPA 0xF0001000     mov    -> coalesced-MMIO ring, no exit (kernel; api.rst 4.66)
 *   GPA 0xF0002000     mov    -> ioeventfd, completed in KVM  (kernel; the same eventfd)
 * Ports 0xEC/0xED tell the guest how many iterations and samples to run.
 * The two in-kernel paths are declared in the device's rows of the machine
 * table (vmm/core/machine.c), which sets them up best effort: without
 * KVM_CAP_IOEVENTFD or KVM_CAP_COALESCED_MMIO the "kernel" targets stay
 * ordinary exits to kvmlab, and bench reports what really happened.
 */
#include <string.h>
#include <unistd.h>

#include "kvmlab.h"

enum action benchdev_param_io(struct vcpu *v, struct io_req *io, void *opaque)
{
	const struct benchdev *b = opaque;
	uint32_t val;

	(void)v;
	if (io->out)
		return ACT_CONTINUE;            /* read-only: writes ignored */
	val = io->off == 0 ? b->iters : b->repeat;      /* PORT_BENCH_ITERS, then the samples */
	for (uint32_t i = 0; i < io->count; i++)
		memcpy(io->data + (size_t)i * io->size, &val, io->size);   /* low bytes of val */
	return ACT_CONTINUE;
}

KVMLAB_HOT enum action benchdev_scratch_io(struct vcpu *v, struct io_req *io, void *opaque)
{
	uint64_t *reg = &((struct benchdev *)opaque)->port_scratch;

	(void)v;
	if (likely(io->out && io->count == 1 && io->size == 1)) {      /* the bench's `out 0xEE, al` */
		__atomic_store_n(reg, io->data[0], __ATOMIC_RELAXED);
		return ACT_CONTINUE;
	}
	for (uint32_t i = 0; i < io->count; i++) {
		uint8_t *d = io->data + (size_t)i * io->size;
		uint64_t x = 0;
		/* --vcpus: any vCPU may reach the register; one atomic word, the last write wins. */
		if (io->out) {
			memcpy(&x, d, io->size);
			__atomic_store_n(reg, x, __ATOMIC_RELAXED);
		} else {
			x = __atomic_load_n(reg, __ATOMIC_RELAXED);
			memcpy(d, &x, io->size);
		}
	}
	return ACT_CONTINUE;
}

enum action benchdev_mmio(struct vcpu *v, struct mmio_req *m, void *opaque)
{
	uint64_t *reg = &((struct benchdev *)opaque)->mmio_scratch;
	uint64_t x = 0;

	(void)v;
	if (m->write) {                 /* atomic word, as the port register above */
		memcpy(&x, m->data, m->len);
		__atomic_store_n(reg, x, __ATOMIC_RELAXED);
	} else {
		x = __atomic_load_n(reg, __ATOMIC_RELAXED);
		memcpy(m->data, &x, m->len);
	}
	return ACT_CONTINUE;
}

void benchdev_setup(struct vm *vm)
{
	struct benchdev *b = &vm->bench;

	b->iters = vm->cfg.bench_iters ? vm->cfg.bench_iters : BENCH_ITERS_DEFAULT;
	b->repeat = vm->cfg.bench_repeat ? vm->cfg.bench_repeat : BENCH_REPEAT_DEFAULT;
}

uint64_t benchdev_doorbell_read(struct vm *vm)
{
	struct benchdev *b = &vm->bench;
	uint64_t n;

	/* An eventfd read returns the count and resets it (eventfd(2)). */
	if (b->doorbell.on && read(b->doorbell.efd, &n, sizeof(n)) == sizeof(n))
		b->doorbell_rings += n;
	return b->doorbell_rings;
}

void benchdev_teardown(struct vm *vm)
{
	benchdev_doorbell_read(vm);     /* the last rings, before machine_teardown closes the eventfd */
}
