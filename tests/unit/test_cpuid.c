/*
 * test_cpuid.c - vmm/core/cpuid.c: --cpuid parsing and the CPUID table edits,
 * on a synthetic table shaped like KVM_GET_SUPPORTED_CPUID's: no KVM needed.
 */
#include <stdlib.h>

#include "check.h"

static int parse(const char *s, struct cpuid_override *o)
{
	char err[200];
	return cpuid_parse_override(s, o, err, sizeof(err));
}

static void t_cpuid_parse_leaf_reg_value(void)
{
	struct cpuid_override o;

	CHECK(parse("0x40000000:ebx=0x61774d56", &o) == 0);
	CHECK(o.leaf == 0x40000000 && !o.has_subleaf && o.subleaf == 0);
	CHECK(o.reg == CPUID_EBX && o.value == 0x61774d56);
	CHECK(parse("7.1:EAX=0", &o) == 0);                  /* register names ignore case */
	CHECK(o.leaf == 7 && o.has_subleaf && o.subleaf == 1 && o.reg == CPUID_EAX && o.value == 0);
	CHECK(parse("1:edx=4294967295", &o) == 0 && o.value == 0xFFFFFFFFu && o.reg == CPUID_EDX);
	CHECK(parse("0x1:ecx=0", &o) == 0 && o.reg == CPUID_ECX);
}

static void t_cpuid_parse_rejects_malformed(void)
{
	static const char *const bad[] = {
		"", "1", "1:", "1:eax", "1:eax=", ":eax=1", "1:esi=1", "1:eaxx=1", "1:ea=1",
		"1eax=1", "-1:eax=1", "1:eax=-1", "1:eax=0x100000000", "0x100000000:eax=1",
		"1.:eax=1", "1.x:eax=1", "1.2.3:eax=1", "1:eax=1 ", " 1:eax=1", "1:eax=0x",
		"1:eax=1=2",
	};
	struct cpuid_override o;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], &o) != -1)
			check_fail(__FILE__, __LINE__, "accepted bad --cpuid '%s'", bad[i]);
	}
}

static void t_cpuid_config_refuses_duplicates_and_overflow(void)
{
	struct cpuid_config c = { 0 };
	struct cpuid_override o;
	char err[200];

	CHECK(parse("1:ecx=0", &o) == 0 && cpuid_config_add(&c, &o, err, sizeof(err)) == 0);
	CHECK(parse("1.0:ecx=5", &o) == 0 && cpuid_config_add(&c, &o, err, sizeof(err)) == -1);
	CHECK(strstr(err, "given twice") != NULL);
	CHECK(parse("1:edx=0", &o) == 0 && cpuid_config_add(&c, &o, err, sizeof(err)) == 0);
	for (uint32_t leaf = 0x100; c.n < CPUID_OVERRIDES_MAX; leaf++) {
		o.leaf = leaf;
		CHECK(cpuid_config_add(&c, &o, err, sizeof(err)) == 0);
	}
	o.leaf = 0x999;
	CHECK(cpuid_config_add(&c, &o, err, sizeof(err)) == -1);
	CHECK(c.n == CPUID_OVERRIDES_MAX);
}

/* A small table shaped like KVM_GET_SUPPORTED_CPUID's answer. */
static struct kvm_cpuid2 *table(uint32_t max)
{
	struct kvm_cpuid2 *t = calloc(1, sizeof(*t) + max * sizeof(t->entries[0]));
	struct kvm_cpuid_entry2 e[] = {
		{ .function = 0, .eax = 0xd, .ebx = 0x756e6547 },
		{ .function = 1, .eax = 0x806f8, .ecx = 0x80000001, .edx = 0x1 },
		{ .function = 7, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .ebx = 0x70 },
		{ .function = 7, .index = 1, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 0x71 },
		{ .function = 0x40000000, .eax = 0x40000001, .ebx = 0x4b4d564b, .ecx = 0x564b4d56, .edx = 0x4d },
		{ .function = 0x40000001, .eax = 0x1007efb },
	};
	memcpy(t->entries, e, sizeof(e));
	t->nent = sizeof(e) / sizeof(e[0]);
	return t;
}

static const struct kvm_cpuid_entry2 *find(const struct kvm_cpuid2 *t, uint32_t f, uint32_t idx)
{
	for (uint32_t i = 0; i < t->nent; i++)
		if (t->entries[i].function == f && t->entries[i].index == idx)
			return &t->entries[i];
	return NULL;
}

static void t_cpuid_hide_hypervisor_clears_bit_and_leaves(void)
{
	struct kvm_cpuid2 *t = table(16);
	struct cpuid_config c = { .hide_hypervisor = true };
	char err[200];

	CHECK(cpuid_apply(t, 16, &c, err, sizeof(err)) == 0);
	CHECK(t->nent == 4);
	CHECK(find(t, 1, 0)->ecx == 0x00000001);            /* bit 31 gone, bit 0 kept */
	CHECK(find(t, 1, 0)->eax == 0x806f8);               /* nothing else touched */
	CHECK(find(t, 0x40000000, 0) == NULL && find(t, 0x40000001, 0) == NULL);
	CHECK(find(t, 7, 1)->eax == 0x71);
	free(t);
}

