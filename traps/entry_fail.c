/*
 * entry_fail.c - KVM_EXIT_FAIL_ENTRY: the hardware refused to enter the guest.
 *
 * On VMX, hardware_entry_failure_reason is the VM-exit reason with bit 31
 * ("VM-entry failure") set (SDM vol. 3C, 28.8 and appendix C); on SVM it is
 * the #VMEXIT code, VMEXIT_INVALID (-1) for an illegal VMCB (APM vol. 2,
 * 15.5.1).  kvm_pvm never produces this exit; see tests/unit for coverage.
 */
#include "kvmlab.h"

#define VMX_EXIT_FAILED_ENTRY       (1ULL << 31)
#define VMX_BASIC_REASON_MASK       0xFFFFULL
#define VMX_ENTRY_INVALID_GUEST     33  /* SDM C: VM-entry failure due to invalid guest state */
#define VMX_ENTRY_MSR_LOADING       34  /* VM-entry failure due to MSR loading */
#define VMX_ENTRY_MACHINE_CHECK     41  /* VM-entry failure due to machine-check event */
#define SVM_EXIT_INVALID            0xFFFFFFFFFFFFFFFFULL

const char *entry_failure_name(uint64_t hw)
{
	if (hw == SVM_EXIT_INVALID)
		return "SVM VMEXIT_INVALID: the VMCB holds an illegal guest state";
	switch (hw & VMX_BASIC_REASON_MASK) {
	case VMX_ENTRY_INVALID_GUEST: return "VMX: invalid guest state";
	case VMX_ENTRY_MSR_LOADING:   return "VMX: MSR loading failed";
	case VMX_ENTRY_MACHINE_CHECK: return "VMX: machine-check event";
	}
	return "unknown hardware entry failure reason";
}

enum action trap_fail_entry(struct vcpu *v)
{
	uint64_t hw = v->run->fail_entry.hardware_entry_failure_reason;

	return vcpu_end(v, END_FAIL_ENTRY, "VM entry failed on CPU %u: reason 0x%llx (%s)",
			v->run->fail_entry.cpu, (unsigned long long)hw, entry_failure_name(hw));
}
