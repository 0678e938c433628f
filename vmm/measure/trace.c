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
 * PVM (shared/HOST.md), so every breakpoint here is a hardware one.  To go
 * on past a breakpoint, x86 sets RFLAGS.RF (SDM vol. 3B 18.3.1.1); on PVM
 * that does not suppress it and the same breakpoint fires again, so kvmlab
 * steps over by disarming it for exactly one single step, then re-arming.
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

/* The mnemonic: the first word, with a rep/lock prefix kept on it. */
static void insn_mnemonic(const char *text, char *out, size_t n)
{
	const char *sp = strchr(text, ' ');
	size_t len = sp ? (size_t)(sp - text) : strlen(text);

	if (sp && (!strncmp(text, "rep", 3) || !strncmp(text, "lock", 4))) {
		const char *sp2 = strchr(sp + 1, ' ');
		len = sp2 ? (size_t)(sp2 - text) : strlen(text);
	}
	snprintf(out, n, "%.*s", (int)len, text);
}

#define REG_LIST(X) X(rax) X(rbx) X(rcx) X(rdx) X(rsi) X(rdi) X(rsp) X(rbp) \
	X(r8) X(r9) X(r10) X(r11) X(r12) X(r13) X(r14) X(r15) X(rflags)
#define SREG_LIST(X) X(cr0) X(cr3) X(cr4) X(efer)
#define SEG_LIST(X) X(cs) X(ds) X(es) X(ss)

/* Registers the step changed (RIP always does, so it is left out). */
static void trace_changes(struct trace *t, const struct kvm_regs *r, const struct kvm_sregs *s)
{
	const struct kvm_regs *pr = &t->prev_regs;
	const struct kvm_sregs *ps = &t->prev_sregs;

	const char *sep = "  -> ";

	if (t->json) {
		json_key(t->json, "changed");
		json_obj(t->json);
	}
#define CHG(name, now, before) \
	if ((now) != (before)) { \
		if (t->json) { json_key(t->json, name); json_u64(t->json, now); } \
		if (t->out) fprintf(t->out, "%s%s=0x%llx", sep, name, (unsigned long long)(now)); \
		sep = " "; \
	}
#define X(f) CHG(#f, r->f, pr->f)
	REG_LIST(X)
#undef X
#define X(f) CHG(#f, s->f, ps->f)
	SREG_LIST(X)
#undef X
#define X(f) CHG(#f, s->f.selector, ps->f.selector)
	SEG_LIST(X)
#undef X
#undef CHG
	if (t->json)
		json_obj_end(t->json);
}

/* "0f 22 c0": the bytes as a hex string; hex must hold 15 * 3 bytes. */
static void insn_hex(const uint8_t *b, int n, char *hex)
{
	size_t len = 0;

	hex[0] = '\0';
	for (int i = 0; i < n && i < 15; i++)
		len += (size_t)sprintf(hex + len, i ? " %02x" : "%02x", b[i]);
}

