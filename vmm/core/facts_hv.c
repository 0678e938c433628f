/*
 * facts_hv.c - what this KVM offers of the other hypervisors, and of VMX itself.
 *
 * KVM can pretend to be Hyper-V to a Windows guest (the "enlightenments":
 * CPUID leaves 0x40000000-0x4000000A in Hyper-V's format, synthetic MSRs,
 * hypercalls; api.rst, KVM_GET_SUPPORTED_HV_CPUID) and can host Xen HVM
 * guests (api.rst, KVM_CAP_XEN_HVM and KVM_XEN_HVM_CONFIG).  On a VMX
 * host it reports the VMX capability MSRs it would show a nested hypervisor
 * (api.rst, KVM_GET_MSR_FEATURE_INDEX_LIST and KVM_GET_MSRS as a system ioctl;
 * Intel SDM Vol. 3D Appendix A).  Each answer is a fact with the ioctl it came from;
 * a KVM that lacks an interface says so ("false", 0), it is never guessed.
 * Only /dev/kvm (and, for old kernels, a throwaway vCPU) is asked: no guest runs.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvmlab.h"

#define HV_CPUID_ENTRIES_MAX  64
#define HV_LEAF_VENDOR        0x40000000U  /* Hyper-V TLFS, "Hypervisor CPUID leaves": max leaf, vendor "Microsoft Hv" (KVM: "Linux KVM Hv") */
#define HV_LEAF_FEATURES      0x40000003U  /* TLFS: partition privileges (EAX:EBX), features (EDX) */
#define HV_LEAF_RECOMMEND     0x40000004U  /* TLFS: implementation recommendations (EAX) */
#define MSR_LIST_MAX          256
#define MSR_IA32_VMX_FIRST    0x480U       /* IA32_VMX_BASIC (SDM Vol. 4 "Model-Specific Registers"; Vol. 3D Appendix A) */
#define MSR_IA32_VMX_LAST     0x493U       /* ... IA32_VMX_EXIT_CTLS2 */

/* The VMX capability MSRs by name (SDM Vol. 3D Appendix A "VMX Capability Reporting Facility"). */
static const struct { uint32_t index; const char *name; } vmx_msrs[] = {
	{ 0x480, "vmx_basic" },             /* VMCS revision, region size, memory type */            
	{ 0x481, "vmx_pinbased_ctls" },    
	{ 0x482, "vmx_procbased_ctls" },   
	{ 0x483, "vmx_exit_ctls" },        
	{ 0x484, "vmx_entry_ctls" },       
	{ 0x485, "vmx_misc" },             
	{ 0x486, "vmx_cr0_fixed0" },       
	{ 0x487, "vmx_cr0_fixed1" },
	{ 0x488, "vmx_cr4_fixed0" },       
	{ 0x489, "vmx_cr4_fixed1" },
	{ 0x48A, "vmx_vmcs_enum" },        
	{ 0x48B, "vmx_procbased_ctls2" },  
	{ 0x48C, "vmx_ept_vpid_cap" },     
	{ 0x48D, "vmx_true_pinbased_ctls" },
	{ 0x48E, "vmx_true_procbased_ctls" },
	{ 0x48F, "vmx_true_exit_ctls" },
	{ 0x490, "vmx_true_entry_ctls" },
	{ 0x491, "vmx_vmfunc" },           
	{ 0x492, "vmx_procbased_ctls3" },  
	{ 0x493, "vmx_exit_ctls2" },       
};

/* KVM_GET_SUPPORTED_HV_CPUID: on /dev/kvm with KVM_CAP_SYS_HYPERV_CPUID (5.11+), else on a
 * fresh vCPU with KVM_CAP_HYPERV_CPUID.  Fills t; returns the ioctl's "how", or NULL. */