static void t_cpuid_override_changes_exactly_one_register(void)
{
	struct kvm_cpuid2 *t = table(16), *orig = table(16);
	struct cpuid_config c = { 0 };
	struct cpuid_override o;
	char err[200];

	CHECK(parse("0x40000000:ebx=0x61774d56", &o) == 0 && cpuid_config_add(&c, &o, err, sizeof(err)) == 0);
	CHECK(cpuid_apply(t, 16, &c, err, sizeof(err)) == 0);
	CHECK(t->nent == orig->nent);
	for (uint32_t i = 0; i < t->nent; i++) {
		struct kvm_cpuid_entry2 want = orig->entries[i];
		if (want.function == 0x40000000)
			want.ebx = 0x61774d56;
		CHECK(!memcmp(&t->entries[i], &want, sizeof(want)));
	}
	free(t);
	free(orig);
}

static void t_cpuid_override_subleaf_matches_only_that_subleaf(void)
{
	struct kvm_cpuid2 *t = table(16);
	struct cpuid_config c = { 0 };
	struct cpuid_override o;
	char err[200];

	CHECK(parse("7.1:eax=0", &o) == 0 && cpuid_config_add(&c, &o, err, sizeof(err)) == 0);
	CHECK(parse("7:ebx=0", &o) == 0 && cpuid_config_add(&c, &o, err, sizeof(err)) == 0);   /* subleaf 0 */
	CHECK(cpuid_apply(t, 16, &c, err, sizeof(err)) == 0);
	CHECK(find(t, 7, 1)->eax == 0 && find(t, 7, 0)->ebx == 0);
	CHECK(find(t, 7, 0)->eax == 0 && find(t, 7, 1)->ebx == 0);   /* unchanged zeros */
	free(t);
}

static void t_cpuid_override_after_hide_adds_a_leaf(void)
{
	struct kvm_cpuid2 *t = table(16);
	struct cpuid_config c = { .hide_hypervisor = true };
	struct cpuid_override o;
	char err[200];

	CHECK(parse("0x40000000:ebx=0x61774d56", &o) == 0 && cpuid_config_add(&c, &o, err, sizeof(err)) == 0);
	CHECK(cpuid_apply(t, 16, &c, err, sizeof(err)) == 0);
	const struct kvm_cpuid_entry2 *e = find(t, 0x40000000, 0);
	CHECK(e && e->ebx == 0x61774d56 && e->eax == 0 && e->ecx == 0 && e->edx == 0 && e->flags == 0);
	free(t);
}

static void t_cpuid_apply_reports_a_full_table(void)
{
	struct kvm_cpuid2 *t = table(6);                        /* exactly full */
	struct cpuid_config c = { 0 };
	struct cpuid_override o;
	char err[200] = "";

	CHECK(parse("0x8:eax=1", &o) == 0 && cpuid_config_add(&c, &o, err, sizeof(err)) == 0);
	CHECK(cpuid_apply(t, 6, &c, err, sizeof(err)) == -1);
	CHECK(strstr(err, "full") != NULL);
	free(t);
}

/* A host that rewrote leaf 7.0 after KVM_SET_CPUID2: only that override is reported. */
static void t_cpuid_unheld_names_only_replaced_overrides(void)
{
	struct kvm_cpuid2 *t = table(16);
	struct cpuid_config c = { 0 };
	struct cpuid_override o;
	char err[200];
	int idx[4];

	CHECK(parse("7:ecx=0", &o) == 0 && cpuid_config_add(&c, &o, err, sizeof(err)) == 0);
	CHECK(parse("0x40000000:ebx=0x61774d56", &o) == 0 && cpuid_config_add(&c, &o, err, sizeof(err)) == 0);
	CHECK(parse("0x99:eax=5", &o) == 0 && cpuid_config_add(&c, &o, err, sizeof(err)) == 0);  /* no such leaf */
	CHECK(cpuid_apply(t, 16, &c, err, sizeof(err)) == 0);
	CHECK(cpuid_unheld(t, &c, idx, 4) == 0);                /* KVM kept the table */
	for (uint32_t i = 0; i < t->nent; i++)
		if (t->entries[i].function == 7 && t->entries[i].index == 0)
			t->entries[i].ecx = 0x604;              /* the host's value came back */
	CHECK(cpuid_unheld(t, &c, idx, 4) == 1 && idx[0] == 0);
	t->nent--;                                      /* the added leaf 0x99 vanished */
	CHECK(cpuid_unheld(t, &c, idx, 4) == 2 && idx[1] == 2);
	CHECK(cpuid_unheld(t, &c, idx, 1) == 1);        /* never more than max */
	free(t);
}

const struct unit_test cpuid_tests[] = {
	UNIT(t_cpuid_parse_leaf_reg_value),
	UNIT(t_cpuid_parse_rejects_malformed),
	UNIT(t_cpuid_config_refuses_duplicates_and_overflow),
	UNIT(t_cpuid_hide_hypervisor_clears_bit_and_leaves),
	UNIT(t_cpuid_override_changes_exactly_one_register),
	UNIT(t_cpuid_override_subleaf_matches_only_that_subleaf),
	UNIT(t_cpuid_override_after_hide_adds_a_leaf),
	UNIT(t_cpuid_apply_reports_a_full_table),
	UNIT(t_cpuid_unheld_names_only_replaced_overrides),
	{ 0 },
};
