/*
 * internal_error.c - KVM_EXIT_INTERNAL_ERROR: KVM itself could not go on,
 * and KVM_EXIT_* reasons kvmlab has no handler for.
 *
 * The common case on an emulating host is suberror 1, emulation failure: KVM's
 * x86 emulator met an instruction it does not implement.  With
 * KVM_CAP_EXIT_ON_EMULATION_FAILURE enabled KVM also hands us the
 * instruction bytes (api.rst 5, "emulation_failure"), which we disassemble.
 */
#include <string.h>
#include <sys/ioctl.h>

#include "kvmlab.h"

const char *internal_suberror_name(uint32_t sub)
{
	switch (sub) {
	case KVM_INTERNAL_ERROR_EMULATION:   return "emulation failure";
	case KVM_INTERNAL_ERROR_SIMUL_EX:    return "exception while delivering an exception";
	case KVM_INTERNAL_ERROR_DELIVERY_EV: return "event delivery failed (e.g. a fault while vectoring through the IDT)";
	case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON: return "unexpected hardware exit reason";
	}
	return "unknown suberror";
}

enum action trap_internal_error(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint32_t sub = run->internal.suberror;
	char bytes[3 * 15 + 1] = "", text[96] = "";

	if (sub == KVM_INTERNAL_ERROR_EMULATION && run->emulation_failure.ndata >= 3 &&
	    (run->emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES)) {
		uint8_t n = run->emulation_failure.insn_size;
		struct kvm_sregs sr;

		if (n > sizeof(run->emulation_failure.insn_bytes))
			n = sizeof(run->emulation_failure.insn_bytes);
		for (uint8_t i = 0; i < n; i++)
			snprintf(bytes + 3 * i, sizeof(bytes) - 3 * i, "%02x ", run->emulation_failure.insn_bytes[i]);
		if (n)
			bytes[3 * n - 1] = '\0';
		if (ioctl(v->fd, KVM_GET_SREGS, &sr) == 0) {
			char d[64];
			if (disasm_one(run->emulation_failure.insn_bytes, n, sregs_bits(&sr), 0, d, sizeof(d)) > 0)
				snprintf(text, sizeof(text), " (%s)", d);
		}
	}
	return vcpu_end(v, END_INTERNAL_ERROR, "KVM internal error: %s (suberror %u)%s%s%s",
			internal_suberror_name(sub), sub, bytes[0] ? "; instruction bytes " : "", bytes, text);
}

enum action trap_unhandled(struct vcpu *v)
{
	struct kvm_sregs sr;
	uint32_t reason = v->run->exit_reason;

	if (ioctl(v->fd, KVM_GET_SREGS, &sr) != 0)
		return vcpu_end(v, END_UNHANDLED, "unhandled exit reason %u (%s)", reason, exit_reason_name(reason));
	return vcpu_end(v, END_UNHANDLED,
			"unhandled exit reason %u (KVM_EXIT_%s); CS=%04x base 0x%llx CR0=0x%llx CR3=0x%llx CR4=0x%llx EFER=0x%llx",
			reason, exit_reason_name(reason), sr.cs.selector, (unsigned long long)sr.cs.base,
			(unsigned long long)sr.cr0, (unsigned long long)sr.cr3, (unsigned long long)sr.cr4,
			(unsigned long long)sr.efer);
}
