/*
 * trace_json.c - the document of `kvmlab trace --json` (docs/json-schema.md,
 * "kvmlab trace --json").  The step list streams while the guest runs
 * (vmm/measure/trace_print.c writes each step through trace_json_step), so the
 * document is opened before the run and closed after it.
 */
#include "kvmlab.h"

void trace_json_begin(struct json *j, const struct payload *p, const struct host_info *h,
		      const struct kvm *k, uint64_t max_steps)
{
	json_envelope(j, "trace", h, k);
	json_key(j, "payload");
	json_obj(j);
	json_key(j, "path");  json_text(j, p->path);
	json_key(j, "name");  json_str(j, p->name);
	json_key(j, "mode");  json_str(j, mode_name(p->hdr.mode));
	json_key(j, "entry"); json_u64(j, p->hdr.load_addr + p->hdr.entry);
	json_obj_end(j);
	json_key(j, "max_steps"); json_u64(j, max_steps);
	json_key(j, "steps");
	json_arr(j);
}

static void trace_json_regs(struct json *j, const struct run *r)
{
	if (!r->regs_valid) {
		json_null(j);
		return;
	}
	json_obj(j);
	json_key(j, "mode");   json_str(j, mode_of_sregs(&r->sregs));
	json_key(j, "rip");    json_u64(j, r->regs.rip);
	json_key(j, "rflags"); json_u64(j, r->regs.rflags);
	json_key(j, "cr0");    json_u64(j, r->sregs.cr0);
	json_key(j, "cr3");    json_u64(j, r->sregs.cr3);
	json_key(j, "cr4");    json_u64(j, r->sregs.cr4);
	json_key(j, "efer");   json_u64(j, r->sregs.efer);
	json_key(j, "cs");     json_u64(j, r->sregs.cs.selector);
	json_obj_end(j);
}

static void trace_json_tail(struct json *j, const struct trace *t, const struct run *r)
{
	const struct vcpu *v = &r->vcpu;

	json_key(j, "breakpoints");
	json_arr(j);
	for (int i = 0; i < t->nbp; i++) {
		json_obj(j);
		json_key(j, "dr");   json_i64(j, i);
		json_key(j, "role"); json_str(j, trace_bp_role(t->bp[i].role));
		json_key(j, "addr"); json_u64(j, t->bp[i].addr);
		json_key(j, "hits"); json_u64(j, t->bp[i].hits);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_key(j, "break_hits");
	json_arr(j);
	for (int i = 0; i < t->nhits; i++) {
		const struct trace_hit *h = &t->hits[i];
		json_obj(j);
		json_key(j, "dr");          json_i64(j, h->bp);
		json_key(j, "hit");         json_u64(j, h->hit);
		json_key(j, "after_step");  json_u64(j, h->after_step);
		json_key(j, "mode");        json_str(j, h->at.mode);
		json_key(j, "linear");      json_u64(j, h->at.linear);
		json_key(j, "instruction"); json_str(j, h->at.text[0] ? h->at.text : NULL);
		json_key(j, "registers");
		json_obj(j);
#define R(f) json_key(j, #f); json_u64(j, h->regs.f);
		R(rax) R(rbx) R(rcx) R(rdx) R(rsi) R(rdi) R(rsp) R(rbp) R(rip) R(rflags)
#undef R
		json_obj_end(j);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_key(j, "break_hits_dropped"); json_u64(j, t->hits_dropped);

	json_key(j, "result");
	json_obj(j);
	json_key(j, "end");         json_str(j, end_name(v->end));
	json_key(j, "exit_code");   json_i64(j, r->exit_code);
	json_key(j, "detail");      json_str(j, v->end_detail);
	json_key(j, "steps");       json_u64(j, t->steps);
	json_key(j, "debug_exits"); json_u64(j, t->debug_exits);
	json_key(j, "rip");
	json_u64_or_null(j, v->end_rip_valid, v->end_rip);
	json_key(j, "linear_rip");
	json_u64_or_null(j, v->end_rip_valid, v->end_linear);
	json_obj_end(j);

	json_key(j, "console");
	json_obj(j);
	json_key(j, "text");  json_str_n(j, v->vm->con.buf ? v->vm->con.buf : "", v->vm->con.len);
	json_key(j, "bytes"); json_u64(j, v->vm->con.total);
	json_obj_end(j);

	json_key(j, "exits"); json_exits(j, v, &r->vm, r->tsc_khz);
	json_key(j, "registers"); trace_json_regs(j, r);
}

void trace_json_step(struct json *j, const struct trace *t, const struct vcpu *v, const char *hex,
		     const char *mnemonic, const char *console, const char *ended,
		     const struct kvm_regs *r, const struct kvm_sregs *s)
{
	const struct trace_insn *in = &t->pending;

	json_obj(j);
	json_key(j, "step");        json_u64(j, t->steps);
	json_key(j, "mode");        json_str(j, in->mode);
	json_key(j, "bits");        json_i64(j, in->bits);
	json_key(j, "cs");          json_u64(j, in->cs);
	json_key(j, "rip");         json_u64(j, in->rip);
	json_key(j, "linear");      json_u64(j, in->linear);
	json_key(j, "bytes");       json_str(j, hex);
	json_key(j, "instruction"); json_str_or_null(j, in->text[0], in->text);
	json_key(j, "mnemonic");    json_str(j, mnemonic);
	/* Exits other than the step's own during this instruction (reason -> count):
	 * a tally, not an "exits" object; those are the run's. */
	json_key(j, "other_exits");
	json_obj(j);
	for (uint32_t i = 0; i < EXIT_REASON_MAX; i++) {
		uint64_t d = v->ctr.reason[i].count - t->prev_reason[i];
		if (i == KVM_EXIT_DEBUG || !d)
			continue;
		json_key(j, exit_reason_name(i));
		json_u64(j, d);
	}
	json_obj_end(j);
	json_key(j, "console"); json_str(j, console);
	json_key(j, "ended");   json_str(j, ended);
	if (t->show_regs && r && s) {
		const struct kvm_regs *pr = &t->prev_regs;
		const struct kvm_sregs *ps = &t->prev_sregs;
		json_key(j, "changed");
		json_obj(j);
#define CHG(name, now, before) \
		if ((now) != (before)) { \
			json_key(j, name); \
			json_u64(j, now); \
		}
		TRACE_REG_CHANGES(CHG, r, s, pr, ps)
#undef CHG
		json_obj_end(j);
	}
	json_obj_end(j);
}

void trace_json_end(struct json *j, const struct trace *t, const struct run *r, const char *err)
{
	json_arr_end(j);                /* steps */
	if (r)
		trace_json_tail(j, t, r);
	else {
		json_key(j, "error");
		json_str(j, err);
	}
	json_obj_end(j);
	fputc('\n', j->out);
}
