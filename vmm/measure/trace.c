/*
 * trace.c - single-stepping the guest, one instruction per exit.
 *
 * KVM_SET_GUEST_DEBUG (api.rst 4.38) with KVM_GUESTDBG_SINGLESTEP makes
 * KVM_RUN return KVM_EXIT_DEBUG after every guest instruction; with
 * KVM_GUESTDBG_USE_HW_BP it loads DR0-DR3/DR7 on the guest's behalf, so an
 * instruction breakpoint exits before the instruction runs.  The guest
 * sees none of this: its own debug registers are untouched.
 *
 * Order of events: before each KVM_RUN kvmlab has read the instruction at
 * RIP (the "pending" one: its bytes, decoded in the CPU mode of that
 * moment); the step exit says it completed, so it is printed then, with
 * the registers it changed and any other exit (IO, MMIO) it caused on the
 * way.  The mode is re-read at every step: after `mov cr0` or a far jump
 * the next instruction is decoded as 16-, 32- or 64-bit code accordingly.
 *
 * Software breakpoints (int3 patched into guest memory) fail emulation on
 * PVM (docs/trace.md), so every breakpoint here is a hardware one.  To go
 * on past a breakpoint, x86 sets RFLAGS.RF (SDM vol. 3B 18.3.1.1); on PVM
 * that does not suppress it and the same breakpoint fires again, so kvmlab
 * steps over by disarming it for exactly one single step, then re-arming.
 *
 * There is no loop here: vcpu_run is the only KVM_RUN loop.  trap_debug
 * (traps/debug.c) hands each step and breakpoint exit to trace_on_step and
 * trace_on_break; trace_action turns any other exit while stepping into
 * ACT_STEP, so that the loop completes its instruction as one step.
 * Printing is trace_print.c's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvmlab.h"
#include "x86.h"

_Static_assert(DEBUG_BREAKPOINTS_MAX == DEBUG_BREAKPOINTS, "one breakpoint per DR0-DR3");

static const char *const bp_role_names[] = {
	[BP_START] = "start", [BP_STOP] = "stop", [BP_BREAK] = "break",
};

/* Tells KVM what to trap: single steps and the armed breakpoints. */
static int trace_apply(struct vcpu *v, struct trace *t, bool step)
{
	struct kvm_guest_debug dbg;

	memset(&dbg, 0, sizeof(dbg));
	dbg.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP;
	if (step)
		dbg.control |= KVM_GUESTDBG_SINGLESTEP;
	for (int i = 0; i < t->nbp; i++) {
		dbg.arch.debugreg[i] = t->bp[i].addr;
		if (t->bp[i].armed)
			dbg.arch.debugreg[7] |= DR7_L(i);   /* R/W = LEN = 00: execution */
	}
	if (ioctl(v->fd, KVM_SET_GUEST_DEBUG, &dbg) < 0)
		return -1;
	return 0;
}

static int trace_read_state(struct vcpu *v, struct kvm_regs *regs, struct kvm_sregs *sr)
{
	return ioctl(v->fd, KVM_GET_REGS, regs) == 0 && ioctl(v->fd, KVM_GET_SREGS, sr) == 0 ? 0 : -1;
}

/* Reads and decodes the instruction at CS:RIP through the guest's own paging. */
static void trace_fetch(struct vcpu *v, const struct kvm_regs *regs, const struct kvm_sregs *sr,
			struct trace_insn *in)
{
	struct kvm_translation tr = { .linear_address = sr->cs.base + regs->rip };

	memset(in, 0, sizeof(*in));
	in->mode = mode_of_sregs(sr);
	in->bits = sregs_bits(sr);
	in->cs = sr->cs.selector;
	in->rip = regs->rip;
	in->linear = sr->cs.base + regs->rip;
	if (ioctl(v->fd, KVM_TRANSLATE, &tr) < 0 || !tr.valid || tr.physical_address >= v->vm->mem.size)
		return;
	uint64_t len = sizeof(in->bytes);
	if (len > v->vm->mem.size - tr.physical_address)
		len = v->vm->mem.size - tr.physical_address;
	gmem_hold(&v->vm->mem);
	int rc = gmem_read(&v->vm->mem, tr.physical_address, in->bytes, len);
	gmem_release(&v->vm->mem);
	if (rc != 0)
		return;
	int n = disasm_one(in->bytes, len, in->bits, in->rip, in->text, sizeof(in->text));
	in->len = n > 0 ? n : (int)len;
}

/* Remember the state the next step is compared with. */
static void trace_mark(struct vcpu *v, struct trace *t, const struct kvm_regs *r, const struct kvm_sregs *s)
{
	t->prev_regs = *r;
	t->prev_sregs = *s;
	for (uint32_t i = 0; i < EXIT_REASON_MAX; i++)
		t->prev_reason[i] = v->ctr.reason[i].count;
	t->prev_console = v->vm->con.total;
	trace_fetch(v, r, s, &t->pending);
	t->have_pending = true;
}

static enum action trace_fail(struct vcpu *v, const char *what)
{
	return vcpu_end(v, END_HOST_ERROR, "%s: %s", what, strerror(errno));
}

