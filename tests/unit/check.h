/*
 * check.h - kvmlab's C unit-test harness: no KVM, no framework, one page.
 *
 * A test is a void function that makes CHECKs; a failed CHECK prints
 * file:line and what was expected as a KTAP diagnostic ("# ..."), and the
 * test goes on so one run shows every broken expectation.  Each
 * tests/unit/test_*.c ends with a table
 *     const struct unit_test NAME_tests[] = { UNIT(t_a), UNIT(t_b), { 0 } };
 * and main.c lists those tables in one visible array (no constructors:
 * the order tests run in is written down).  build/unit-tests prints KTAP
 * (the kernel's Documentation/dev-tools/ktap.rst): one subtest per suite,
 * one "ok N name" / "not ok N name" line per test.
 */
#ifndef KVMLAB_CHECK_H
#define KVMLAB_CHECK_H

#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "kvmlab.h"

struct unit_test {
	const char *name;
	void (*fn)(void);
};
#define UNIT(fn) { #fn, fn }

/* Checks made so far (main.c prints the total, so a lost check shows). */
extern unsigned long unit_checks;

/* Records one failed check of the running test (main.c). */
void check_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define CHECK(cond) do { \
	unit_checks++; \
	if (!(cond)) \
		check_fail(__FILE__, __LINE__, "CHECK(%s)", #cond); \
} while (0)

/* Integers of any width and signedness, compared as 64-bit patterns. */
#define CHECK_EQ(a, b) do { \
	uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b); \
	unit_checks++; \
	if (a_ != b_) \
		check_fail(__FILE__, __LINE__, "%s == %s: got 0x%" PRIx64 " (%" PRId64 "), want 0x%" PRIx64 " (%" PRId64 ")", \
			   #a, #b, a_, (int64_t)a_, b_, (int64_t)b_); \
} while (0)

#define CHECK_STR(a, b) do { \
	const char *a_ = (a), *b_ = (b); \
	unit_checks++; \
	if (!a_ || !b_ || strcmp(a_, b_)) \
		check_fail(__FILE__, __LINE__, "%s == %s: got \"%s\", want \"%s\"", #a, #b, \
			   a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
} while (0)

#define CHECK_CONTAINS(hay, needle) do { \
	const char *h_ = (hay), *n_ = (needle); \
	unit_checks++; \
	if (!h_ || !strstr(h_, n_)) \
		check_fail(__FILE__, __LINE__, "%s contains \"%s\": got \"%s\"", #hay, n_, h_ ? h_ : "(null)"); \
} while (0)

/*
 * The one fake vCPU (fake_vcpu.c): a VM with fd -1 and FAKE_RAM of heap
 * "guest RAM" behind machine_setup's devices, a vCPU with fd -1 (register
 * ioctls fail harmlessly) and a heap kvm_run area laid out as KVM lays it out
 * on x86: struct kvm_run in page 0, KVM_EXIT_IO data in page
 * KVM_PIO_PAGE_OFFSET (1), the coalesced-MMIO ring in page 2, so
 * KVM_GET_VCPU_MMAP_SIZE is 3 pages (api.rst 4.3 "KVM_GET_VCPU_MMAP_SIZE").
 */
#define FAKE_PAGE       4096
#define FAKE_RUN_SIZE   (3 * FAKE_PAGE)
#define FAKE_PIO_OFFSET (1 * FAKE_PAGE)
#define FAKE_RAM        (1u << 20)

struct fake {
	struct kvm kvm;
	struct vm vm;
	struct vcpu v;
	uint8_t *ram;                   /* == vm.mem.hva, FAKE_RAM bytes, zeroed */
};

struct fake *fake_new(void);          /* a fresh VM + vCPU; a failed machine_setup is a failed check */
void fake_free(struct fake *f);       /* frees what fake_new and exit_dispatch allocated */
uint8_t *fake_pio_data(struct fake *f);   /* the PIO data page inside kvm_run */

/* The suites, one per tests/unit/test_*.c (main.c runs them in this order). */
extern const struct unit_test parse_tests[];
extern const struct unit_test payload_tests[];
extern const struct unit_test guestmem_tests[];
extern const struct unit_test report_tests[];
extern const struct unit_test json_tests[];
extern const struct unit_test counters_tests[];
extern const struct unit_test bus_tests[];
extern const struct unit_test exit_tests[];
extern const struct unit_test cpulist_tests[];
extern const struct unit_test hardening_bounds_tests[];  /* test_hardening_*.c: guest-controlled extremes */
extern const struct unit_test hardening_exits_tests[];
extern const struct unit_test memslots_tests[];     /* test_mem_*.c: the memory area */
extern const struct unit_test pagewalk_tests[];
extern const struct unit_test dirty_tests[];
extern const struct unit_test precopy_tests[];
extern const struct unit_test migrate_stream_tests[];  /* test_migrate_stream.c */
extern const struct unit_test cpuid_tests[];
extern const struct unit_test sensitive_tests[];
extern const struct unit_test ktrace_tests[];
extern const struct unit_test bench_tests[];        /* test_bench_logic.c: accounting and bench */
extern const struct unit_test io_virtqueue_tests[]; /* test_io_*.c: the I/O devices' pure logic */
extern const struct unit_test io_uart_tests[];
extern const struct unit_test io_virtio_mmio_tests[];
extern const struct unit_test io_virtio_blk_tests[];
extern const struct unit_test io_virtio_net_tests[];

#endif
