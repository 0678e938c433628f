/*
 * check.h - a minimal unit-test harness for kvmlab's pure logic (no KVM).
 *
 *   TEST(payload_rejects_short_file) {
 *           CHECK(payload_parse(buf, 10, &p, err, sizeof(err)) == XC_PAYLOAD_TRUNC);
 *           CHECK_EQ(p.size, 0);
 *   }
 *
 * TEST registers the function with a constructor, so a new test file needs
 * no list to edit; main.c runs every registered test and prints one line per
 * failed CHECK (file:line and the expression).  Exit status: 0 all passed,
 * 1 otherwise.
 */
#ifndef KVMLAB_CHECK_H
#define KVMLAB_CHECK_H

#include <stdio.h>

struct unit_test {
	const char *name;
	void (*fn)(void);
	struct unit_test *next;
};
void unit_register(struct unit_test *t);
extern int unit_failures;               /* failed CHECKs in the current test */

#define TEST(name)                                                         \
	static void test_##name(void);                                     \
	static struct unit_test unit_##name = { #name, test_##name, 0 };   \
	__attribute__((constructor)) static void reg_##name(void)          \
	{ unit_register(&unit_##name); }                                   \
	static void test_##name(void)

#define CHECK(cond) do {                                                   \
	if (!(cond)) {                                                     \
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
		unit_failures++;                                           \
	}                                                                  \
} while (0)

#define CHECK_EQ(a, b) do {                                                \
	unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b); \
	if (a_ != b_) {                                                    \
		fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (0x%llx != 0x%llx)\n", \
			__FILE__, __LINE__, #a, #b, a_, b_);               \
		unit_failures++;                                           \
	}                                                                  \
} while (0)

#endif
