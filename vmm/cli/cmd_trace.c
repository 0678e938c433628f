/*
 * cmd_trace.c - `kvmlab trace PAYLOAD`: run a payload one instruction at a
 * time and print each instruction as it runs (vmm/measure/trace.c does the stepping).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvmlab.h"

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
	if (v->end_rip_valid) json_u64(j, v->end_rip); else json_null(j);
	json_key(j, "linear_rip");
	if (v->end_rip_valid) json_u64(j, v->end_linear); else json_null(j);
	json_obj_end(j);

	json_key(j, "console");
	json_obj(j);
	json_key(j, "text");  json_str_n(j, v->vm->con.buf ? v->vm->con.buf : "", v->vm->con.len);
	json_key(j, "bytes"); json_u64(j, v->vm->con.total);
	json_obj_end(j);

	json_key(j, "exits");
	json_obj(j);
	for (uint32_t i = 0; i < EXIT_REASON_MAX; i++)
		if (v->ctr.reason[i].count) {
			json_key(j, exit_reason_name(i));
			json_u64(j, v->ctr.reason[i].count);
		}
	json_obj_end(j);
	json_key(j, "registers"); trace_json_regs(j, r);
}

int cmd_trace(struct cli *c)
{
	struct vm_config *cfg = &c->cfg;
	struct trace *t = &c->trace;
	bool json = c->json;
	struct payload p;
	struct kvm k;
	struct host_info host;
	char err[512];

	int rc = cli_payload(c, c->payload, &p);
	if (rc != XC_OK)
		return rc;
	rc = cli_catch_stop();          /* SIGINT/SIGTERM: the trace ends "interrupted", complete */
	if (rc == XC_OK)
		rc = cli_open_kvm(&k, &host);
	if (rc != XC_OK) {
		payload_free(&p);
		return rc;
	}

	/* The trace is the output: console bytes are shown on the steps that print them. */
	struct json jj = { .out = stdout };
	cfg->echo_console = false;
	cfg->trace = t;
	if (json) {
		t->json = &jj;
		json_obj(&jj);
		json_key(&jj, "schema_version"); json_i64(&jj, JSON_SCHEMA_VERSION);
		json_key(&jj, "kvmlab_version"); json_str(&jj, KVMLAB_VERSION);
		json_key(&jj, "command");        json_str(&jj, "trace");
		json_key(&jj, "payload");
		json_obj(&jj);
		json_key(&jj, "path"); json_text(&jj, p.path);
		json_key(&jj, "name"); json_str(&jj, p.name);
		json_key(&jj, "mode"); json_str(&jj, mode_name(p.hdr.mode));
		json_key(&jj, "entry"); json_u64(&jj, p.hdr.load_addr + p.hdr.entry);
		json_obj_end(&jj);
		json_key(&jj, "host"); json_host(&jj, &host, &k);
		json_key(&jj, "max_steps"); json_u64(&jj, t->max_steps);
		json_key(&jj, "steps");
		json_arr(&jj);
	} else {
		t->out = stdout;
		printf("---- kvmlab trace: %s (%s mode) on %s: one KVM_EXIT_DEBUG per instruction\n",
		       p.name, mode_name(p.hdr.mode), host.backend);
		printf("%6s %-13s %-13s %9s  %-24s %s\n", "step", "mode", "CS:RIP", "linear", "bytes", "instruction");
	}

	struct run *r = calloc(1, sizeof(*r));
	if (!r)
		die(XC_HOST, "out of memory");
	rc = run_payload(r, &k, &p, cfg, err, sizeof(err));
	if (json) {
		json_arr_end(&jj);
		if (rc == XC_OK)
			trace_json_tail(&jj, t, r);
		else {
			json_key(&jj, "error"); json_str(&jj, err);
		}
		json_obj_end(&jj);
		fputc('\n', stdout);
	}
	if (rc == XC_OK && !json) {
		const struct vcpu *v = &r->vcpu;
		printf("---- %llu instruction%s traced, %llu debug exits; ended: %s: %s\n",
		       (unsigned long long)t->steps, t->steps == 1 ? "" : "s",
		       (unsigned long long)t->debug_exits, end_name(v->end), v->end_detail);
		if (r->regs_valid)
			printf("final:    %s mode, CR0=0x%llx CR4=0x%llx EFER=0x%llx\n", mode_of_sregs(&r->sregs),
			       (unsigned long long)r->sregs.cr0, (unsigned long long)r->sregs.cr4,
			       (unsigned long long)r->sregs.efer);
		if (v->vm->con.len)
			printf("console:\n%.*s%s", (int)v->vm->con.len, v->vm->con.buf,
			       v->vm->con.buf[v->vm->con.len - 1] == '\n' ? "" : "\n");
	}
	rc = cli_run_finish(rc, r, err, &k, &p);
	trace_free(t);
	return rc;
}