/* One traced instruction: the pending one, which has just run. */
static void trace_emit(struct vcpu *v, struct trace *t, const struct kvm_regs *r,
		       const struct kvm_sregs *s, const char *ended)
{
	const struct trace_insn *in = &t->pending;
	char mnem[32], cons[64] = "";
	size_t nc = 0;

	t->steps++;
	insn_mnemonic(in->text, mnem, sizeof(mnem));
	/* Console bytes this instruction printed (an OUT to 0xE9 is one IO exit). */
	const struct console *con = &v->vm->con;
	for (uint64_t i = t->prev_console; i < con->total && i < con->len && nc + 4 < sizeof(cons); i++) {
		char c = con->buf[i];
		nc += (size_t)snprintf(cons + nc, sizeof(cons) - nc, c == '\n' ? "\\n" : "%c",
				       c >= 0x20 && c < 0x7f ? c : '?');
	}
	if (t->out) {
		char hex[15 * 3];
		insn_hex(in->bytes, in->len, hex);
		fprintf(t->out, "%6llu %-13s %04x:%-8llx %#9llx  %-24s %s", (unsigned long long)t->steps,
			in->mode, in->cs, (unsigned long long)in->rip, (unsigned long long)in->linear, hex,
			in->text[0] ? in->text : "(undecodable)");
	}
	if (t->json) {
		json_obj(t->json);
		json_key(t->json, "step");        json_u64(t->json, t->steps);
		json_key(t->json, "mode");        json_str(t->json, in->mode);
		json_key(t->json, "bits");        json_i64(t->json, in->bits);
		json_key(t->json, "cs");          json_u64(t->json, in->cs);
		json_key(t->json, "rip");         json_u64(t->json, in->rip);
		json_key(t->json, "linear");      json_u64(t->json, in->linear);
		char hex[15 * 3];
		insn_hex(in->bytes, in->len, hex);
		json_key(t->json, "bytes");       json_str(t->json, hex);
		json_key(t->json, "instruction"); json_str(t->json, in->text[0] ? in->text : NULL);
		json_key(t->json, "mnemonic");    json_str(t->json, in->text[0] ? mnem : NULL);
		json_key(t->json, "exits");
		json_obj(t->json);
	}
	/* Other exits during this step: they interleave with the step exits. */
	const char *sep = "  ; exit";
	for (uint32_t i = 0; i < EXIT_REASON_MAX; i++) {
		uint64_t d = v->ctr.reason[i].count - t->prev_reason[i];
		if (i == KVM_EXIT_DEBUG || !d)
			continue;
		if (t->json) { json_key(t->json, exit_reason_name(i)); json_u64(t->json, d); }
		if (t->out) { fprintf(t->out, "%s %s", sep, exit_reason_name(i)); sep = ","; }
	}
	if (t->json) {
		json_obj_end(t->json);
		json_key(t->json, "console"); json_str(t->json, nc ? cons : NULL);
		json_key(t->json, "ended");   json_str(t->json, ended);
	}
	if (t->out && nc)
		fprintf(t->out, " console \"%s\"", cons);
	if (t->out && ended)
		fprintf(t->out, "  ; run ended: %s", ended);
	if (t->show_regs && r && s)
		trace_changes(t, r, s);
	if (t->json)
		json_obj_end(t->json);
	if (t->out)
		fputc('\n', t->out);
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

static void trace_record_hit(struct trace *t, int bp)
{
	struct trace_hit *h;

	if (t->nhits >= TRACE_HITS_MAX) {
		t->hits_dropped++;
		return;
	}
	if (t->nhits % 64 == 0) {
		struct trace_hit *n = realloc(t->hits, (t->nhits + 64) * sizeof(*n));
		if (!n) {
			t->hits_dropped++;
			return;
		}
		t->hits = n;
	}
	h = &t->hits[t->nhits++];
	h->bp = bp;
	h->hit = t->bp[bp].hits;
	h->after_step = t->steps;
	h->at = t->pending;
	h->regs = t->prev_regs;
	if (t->out) {
		fprintf(t->out, "-- break %d at %#llx (DR%d), hit %llu: %s\n   ", bp, (unsigned long long)h->at.linear,
			bp, (unsigned long long)h->hit, h->at.text);
#define X(f) fprintf(t->out, " %s=0x%llx", #f, (unsigned long long)h->regs.f);
		REG_LIST(X)
#undef X
		fputc('\n', t->out);
	}
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

enum action trace_after_exit(struct vcpu *v, struct trace *t, enum action a)
{
	uint64_t max_exits = v->vm->cfg.max_exits;

	if (a != ACT_CONTINUE || !t->stepping || v->run->exit_reason == KVM_EXIT_DEBUG)
		return a;
	/* An IO or MMIO exit: the instruction completes only when KVM_RUN is
	 * re-entered.  immediate_exit lets KVM complete it without running the
	 * next one (api.rst, "immediate_exit" and the note under KVM_EXIT_IO);
	 * KVM then reports the step, or, where it loses that step (PVM after an
	 * IO exit), returns EINTR and kvmlab records the step itself.  A string
	 * instruction may exit again first: a loop, not recursion, since the
	 * guest chooses how many times. */
	for (;;) {
		if (max_exits && v->ctr.total_exits >= max_exits)
			return vcpu_end(v, END_EXIT_LIMIT, "stopped after %llu exits (--max-exits)",
					(unsigned long long)max_exits);
		v->run->immediate_exit = 1;
		int r = ioctl(v->fd, KVM_RUN, 0);
		int e = errno;
		v->run->immediate_exit = 0;
		v->ctr.kvm_run_calls++;
		if (r < 0) {
			if (e != EINTR && e != EAGAIN) {
				errno = e;
				return trace_fail(v, "KVM_RUN (completing an exit under single-step)");
			}
			v->ctr.eintr++;
			if (v->timed_out)
				return vcpu_end(v, END_TIMEOUT, "timed out after %.3g s (--timeout): the guest did not finish",
						v->vm->cfg.timeout);
			return trace_on_step(v, t);
		}
		uint32_t reason = v->run->exit_reason;
		exit_handler h = exit_lookup(reason);
		counters_exit(&v->ctr, reason, 0);      /* not timed: the guest did not run */
		a = h ? h(v) : trap_unhandled(v);
		if (a != ACT_CONTINUE || reason == KVM_EXIT_DEBUG)
			return a;
	}
}

void trace_finish(struct vcpu *v, struct trace *t)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	/* The instruction that ended the run never completes a step of its own. */
	switch (v->end) {
	case END_HLT: case END_EXIT_PORT: case END_REPORT_FAIL: case END_SHUTDOWN:
	case END_INTERNAL_ERROR: case END_PROTOCOL: case END_UNHANDLED:
		if (t->stepping && t->have_pending) {
			bool ok = trace_read_state(v, &r, &s) == 0;
			trace_emit(v, t, ok ? &r : NULL, ok ? &s : NULL, end_name(v->end));
		}
		break;
	default:
		break;
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
