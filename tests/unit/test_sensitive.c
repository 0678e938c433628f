/*
 * test_sensitive.c - vmm/measure/sensitive.c: the catalogue's data is consistent
 * with its own definitions (classes, Robin & Irvine, privileged => #GP at
 * CPL 3) and the outcome text is what tests and docs expect.
 */
#include "check.h"

static void t_sensitive_fault_outcome_text(void)
{
	char s[32];

	sens_fault_outcome(s, sizeof(s), 13, 0);
	CHECK_STR(s, "#GP(0)");
	sens_fault_outcome(s, sizeof(s), 13, 0x402);
	CHECK_STR(s, "#GP(0x402)");
	sens_fault_outcome(s, sizeof(s), 6, 0);
	CHECK_STR(s, "#UD");
	sens_fault_outcome(s, sizeof(s), 14, 2);
	CHECK_STR(s, "#PF(0x2)");
}

static void t_sensitive_table_is_consistent(void)
{
	CHECK(sens_count > 0 && !strcmp(sens_table[0].name, "nop"));    /* the reference row */
	for (int i = 0; i < sens_count; i++) {
		const struct sens_insn *s = &sens_table[i];
		CHECK(s->name && s->vmx && s->svm && s->expect[0] && s->expect[1]);
		CHECK(s->cls < SC_COUNT);
		/* Robin & Irvine's list is exactly the sensitive-unprivileged class. */
		CHECK(s->robin_irvine == (s->cls == SC_SENSITIVE_UNPRIV));
		/* Privileged means #GP(0) at CPL 3 (SDM Vol. 3A 5.9). */
		if (s->cls == SC_PRIVILEGED)
			CHECK(!strcmp(s->expect[1], "#GP(0)"));
		for (int j = i + 1; j < sens_count; j++)
			CHECK(strcmp(s->name, sens_table[j].name) != 0);
	}
	CHECK(SENS_PROBE_ID(3, 3) == 7 && SENS_PROBE_ID(3, 0) == 6);
}

const struct unit_test sensitive_tests[] = {
	UNIT(t_sensitive_fault_outcome_text),
	UNIT(t_sensitive_table_is_consistent),
	{ 0 },
};
