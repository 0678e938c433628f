/*
 * facts_cpuid.c - does this KVM keep the CPUID table the VMM sets?
 *
 * KVM_SET_CPUID2 (api.rst 4.73) makes the VMM's table the guest's truth, and
 * KVM_GET_CPUID2 (api.rst 4.101) reads back what the vCPU uses.  Some hosts
 * rewrite registers in between: kvm_pvm on an AMD EPYC replaces all of leaf 7.0
 * with the host's values and forces CPUID.1:EDX.PAT.  The probe sets, for each
 * register of each supported leaf in turn, the table with bit 16 of that register
 * flipped (a bit nothing in the table derives from, for most leaves), and reads it
 * back.  A register whose flip does not come back is "replaced".  One vCPU, no
 * KVM_RUN: a vCPU accepts KVM_SET_CPUID2 again until it first runs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvmlab.h"

#define PROBE_ENTRIES   256
#define PROBE_BIT       (1U << 16)
#define CPUID_LEAF_XSAVE 0xdU          /* sizes KVM recomputes from XCR0 bits: not a user choice */

static uint32_t *reg_of(struct kvm_cpuid_entry2 *e, int r)
{
	return r == CPUID_EAX ? &e->eax : r == CPUID_EBX ? &e->ebx : r == CPUID_ECX ? &e->ecx : &e->edx;
}

static struct kvm_cpuid2 *table_alloc(void)
{
	struct kvm_cpuid2 *t = calloc(1, sizeof(*t) + PROBE_ENTRIES * sizeof(t->entries[0]));
	if (t)
		t->nent = PROBE_ENTRIES;
	return t;
}

/* The register (leaf i, reg r) after setting it flipped, or -1 if KVM refused the table. */
static int64_t set_and_read(int vcpu, const struct kvm_cpuid2 *sup, struct kvm_cpuid2 *t, struct kvm_cpuid2 *got,
			    uint32_t i, int r)
{
	memcpy(t, sup, sizeof(*sup) + sup->nent * sizeof(sup->entries[0]));
	*reg_of(&t->entries[i], r) ^= PROBE_BIT;
	if (ioctl(vcpu, KVM_SET_CPUID2, t) < 0)
		return -1;
	got->nent = PROBE_ENTRIES;
	if (ioctl(vcpu, KVM_GET_CPUID2, got) < 0)
		return -1;
	for (uint32_t j = 0; j < got->nent; j++)
		if (got->entries[j].function == sup->entries[i].function && got->entries[j].index == sup->entries[i].index)
			return *reg_of(&got->entries[j], r);
	return -2;                      /* the entry vanished */
}

void facts_cpuid_set(struct host_facts *hf, struct kvm *k)
{
	const char *src = "ioctl KVM_SET_CPUID2 with bit 16 of one register flipped, then KVM_GET_CPUID2, per supported leaf (facts_cpuid.c)";
	struct kvm_cpuid2 *sup = table_alloc(), *t = table_alloc(), *got = table_alloc();
	char list[FACT_VALUE_MAX] = "";
	int vm = -1, vcpu = -1;
	bool ok = false, leaf7 = true, truncated = false;

	if (!sup || !t || !got || ioctl(k->fd, KVM_GET_SUPPORTED_CPUID, sup) < 0)
		goto out;
	if ((vm = ioctl(k->fd, KVM_CREATE_VM, 0)) < 0 || (vcpu = ioctl(vm, KVM_CREATE_VCPU, 0)) < 0)
		goto out;
	ok = true;
	for (uint32_t i = 0; i < sup->nent; i++) {
		if (sup->entries[i].function == CPUID_LEAF_XSAVE)
			continue;
		for (int r = 0; r < CPUID_REG_COUNT; r++) {
			uint32_t want = *reg_of(&sup->entries[i], r) ^ PROBE_BIT;
			int64_t seen = set_and_read(vcpu, sup, t, got, i, r);
			if (seen == -1 || seen == (int64_t)want)
				continue;       /* refused (not a settable value) or held */
			if (sup->entries[i].function == 7 && sup->entries[i].index == 0)
				leaf7 = false;
			char one[32];
			snprintf(one, sizeof(one), "%s0x%x.%u:%s", list[0] ? "," : "", sup->entries[i].function,
				 sup->entries[i].index, cpuid_reg_name(r));
			if (strlen(list) + strlen(one) < sizeof(list) - 4)
				strcat(list, one);
			else if (!truncated) {
				strcat(list, ",...");
				truncated = true;
			}
		}
	}
out:
	if (vcpu >= 0)
		close(vcpu);
	if (vm >= 0)
		close(vm);
	free(sup);
	free(t);
	free(got);
	if (ok) {
		facts_set_str(hf, "cpuid_set.replaced", list, src);
		facts_set_bool(hf, "cpuid_set.leaf7_held", leaf7, src);
	} else {
		facts_set_unknown(hf, "cpuid_set.replaced", FACT_STR, src);
		facts_set_unknown(hf, "cpuid_set.leaf7_held", FACT_BOOL, src);
	}
}
