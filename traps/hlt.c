/*
 * hlt.c - KVM_EXIT_HLT.  With no in-kernel interrupt controller nothing can
 * wake a halted vCPU, so KVM returns to user space and the run is over:
 * the normal way for a payload to finish (docs/guest-abi.md).
 */
#include "kvmlab.h"

enum action trap_hlt(struct vcpu *v)
{
	/* bench's hlt case: KVM already moved RIP past hlt, so re-entering resumes the guest. */
	if (v->vm->cfg.hlt_continue)
		return ACT_CONTINUE;
	return vcpu_end(v, END_HLT, "guest executed hlt");
}
