/*
 * cpuid.c - what the guest's CPUID says: KVM's supported table, edited.
 *
 * A guest learns who it runs on from CPUID: the vendor string (leaf 0), the
 * family/model (leaf 1), the "hypervisor present" bit CPUID.1:ECX[31] and
 * the hypervisor leaves 0x40000000-0x4FFFFFFF, where KVM answers
 * "KVMKVMKVM\0\0\0" and its paravirtual feature bits (Linux
 * Documentation/virt/kvm/x86/cpuid.rst).  None of that is the hardware's
 * answer: KVM_SET_CPUID2 (api.rst 4.73) makes the table the VMM hands KVM
 * the truth for the guest, and CPUID always exits to the hypervisor on
 * VT-x (SDM Vol. 3C 26.1.2) and is intercepted on SVM, so KVM can answer
 * from that table.  kvmlab starts from KVM_GET_SUPPORTED_CPUID and applies
 * --hide-hypervisor, then each --cpuid override, in that order.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "kvmlab.h"

static const char *const reg_names[CPUID_REG_COUNT] = { "eax", "ebx", "ecx", "edx" };

const char *cpuid_reg_name(int reg)
{
	return reg >= 0 && reg < CPUID_REG_COUNT ? reg_names[reg] : "?";
}

/* A 32-bit number: decimal or 0x-hex, nothing else (parse_u64 is strict). */
static int parse_u32(const char *s, size_t n, uint32_t *out)
{
	char buf[32];
	uint64_t v;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (parse_u64(buf, &v) != 0 || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int cpuid_parse_override(const char *s, struct cpuid_override *o, char *err, size_t errlen)
{
	const char *colon = strchr(s, ':'), *eq, *dot;

	memset(o, 0, sizeof(*o));
	if (!colon || !(eq = strchr(colon, '='))) {
		snprintf(err, errlen, "--cpuid '%s': expected LEAF[.SUBLEAF]:REG=VALUE, e.g. 0x1:ecx=0", s);
		return -1;
	}
	dot = memchr(s, '.', (size_t)(colon - s));
	if (parse_u32(s, (size_t)((dot ? dot : colon) - s), &o->leaf) != 0) {
		snprintf(err, errlen, "--cpuid '%s': leaf is not a 32-bit number", s);
		return -1;
	}
	if (dot) {
		if (parse_u32(dot + 1, (size_t)(colon - dot - 1), &o->subleaf) != 0) {
			snprintf(err, errlen, "--cpuid '%s': subleaf is not a 32-bit number", s);
			return -1;
		}
		o->has_subleaf = true;
	}
	o->reg = -1;
	for (int r = 0; r < CPUID_REG_COUNT; r++)
		if ((size_t)(eq - colon - 1) == strlen(reg_names[r]) &&
		    !strncasecmp(colon + 1, reg_names[r], strlen(reg_names[r])))
			o->reg = r;
	if (o->reg < 0) {
		snprintf(err, errlen, "--cpuid '%s': register must be eax, ebx, ecx or edx", s);
		return -1;
	}
	if (parse_u32(eq + 1, strlen(eq + 1), &o->value) != 0) {
		snprintf(err, errlen, "--cpuid '%s': value is not a 32-bit number", s);
		return -1;
	}
	return 0;
}

int cpuid_config_add(struct cpuid_config *c, const struct cpuid_override *o, char *err, size_t errlen)
{
	for (int i = 0; i < c->n; i++) {
		const struct cpuid_override *p = &c->ov[i];
		if (p->leaf == o->leaf && p->subleaf == o->subleaf && p->reg == o->reg) {
			snprintf(err, errlen, "--cpuid 0x%x.%u:%s given twice", o->leaf, o->subleaf, reg_names[o->reg]);
			return -1;
		}
	}
	if (c->n >= CPUID_OVERRIDES_MAX) {
		snprintf(err, errlen, "--cpuid: at most %d overrides", CPUID_OVERRIDES_MAX);
		return -1;
	}
	c->ov[c->n++] = *o;
	return 0;
}

static uint32_t *entry_reg(struct kvm_cpuid_entry2 *e, int reg)
{
	switch (reg) {
	case CPUID_EAX: return &e->eax;
	case CPUID_EBX: return &e->ebx;
	case CPUID_ECX: return &e->ecx;
	default:        return &e->edx;
	}
}

/* An entry answers (leaf, subleaf) if the leaf matches and either KVM says
 * the subleaf does not matter for it or the subleaf matches (api.rst 4.46). */
static bool entry_matches(const struct kvm_cpuid_entry2 *e, uint32_t leaf, uint32_t subleaf)
{
	return e->function == leaf && (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == subleaf);
}

int cpuid_apply(struct kvm_cpuid2 *t, uint32_t max, const struct cpuid_config *c, char *err, size_t errlen)
{
	if (c->hide_hypervisor) {
		uint32_t n = 0;
		for (uint32_t i = 0; i < t->nent; i++) {
			struct kvm_cpuid_entry2 *e = &t->entries[i];
			if (e->function == CPUID_LEAF_FEATURES)
				e->ecx &= ~CPUID_1_ECX_HYPERVISOR;
			/* No entry for the range: KVM answers zeros there (cpuid.rst). */
			if (e->function >= CPUID_LEAF_HV_FIRST && e->function <= CPUID_LEAF_HV_LAST)
				continue;
			t->entries[n++] = *e;
		}
		t->nent = n;
	}
	for (int k = 0; k < c->n; k++) {
		const struct cpuid_override *o = &c->ov[k];
		bool hit = false;
		for (uint32_t i = 0; i < t->nent; i++)
			if (entry_matches(&t->entries[i], o->leaf, o->subleaf)) {
				*entry_reg(&t->entries[i], o->reg) = o->value;
				hit = true;
			}
		if (hit)
			continue;
		/* A leaf KVM does not list: add it, all other registers zero. */
		if (t->nent >= max) {
			snprintf(err, errlen, "--cpuid 0x%x: the CPUID table is full (%u entries)", o->leaf, max);
			return -1;
		}
		struct kvm_cpuid_entry2 *e = &t->entries[t->nent++];
		memset(e, 0, sizeof(*e));
		e->function = o->leaf;
		e->index = o->subleaf;
		e->flags = o->has_subleaf ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
		*entry_reg(e, o->reg) = o->value;
	}
	return 0;
}

/* Which overrides did KVM not keep?  KVM_GET_CPUID2 after KVM_SET_CPUID2 shows
 * the table the vCPU really uses (api.rst 4.101); some hosts rewrite leaves
 * after the VMM set them (kvm_pvm replaces leaf 7.0 with the host's, seen on
 * an AMD EPYC).  Writes the index of each override whose register differs in
 * got (or whose leaf is gone) to idx[]; returns how many. */
int cpuid_unheld(const struct kvm_cpuid2 *got, const struct cpuid_config *c, int *idx, int max)
{
	int n = 0;

	for (int k = 0; k < c->n && n < max; k++) {
		const struct cpuid_override *o = &c->ov[k];
		bool held = false;
		for (uint32_t i = 0; i < got->nent; i++) {
			struct kvm_cpuid_entry2 e = got->entries[i];
			if (entry_matches(&e, o->leaf, o->subleaf))
				held = *entry_reg(&e, o->reg) == o->value;
		}
		if (!held)
			idx[n++] = k;
	}
	return n;
}
