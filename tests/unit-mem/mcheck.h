/*
 * mcheck.h - the memory area's C unit tests: no KVM, one header.
 *
 * Same shape as tests/unit/check.h (CHECK, CHECK_EQ, a table per file) so the
 * suites can move into build/unit-tests unchanged; kept as a separate binary,
 * build/unit-mem-tests, so the two harnesses never collide at link time.
 */
#ifndef KVMLAB_MCHECK_H
#define KVMLAB_MCHECK_H

#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "kvmlab.h"

struct mem_unit_test {
	const char *name;
	void (*fn)(void);
};
#define MUNIT(fn) { #fn, fn }

void mcheck_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define MCHECK(cond) do { \
	if (!(cond)) \
		mcheck_fail(__FILE__, __LINE__, "CHECK(%s)", #cond); \
} while (0)

#define MCHECK_EQ(a, b) do { \
	uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b); \
	if (a_ != b_) \
		mcheck_fail(__FILE__, __LINE__, "%s == %s: got 0x%" PRIx64 ", want 0x%" PRIx64, #a, #b, a_, b_); \
} while (0)

extern const struct mem_unit_test memslots_tests[];
extern const struct mem_unit_test pagewalk_tests[];
extern const struct mem_unit_test dirty_tests[];
extern const struct mem_unit_test precopy_tests[];

#endif