static const char *hv_cpuid(struct kvm *k, struct kvm_cpuid2 *t)
{
	if (ioctl(k->fd, KVM_CHECK_EXTENSION, KVM_CAP_SYS_HYPERV_CPUID) > 0) {
		t->nent = HV_CPUID_ENTRIES_MAX;
		if (ioctl(k->fd, KVM_GET_SUPPORTED_HV_CPUID, t) == 0)
			return "ioctl(/dev/kvm, KVM_GET_SUPPORTED_HV_CPUID)";
	}
	if (ioctl(k->fd, KVM_CHECK_EXTENSION, KVM_CAP_HYPERV_CPUID) <= 0)
		return NULL;
	int vm = ioctl(k->fd, KVM_CREATE_VM, 0);
	if (vm < 0)
		return NULL;
	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	const char *how = NULL;
	t->nent = HV_CPUID_ENTRIES_MAX;
	if (vcpu >= 0 && ioctl(vcpu, KVM_GET_SUPPORTED_HV_CPUID, t) == 0)
		how = "ioctl(vcpu, KVM_GET_SUPPORTED_HV_CPUID) on a throwaway vCPU";
	if (vcpu >= 0)
		close(vcpu);
	close(vm);
	return how;
}

static const struct kvm_cpuid_entry2 *leaf(const struct kvm_cpuid2 *t, uint32_t fn)
{
	for (uint32_t i = 0; i < t->nent; i++)
		if (t->entries[i].function == fn)
			return &t->entries[i];
	return NULL;
}

static void facts_hyperv(struct host_facts *hf, struct kvm *k)
{
	struct kvm_cpuid2 *t = calloc(1, sizeof(*t) + HV_CPUID_ENTRIES_MAX * sizeof(t->entries[0]));
	const char *how = t ? hv_cpuid(k, t) : NULL;

	facts_set_bool(hf, "hyperv.cpuid", how != NULL,
		       how ? how : "KVM_CAP_SYS_HYPERV_CPUID and KVM_CAP_HYPERV_CPUID both absent (or the ioctl failed)");
	if (!how) {
		facts_set_int(hf, "hyperv.cpuid.leaves", 0, "no KVM_GET_SUPPORTED_HV_CPUID");
		free(t);
		return;
	}
	facts_set_int(hf, "hyperv.cpuid.leaves", t->nent, how);
	const struct kvm_cpuid_entry2 *v = leaf(t, HV_LEAF_VENDOR);
	if (v) {
		char sig[13];
		memcpy(sig, &v->ebx, 4); memcpy(sig + 4, &v->ecx, 4); memcpy(sig + 8, &v->edx, 4);
		sig[12] = '\0';
		for (int i = 0; i < 12; i++)
			if (sig[i] && (sig[i] < 0x20 || sig[i] > 0x7e))
				sig[i] = '?';
		facts_set_int(hf, "hyperv.cpuid.max_leaf", v->eax, "KVM_GET_SUPPORTED_HV_CPUID leaf 0x40000000 eax");
		facts_set_str(hf, "hyperv.cpuid.vendor", sig, "KVM_GET_SUPPORTED_HV_CPUID leaf 0x40000000 ebx:ecx:edx");
	}
	const struct kvm_cpuid_entry2 *f = leaf(t, HV_LEAF_FEATURES);
	if (f) {
		facts_set_int(hf, "hyperv.cpuid.privileges", ((int64_t)f->ebx << 32) | f->eax,
			      "leaf 0x40000003 ebx:eax: partition privilege mask (Hyper-V TLFS)");
		facts_set_int(hf, "hyperv.cpuid.features_edx", f->edx, "leaf 0x40000003 edx: feature flags (TLFS)");
	}
	const struct kvm_cpuid_entry2 *r = leaf(t, HV_LEAF_RECOMMEND);
	if (r)
		facts_set_int(hf, "hyperv.cpuid.recommendations", r->eax, "leaf 0x40000004 eax (TLFS)");
	free(t);
}

