/*
 * rawloop.c - the least a VMM can do: KVM_RUN in a loop, nothing else.
 *
 * The yardstick for kvmlab's own overhead (make bench-overhead): runs a
 * real-mode kvmlab payload (bench/overhead-pio) for N port-I/O exits with
 * no accounting, no dispatch table, no stats, and prints: exits, seconds,
 * exits per second, TSC cycles spent between KVM_RUN calls (kvmlab's JSON
 * calls the same figure exits.vmm_cycles), and the mean KVM_RUN round trip
 * in cycles (kvmlab's exits.by_reason.IO.cycles_mean).
 *
 * With PAGES > 0 it also writes one cache line in each of PAGES pages, 8 MiB
 * apart, after every exit: the yardstick for what a VMM's own footprint costs
 * per exit (make bench-overhead prints it).  On a host whose KVM_RUN returns
 * with the process's TLB entries gone, each such page is a page walk at
 * every exit, and the round trip inside KVM_RUN grows too.
 *
 * Usage: rawloop PAYLOAD.bin EXITS [PAGES].  Not part of kvmlab; built only for this.
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
#define TOUCH_STRIDE (8 << 20)          /* apart enough that no two pages share a page-table page */
#define TOUCH_MAX    64

static void fail(const char *what) { perror(what); exit(7); }

int main(int argc, char **argv)
{
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: rawloop PAYLOAD.bin EXITS [PAGES]\n");
		return 2;
	}
	long want = atol(argv[2]);
	int pages = argc == 4 ? atoi(argv[3]) : 0;
	if (want < 1 || pages < 0 || pages > TOUCH_MAX) {
		fprintf(stderr, "rawloop: EXITS must be >= 1 and PAGES 0..%d\n", TOUCH_MAX);
		return 2;
	}
	/* Each page's line at its own offset, so no two share a cache set. */
	volatile uint8_t *touch = NULL;
	if (pages) {
		touch = mmap(NULL, (size_t)pages * TOUCH_STRIDE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (touch == MAP_FAILED)
			fail("mmap of the pages to touch");
		for (int i = 0; i < pages; i++)
			touch[(size_t)i * TOUCH_STRIDE + (size_t)(i % 64) * 64] = 1;  /* faulted in before the loop */
	}
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
	uint64_t inside = 0;                    /* TSC cycles in KVM_RUN */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (exits < want) {
		uint64_t a = __rdtsc();
		if (last)
			outside += a - last;
		if (ioctl(cpu, KVM_RUN, 0) < 0)
			fail("KVM_RUN");
		last = __rdtsc();
		inside += last - a;
		for (int i = 0; i < pages; i++)
			touch[(size_t)i * TOUCH_STRIDE + (size_t)(i % 64) * 64]++;
		if (run->exit_reason != KVM_EXIT_IO) {
			fprintf(stderr, "rawloop: unexpected exit %u\n", run->exit_reason);
			return 3;
		}
		exits++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double sec = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%ld %.6f %.1f %llu %.1f\n", exits, sec, exits / sec, (unsigned long long)outside,
	       (double)inside / (double)exits);
	return 0;
}
