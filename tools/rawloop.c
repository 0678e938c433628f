/*
 * rawloop.c - the least a VMM can do: KVM_RUN in a loop, nothing else.
 *
 * The yardstick for kvmlab's own overhead (make bench-overhead): runs a
 * real-mode kvmlab payload (bench/overhead-pio) for N port-I/O exits with
 * no accounting, no dispatch table, no stats, and prints: exits, seconds,
 * exits per second, TSC cycles spent between KVM_RUN calls (kvmlab's JSON
 * calls the same figure exits.vmm_cycles).  Usage: rawloop PAYLOAD.bin EXITS.  Not part of kvmlab; built only for this.
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#define LOAD 0x10000                    /* the payload's load_addr (guest ABI default) */
#define RAM  (1 << 20)

static void fail(const char *what) { perror(what); exit(7); }

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: rawloop PAYLOAD.bin EXITS\n");
		return 2;
	}
	long want = atol(argv[2]);
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm, cpu, f = open(argv[1], O_RDONLY);
	uint8_t *ram = mmap(NULL, RAM, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (kvm < 0 || f < 0 || ram == MAP_FAILED)
		fail("open /dev/kvm, payload or RAM");
	ssize_t len = read(f, ram + LOAD, RAM - LOAD);
	if (len < 64)
		fail("payload");
	if ((vm = ioctl(kvm, KVM_CREATE_VM, 0)) < 0)
		fail("KVM_CREATE_VM");
	struct kvm_userspace_memory_region mr = { .memory_size = RAM, .userspace_addr = (uintptr_t)ram };
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &mr) < 0 || (cpu = ioctl(vm, KVM_CREATE_VCPU, 0)) < 0)
		fail("KVM_SET_USER_MEMORY_REGION / KVM_CREATE_VCPU");
	struct kvm_run *run = mmap(NULL, ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0), PROT_READ | PROT_WRITE,
				   MAP_SHARED, cpu, 0);
	struct kvm_sregs s;
	struct kvm_regs r = { .rflags = 2 };
	if (run == MAP_FAILED || ioctl(cpu, KVM_GET_SREGS, &s) < 0)
		fail("kvm_run / KVM_GET_SREGS");
	s.cs.selector = LOAD >> 4;              /* real mode: CS.base = selector << 4 */
	s.cs.base = LOAD;
	r.rip = *(uint32_t *)(ram + LOAD + 20); /* header field `entry` */
	if (ioctl(cpu, KVM_SET_SREGS, &s) < 0 || ioctl(cpu, KVM_SET_REGS, &r) < 0)
		fail("KVM_SET_SREGS / KVM_SET_REGS");

	struct timespec t0, t1;
	long exits = 0;
	uint64_t outside = 0, last = 0;         /* TSC cycles between KVM_RUN calls, as kvmlab counts */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (exits < want) {
		uint64_t a = __rdtsc();
		if (last)
			outside += a - last;
		if (ioctl(cpu, KVM_RUN, 0) < 0)
			fail("KVM_RUN");
		last = __rdtsc();
		if (run->exit_reason != KVM_EXIT_IO) {
			fprintf(stderr, "rawloop: unexpected exit %u\n", run->exit_reason);
			return 3;
		}
		exits++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double sec = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%ld %.6f %.1f %llu\n", exits, sec, exits / sec, (unsigned long long)outside);
	return 0;
}