static void facts_xen(struct host_facts *hf, struct kvm *k)
{
	int x = ioctl(k->fd, KVM_CHECK_EXTENSION, KVM_CAP_XEN_HVM);

	facts_set_bool(hf, "xen.hvm", x > 0, "ioctl KVM_CHECK_EXTENSION(KVM_CAP_XEN_HVM)");
	facts_set_int(hf, "xen.hvm.flags", x > 0 ? x : 0,
		      "KVM_CAP_XEN_HVM: KVM_XEN_HVM_CONFIG_* bits (1 hypercall MSR, 2 intercept hcall, "
		      "4 shared info, 8 runstate, 16 2-level evtchn, 32 evtchn send)");
}

static void facts_msr_features(struct host_facts *hf, struct kvm *k)
{
	if (ioctl(k->fd, KVM_CHECK_EXTENSION, KVM_CAP_GET_MSR_FEATURES) <= 0) {
		facts_set_int(hf, "msr_features", 0, "KVM_CAP_GET_MSR_FEATURES absent");
		facts_set_int(hf, "vmx.msrs", 0, "KVM_CAP_GET_MSR_FEATURES absent");
		return;
	}
	struct kvm_msr_list *l = calloc(1, sizeof(*l) + MSR_LIST_MAX * sizeof(l->indices[0]));
	struct kvm_msrs *m = calloc(1, sizeof(*m) + sizeof(m->entries[0]));
	if (!l || !m) {
		free(l);
		free(m);
		return;
	}
	l->nmsrs = MSR_LIST_MAX;
	if (ioctl(k->fd, KVM_GET_MSR_FEATURE_INDEX_LIST, l) != 0) {
		facts_set_unknown(hf, "msr_features", FACT_INT, "ioctl(/dev/kvm, KVM_GET_MSR_FEATURE_INDEX_LIST) failed");
		facts_set_unknown(hf, "vmx.msrs", FACT_INT, "ioctl(/dev/kvm, KVM_GET_MSR_FEATURE_INDEX_LIST) failed");
		free(l);
		free(m);
		return;
	}
	facts_set_int(hf, "msr_features", l->nmsrs, "ioctl(/dev/kvm, KVM_GET_MSR_FEATURE_INDEX_LIST): MSRs listed");
	int nvmx = 0;
	for (uint32_t i = 0; i < l->nmsrs; i++) {
		uint32_t idx = l->indices[i];
		if (idx < MSR_IA32_VMX_FIRST || idx > MSR_IA32_VMX_LAST)
			continue;
		nvmx++;
		const char *name = NULL;
		for (size_t k2 = 0; k2 < sizeof(vmx_msrs) / sizeof(vmx_msrs[0]); k2++)
			if (vmx_msrs[k2].index == idx)
				name = vmx_msrs[k2].name;
		char fname[FACT_NAME_MAX], val[24], src[96];
		snprintf(fname, sizeof(fname), "msr.%s", name ? name : "vmx_unnamed");
		m->nmsrs = 1;
		m->entries[0] = (struct kvm_msr_entry){ .index = idx };
		snprintf(src, sizeof(src), "ioctl(/dev/kvm, KVM_GET_MSRS) of MSR 0x%x", idx);
		if (ioctl(k->fd, KVM_GET_MSRS, m) == 1) {
			snprintf(val, sizeof(val), "0x%016llx", (unsigned long long)m->entries[0].data);
			facts_set_str(hf, fname, val, src);
		} else {
			facts_set_unknown(hf, fname, FACT_STR, src);
		}
	}
	facts_set_int(hf, "vmx.msrs", nvmx,
		      "IA32_VMX_* (0x480-0x493) in KVM_GET_MSR_FEATURE_INDEX_LIST: nested VMX offered (kvm_intel with nested=1)");
	free(l);
	free(m);
}

void facts_hypervisors(struct host_facts *hf, struct kvm *k)
{
	facts_hyperv(hf, k);
	facts_xen(hf, k);
	facts_msr_features(hf, k);
}
