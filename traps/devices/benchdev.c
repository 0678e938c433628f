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
 * Without KVM_CAP_IOEVENTFD or KVM_CAP_COALESCED_MMIO the "kernel" targets
 * stay ordinary exits to kvmlab, and bench reports what really happened.
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvmlab.h"

enum action benchdev_param_io(struct vcpu *v, struct io_req *io, void *opaque)
{
	const struct vm_config *c = &v->vm->cfg;
	uint32_t val;

	(void)opaque;
	if (io->out)
		return ACT_CONTINUE;            /* read-only: writes ignored */
	if (io->port == PORT_BENCH_ITERS)
		val = c->bench_iters ? c->bench_iters : BENCH_ITERS_DEFAULT;
	else
		val = c->bench_repeat ? c->bench_repeat : BENCH_REPEAT_DEFAULT;
	for (uint32_t i = 0; i < io->count; i++)
		memcpy(io->data + (size_t)i * io->size, &val, io->size);   /* low bytes of val */
	return ACT_CONTINUE;
}

KVMLAB_HOT enum action benchdev_scratch_io(struct vcpu *v, struct io_req *io, void *opaque)
{
	uint64_t *reg = &v->vm->bench.port_scratch;

	(void)opaque;
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
	uint64_t *reg = &v->vm->bench.mmio_scratch;
	uint64_t x = 0;

	(void)opaque;
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

	b->doorbell_fd = -1;
	if (!vm->kvm)
		return;                 /* a bus without a VM (unit tests): nothing to ask KVM */
	if (!vm->cfg.kernel_devs) {
		/* Unregistering an ioeventfd or a coalesced zone at teardown waits for
		 * an SRCU grace period (milliseconds): only payloads that ask pay it. */
		vlog("no bench ioeventfd or coalesced zone: the payload does not set KVMLAB_FLAG_KERNEL_DEVS");
		return;
	}
	if (kvm_has(vm->kvm, CAP_IOEVENTFD)) {
		/* A 1-byte OUT to the port signals the eventfd inside KVM: no exit. */
		struct kvm_ioeventfd io = { .addr = PORT_BENCH_DOORBELL, .len = 1,
					    .flags = KVM_IOEVENTFD_FLAG_PIO };
		io.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		uint64_t t0 = setup_clock();
		int rc = io.fd >= 0 ? ioctl(vm->fd, KVM_IOEVENTFD, &io) : -1;

		setup_record(&vm->setup, "bench doorbell", "KVM_IOEVENTFD", t0);
		if (rc == 0) {
			b->doorbell_fd = io.fd;
			vlog("ioctl(vm, KVM_IOEVENTFD, port 0x%x -> eventfd %d): the bench doorbell completes inside KVM",
			     PORT_BENCH_DOORBELL, io.fd);
			/* The same eventfd behind a dword MMIO write (kvm-unit-tests'
			 * pci-mem eventfd case): doorbell_signals counts both. */
			struct kvm_ioeventfd mm = { .addr = GPA_BENCH_DOORBELL, .len = 4, .fd = io.fd };
			t0 = setup_clock();
			rc = ioctl(vm->fd, KVM_IOEVENTFD, &mm);
			setup_record(&vm->setup, "bench MMIO doorbell", "KVM_IOEVENTFD", t0);
			if (rc != 0)
				warnx_("KVM_IOEVENTFD at 0x%llx: %s (the MMIO doorbell exits to kvmlab instead)",
				       (unsigned long long)GPA_BENCH_DOORBELL, strerror(errno));
		} else {
			warnx_("KVM_IOEVENTFD on port 0x%x: %s (the doorbell exits to kvmlab instead)",
			       PORT_BENCH_DOORBELL, strerror(errno));
			if (io.fd >= 0)
				close(io.fd);
		}
	}
	if (kvm_has(vm->kvm, CAP_COALESCED_MMIO)) {
		struct kvm_coalesced_mmio_zone z = { .addr = GPA_BENCH_COALESCED, .size = BENCH_MMIO_SIZE };
		uint64_t t0 = setup_clock();
		int rc = ioctl(vm->fd, KVM_REGISTER_COALESCED_MMIO, &z);

		setup_record(&vm->setup, "bench zone", "KVM_REGISTER_COALESCED_MMIO", t0);
		if (rc == 0) {
			b->coalesced = true;
			vlog("ioctl(vm, KVM_REGISTER_COALESCED_MMIO, 0x%llx + 0x%x): writes there queue in a ring, no exit",
			     (unsigned long long)GPA_BENCH_COALESCED, (unsigned)BENCH_MMIO_SIZE);
		}
		else
			warnx_("KVM_REGISTER_COALESCED_MMIO at 0x%llx: %s (writes exit to kvmlab instead)",
			       (unsigned long long)GPA_BENCH_COALESCED, strerror(errno));
	}
}

uint64_t benchdev_doorbell_read(struct vm *vm)
{
	uint64_t n;

	/* An eventfd read returns the count and resets it (eventfd(2)). */
	if (vm->bench.doorbell_fd >= 0 && read(vm->bench.doorbell_fd, &n, sizeof(n)) == sizeof(n))
		vm->bench.doorbell_rings += n;
	return vm->bench.doorbell_rings;
}

void benchdev_teardown(struct vm *vm)
{
	if (vm->bench.doorbell_fd >= 0) {
		benchdev_doorbell_read(vm);
		close(vm->bench.doorbell_fd);
	}
	vm->bench.doorbell_fd = -1;
}
