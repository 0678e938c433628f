/*
 * cmd_trace.c - `kvmlab trace PAYLOAD`: run a payload one instruction at a
 * time and print each instruction as it runs (vmm/measure/trace.c does the
 * stepping, vmm/report/trace_json.c writes the JSON document).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvmlab.h"

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
		trace_json_begin(&jj, &p, &host, &k, t->max_steps);
	} else {
		t->out = stdout;
		printf("---- kvmlab trace: %s (%s mode) on %s: one KVM_EXIT_DEBUG per instruction\n",
		       p.name, mode_name(p.hdr.mode), host.backend);
		printf("%6s %-13s %-13s %9s  %-24s %s\n", "step", "mode", "CS:RIP", "linear", "bytes", "instruction");
	}

	static struct ktrace_result kres;
	struct run *r = cli_run(&k, &p, cfg, &kres, &rc, err, sizeof(err));
	struct report_ctx ctx = { .payload = &p, .host = &host, .kvm = &k, .run = r };
	if (json)
		trace_json_end(&jj, t, rc == XC_OK ? &ctx : NULL, err);
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
		ktrace_report_text(&ctx, stdout);      /* --ktrace: the kernel's view */
	}
	rc = cli_run_finish(rc, r, err, &k, &p);
	ktrace_result_free(&kres);
	trace_free(t);
	return rc;
}
