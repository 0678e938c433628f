/*
 * unit.h - the smallest test harness that reads like a spec.
 *
 *   UNIT_TEST(parse_rejects_minus_one) { CHECK(parse_u64("-1", &v) == -1); }
 *
 * Each test registers itself before main() runs (one constructor per test,
 * so a new file in tests/unit/ needs no edit anywhere else); main.c runs
 * them all and exits 1 if any CHECK failed.
 */
#ifndef KVMLAB_UNIT_H
#define KVMLAB_UNIT_H

#include <stdio.h>
#include <string.h>

struct unit_test {
	const char *name;
	void (*fn)(void);
	struct unit_test *next;
};
void unit_register(struct unit_test *t);
extern int unit_failures;

#define UNIT_TEST(name) \
	static void name(void); \
	static struct unit_test name##_unit = { #name, name, NULL }; \
	__attribute__((constructor)) static void name##_register(void) { unit_register(&name##_unit); } \
	static void name(void)

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
		unit_failures++; \
	} \
} while (0)

#define CHECK_STR(a, b) do { \
	const char *a_ = (a), *b_ = (b); \
	if (!a_ || !b_ || strcmp(a_, b_)) { \
		fprintf(stderr, "%s:%d: CHECK_STR failed: \"%s\" != \"%s\"\n", __FILE__, __LINE__, \
			a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
		unit_failures++; \
	} \
} while (0)

#endif
