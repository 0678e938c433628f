/*
 * debug.c - KVM_EXIT_DEBUG: the guest finished a single step or reached a
 * hardware breakpoint that kvmlab set with KVM_SET_GUEST_DEBUG (api.rst 4.38).
 *
 * kvm_run.debug.arch carries the #DB vector and DR6, which says why
 * (SDM vol. 3B 18.2.3): BS for a single step, B0-B3 for a breakpoint.
 * Only `kvmlab trace` asks for these exits; vmm/measure/trace.c records them.
 * There is no second loop: vcpu_run dispatches these exits like any other.
 */
#include "kvmlab.h"
#include "x86.h"

enum action trap_debug(struct vcpu *v)
{
	struct trace *t = v->vm->cfg.trace;
	const struct kvm_debug_exit_arch *d = &v->run->debug.arch;
	enum action a = ACT_CONTINUE;

	if (!t)
		return vcpu_end(v, END_UNHANDLED, "KVM_EXIT_DEBUG (exception %u, DR6 0x%llx) but no trace is active",
				d->exception, (unsigned long long)d->dr6);
	t->debug_exits++;
	if (d->exception != DB_VECTOR)
		return vcpu_end(v, END_UNHANDLED, "KVM_EXIT_DEBUG with exception %u: kvmlab sets no software breakpoints",
				d->exception);
	/* A step that lands on a breakpoint reports the step; the breakpoint's own
	 * exit follows on the next entry, before the instruction runs. */
	if (d->dr6 & DR6_BS)
		a = trace_on_step(v, t);
	for (int i = 0; i < DEBUG_BREAKPOINTS && a == ACT_CONTINUE; i++)
		if (d->dr6 & DR6_B(i))
			a = trace_on_break(v, t, i);
	if (!(d->dr6 & (DR6_BS | DR6_B_MASK)))
		return vcpu_end(v, END_UNHANDLED, "KVM_EXIT_DEBUG with DR6 0x%llx: neither a step nor a breakpoint",
				(unsigned long long)d->dr6);
	return a;
}

enum action trap_step_lost(struct vcpu *v)
{
	struct trace *t = v->vm->cfg.trace;

	/* Only an ACT_STEP entry gets here, and only kvmlab trace returns ACT_STEP;
	 * KVM finished the instruction, so it is one step as DR6.BS would say. */
	if (!t)
		return vcpu_end(v, END_HOST_ERROR, "KVM_RUN returned EINTR for a step, but no trace is active");
	return trace_on_step(v, t);
}