int trace_attach(struct vcpu *v, struct trace *t, char *err, size_t errlen)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	bool has_start = false;

	if (!kvm_has(v->vm->kvm, CAP_SET_GUEST_DEBUG)) {
		snprintf(err, errlen, "kvmlab trace needs KVM_CAP_SET_GUEST_DEBUG, which this KVM does not report");
		return -1;
	}
	t->over = -1;
	for (int i = 0; i < t->nbp; i++) {
		t->bp[i].armed = true;
		has_start |= t->bp[i].role == BP_START;
	}
	t->stepping = !has_start;               /* --start: run freely until it is reached */
	if (trace_read_state(v, &r, &s) != 0) {
		snprintf(err, errlen, "KVM_GET_REGS/KVM_GET_SREGS: %s", strerror(errno));
		return -1;
	}
	trace_mark(v, t, &r, &s);
	if (trace_apply(v, t, t->stepping) != 0) {
		snprintf(err, errlen, "KVM_SET_GUEST_DEBUG: %s", strerror(errno));
		return -1;
	}
	vlog("ioctl(vcpu, KVM_SET_GUEST_DEBUG): single-step %s, %d hardware breakpoint%s",
	     t->stepping ? "on" : "off until --start", t->nbp, t->nbp == 1 ? "" : "s");
	return 0;
}

enum action trace_on_step(struct vcpu *v, struct trace *t)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (trace_read_state(v, &r, &s) != 0)
		return trace_fail(v, "KVM_GET_REGS/KVM_GET_SREGS");
	/* Under single-step, KVM may report a completed hlt as a step instead of
	 * KVM_EXIT_HLT (PVM does; VMX/SVM exit with HLT): end the run as kvmlab run would. */
	bool halted = t->have_pending && !strcmp(t->pending.text, "hlt");
	if (t->stepping && t->have_pending)
		trace_emit(v, t, &r, &s, halted ? end_name(END_HLT) : NULL);
	if (halted) {
		t->have_pending = false;
		return vcpu_end(v, END_HLT, "guest executed hlt (reported by KVM as a completed single step)");
	}
	trace_mark(v, t, &r, &s);
	if (t->over >= 0) {
		/* The breakpointed instruction has run: arm it again. */
		t->bp[t->over].armed = true;
		t->over = -1;
		if (trace_apply(v, t, t->stepping) != 0)
			return trace_fail(v, "KVM_SET_GUEST_DEBUG");
	}
	if (t->stepping && t->max_steps && t->steps >= t->max_steps)
		return vcpu_end(v, END_EXIT_LIMIT, "stopped after %llu traced instructions (--max-steps)",
				(unsigned long long)t->steps);
	return ACT_CONTINUE;
}

enum action trace_on_break(struct vcpu *v, struct trace *t, int bp)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (bp >= t->nbp || !t->bp[bp].armed)
		return ACT_CONTINUE;            /* stale: disarmed in this very exit */
	if (trace_read_state(v, &r, &s) != 0)
		return trace_fail(v, "KVM_GET_REGS/KVM_GET_SREGS");
	t->bp[bp].hits++;
	/* The guest stopped before the instruction at the breakpoint. */
	trace_mark(v, t, &r, &s);
	switch (t->bp[bp].role) {
	case BP_START:
		t->bp[bp].armed = false;
		t->stepping = true;
		if (t->out)
			fprintf(t->out, "-- start: reached %#llx, single-stepping from here\n",
				(unsigned long long)t->pending.linear);
		break;
	case BP_STOP:
		for (int i = 0; i < t->nbp; i++)
			if (t->bp[i].role != BP_BREAK)
				t->bp[i].armed = false;
		t->stepping = false;
		if (t->out)
			fprintf(t->out, "-- stop: reached %#llx, the guest runs on untraced\n",
				(unsigned long long)t->pending.linear);
		break;
	case BP_BREAK:
		trace_record_hit(t, bp);
		/* Step over: RF would be the architectural way; disarm for one step. */
		t->bp[bp].armed = false;
		t->over = bp;
		break;
	}
	if (trace_apply(v, t, t->stepping || t->over >= 0) != 0)
		return trace_fail(v, "KVM_SET_GUEST_DEBUG");
	return ACT_CONTINUE;
}

enum action trace_action(struct vcpu *v, struct trace *t, uint32_t reason, enum action a)
{
	if (v->completing)
		vcpu_step_done(v);      /* this exit answers the ACT_STEP entry */
	/* An IO or MMIO exit: the instruction completes only when KVM_RUN is
	 * re-entered (api.rst, the note under KVM_EXIT_IO).  ACT_STEP re-enters
	 * with immediate_exit, so KVM completes it without running the next one;
	 * KVM then reports the step, or returns EINTR where it loses that step
	 * (trap_step_lost).  A string instruction may exit again first: the loop
	 * simply goes round again, since the guest chooses how many times. */
	if (a == ACT_CONTINUE && t->stepping && reason != KVM_EXIT_DEBUG)
		return ACT_STEP;
	return a;
}

void trace_finish(struct vcpu *v, struct trace *t)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	/* The instruction that ended the run never completes a step of its own. */
	if (end_at_insn(v->end) && t->stepping && t->have_pending) {
		bool ok = trace_read_state(v, &r, &s) == 0;
		trace_emit(v, t, ok ? &r : NULL, ok ? &s : NULL, end_name(v->end));
	}
	t->have_pending = false;
}

void trace_free(struct trace *t)
{
	free(t->hits);
	t->hits = NULL;
	t->nhits = 0;
}

const char *trace_bp_role(enum bp_role r)
{
	return (unsigned)r <= BP_BREAK ? bp_role_names[r] : "?";
}
