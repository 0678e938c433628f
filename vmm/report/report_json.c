/*
 * report_json.c - one run as one JSON document (docs/json-schema.md).
 *
 * Tests and labs read this, never the human text; every field here is
 * documented there, and changing a field's meaning bumps JSON_SCHEMA_VERSION.
 */
#include <string.h>

#include "kvmlab.h"

const char *report_kind_name(int kind)
{
	static const char *const names[] = {
		[REPORT_KIND_VALUE] = "value", [REPORT_KIND_PASS] = "pass", [REPORT_KIND_FAIL] = "fail", [REPORT_KIND_MSG] = "msg",
	};
	return kind >= 0 && kind < (int)(sizeof(names) / sizeof(names[0])) && names[kind] ? names[kind] : "?";
}

void json_host(struct json *j, const struct host_info *h, const struct kvm *k)
{
	json_obj(j);
	json_key(j, "backend");       json_str(j, h->backend);
	json_key(j, "paging");        json_str(j, h->paging);
	json_key(j, "tdp");           json_bool(j, h->tdp);
	json_key(j, "host_is_guest"); json_bool(j, h->host_is_guest);
	json_key(j, "cpu_model");     json_str(j, h->cpu_model);
	json_key(j, "kernel");        json_str(j, h->kernel);
	json_key(j, "api_version");   json_i64(j, k->api_version);
	json_obj_end(j);
}

/* The --cpuid overrides as given, in order (docs/json-schema.md, "CPUID"). */
static void json_cpuid_overrides(struct json *j, const struct cpuid_config *c)
{
	json_arr(j);
	for (int i = 0; i < c->n; i++) {
		json_obj(j);
		json_key(j, "leaf");    json_u64(j, c->ov[i].leaf);
		json_key(j, "subleaf"); json_u64(j, c->ov[i].subleaf);
		json_key(j, "reg");     json_str(j, cpuid_reg_name(c->ov[i].reg));
		json_key(j, "value");   json_u64(j, c->ov[i].value);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void json_stats(struct json *j, const struct kvm_stats *st)
{
	if (st->fd < 0) {
		json_null(j);
		return;
	}
	json_obj(j);
	for (int i = 0; i < st->n; i++) {
		json_key(j, st->stat[i].name);
		json_u64(j, kvmstats_delta(&st->stat[i]));
	}
	json_obj_end(j);
}

static void json_regs(struct json *j, const struct run *r)
{
	const struct kvm_regs *g = &r->regs;
	const struct kvm_sregs *s = &r->sregs;

	if (!r->regs_valid) {
		json_null(j);
		return;
	}
	json_obj(j);
	json_key(j, "mode"); json_str(j, mode_of_sregs(s));
#define R(name, val) json_key(j, name); json_u64(j, val);
	R("rax", g->rax) R("rbx", g->rbx) R("rcx", g->rcx) R("rdx", g->rdx)
	R("rsi", g->rsi) R("rdi", g->rdi) R("rsp", g->rsp) R("rbp", g->rbp)
	R("r8", g->r8) R("r9", g->r9) R("r10", g->r10) R("r11", g->r11)
	R("r12", g->r12) R("r13", g->r13) R("r14", g->r14) R("r15", g->r15)
	R("rip", g->rip) R("rflags", g->rflags)
	R("cr0", s->cr0) R("cr2", s->cr2) R("cr3", s->cr3) R("cr4", s->cr4) R("cr8", s->cr8)
	R("efer", s->efer)
	R("cs", s->cs.selector) R("cs_base", s->cs.base) R("ds", s->ds.selector) R("ss", s->ss.selector)
#undef R
	json_key(j, "gdtr"); json_obj(j);
	json_key(j, "base"); json_u64(j, s->gdt.base); json_key(j, "limit"); json_u64(j, s->gdt.limit);
	json_obj_end(j);
	json_key(j, "idtr"); json_obj(j);
	json_key(j, "base"); json_u64(j, s->idt.base); json_key(j, "limit"); json_u64(j, s->idt.limit);
	json_obj_end(j);
	json_obj_end(j);
}

/* What set-up cost, step by step (docs/json-schema.md, "setup"; vmm/core/setup.c). */
static void json_setup(struct json *j, const struct vm *vm)
{
	const struct setup_log *log = &vm->setup;

	json_obj(j);
	json_key(j, "msr_filter");  json_bool(j, log->msr_filter);
	json_key(j, "kernel_devs"); json_bool(j, vm->bench.doorbell.on || vm->bench.zone.on);
	json_key(j, "irqchip");     json_bool(j, log->irqchip);
	json_key(j, "total_us");    json_double(j, setup_total_ns(log) / 1e3);
	json_key(j, "dropped");     json_u64(j, (uint64_t)log->dropped);
	json_key(j, "steps");
	json_arr(j);
	for (int i = 0; i < log->n; i++) {
		json_obj(j);
		json_key(j, "step");  json_str(j, log->step[i].step);
		json_key(j, "ioctl"); json_str(j, log->step[i].ioctl);
		json_key(j, "us");    json_double(j, log->step[i].ns / 1e3);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

void report_json(const struct report_ctx *c, FILE *out)
{
	const struct run *r = c->run;
	const struct vcpu *v = &r->vcpu;
	const struct payload *p = c->payload;
	struct json jj = { .out = out }, *j = &jj;

	json_envelope(j, "run", c->host, c->kvm);

	json_key(j, "payload");
	json_obj(j);
	json_key(j, "path");        json_text(j, p->path);
	json_key(j, "name");        json_str(j, p->name);
	json_key(j, "description"); json_str(j, p->desc);
	json_key(j, "mode");        json_str(j, mode_name(p->hdr.mode));
	json_key(j, "load_addr");   json_u64(j, p->hdr.load_addr);
	json_key(j, "entry");       json_u64(j, p->hdr.load_addr + p->hdr.entry);
	json_key(j, "size");        json_u64(j, p->size);
	json_obj_end(j);

	json_key(j, "tsc_khz");
	json_u64_or_null(j, r->tsc_khz, r->tsc_khz);

	json_key(j, "config");
	json_obj(j);
	json_key(j, "mem");       json_u64(j, r->vm.cfg.mem);
	json_key(j, "timeout");   json_double(j, r->vm.cfg.timeout);
	json_key(j, "max_exits"); json_u64(j, r->vm.cfg.max_exits);
	json_key(j, "sandbox");   json_bool(j, r->vm.cfg.sandbox);
	json_key(j, "arg");       json_u64(j, r->vm.cfg.entry_arg);
	json_key(j, "irqchip");   json_str(j, irqchip_name(r->vm.cfg.irqchip));
	json_key(j, "hide_hypervisor"); json_bool(j, r->vm.cfg.cpuid.hide_hypervisor);
	json_key(j, "cpuid");     json_cpuid_overrides(j, &r->vm.cfg.cpuid);
	json_obj_end(j);

	json_key(j, "setup"); json_setup(j, &r->vm);

	json_key(j, "result");
	json_obj(j);
	json_key(j, "end");       json_str(j, end_name(v->end));
	json_key(j, "exit_code"); json_i64(j, r->exit_code);
	json_key(j, "detail");    json_str(j, v->end_detail);
	json_key(j, "exit_status");
	json_u64_or_null(j, v->end == END_EXIT_PORT, v->exit_status);
	json_key(j, "rip");
	json_u64_or_null(j, v->end_rip_valid, v->end_rip);
	json_key(j, "linear_rip");
	json_u64_or_null(j, v->end_rip_valid, v->end_linear);
	json_key(j, "instruction");
	json_str_or_null(j, v->end_insn[0], v->end_insn);
	json_key(j, "wall_seconds"); json_double(j, r->wall_seconds);
	/* What the vCPU thread cost the host: an idle guest halted in KVM sleeps. */
	json_key(j, "vcpu_cpu_user_seconds"); json_double(j, v->cpu_user);
	json_key(j, "vcpu_cpu_sys_seconds");  json_double(j, v->cpu_sys);
	json_key(j, "mp_state");
	if (irqchip_mp_state_name(v->end_mp_state)) json_str(j, irqchip_mp_state_name(v->end_mp_state)); else json_null(j);
	json_obj_end(j);

	json_key(j, "console");
	json_obj(j);
	json_key(j, "text");      json_str_n(j, v->vm->con.buf ? v->vm->con.buf : "", v->vm->con.len);
	json_key(j, "bytes");     json_u64(j, v->vm->con.total);
	json_key(j, "truncated"); json_bool(j, v->vm->con.total > v->vm->con.len);
	json_key(j, "limit");     json_u64(j, v->vm->con.limit);
	json_key(j, "dropped");   json_u64(j, v->vm->con.dropped);
	json_obj_end(j);

	json_key(j, "exits"); json_exits(j, v, &r->vm, r->tsc_khz);

	json_key(j, "reports");
	json_arr(j);
	for (int i = 0; i < v->nreports; i++) {
		const struct report_entry *e = &v->reports[i];
		json_obj(j);
		json_key(j, "kind");  json_str(j, report_kind_name(e->kind));
		json_key(j, "name");  json_str(j, e->text);
		json_key(j, "value"); json_u64(j, e->value);
		json_key(j, "rip");   json_u64(j, e->rip);
		json_obj_end(j);
	}
	json_arr_end(j);

	json_key(j, "registers"); json_regs(j, r);
	json_key(j, "io"); iodev_json(j, &r->vm);    /* I/O devices: docs/io.md */

	json_key(j, "memory"); memlab_json(j, c);     /* slots, ROM/holes, dirty log, translations */

	json_key(j, "kvm_stats");
	json_obj(j);
	json_key(j, "vcpu"); json_stats(j, &v->stats);
	json_key(j, "vm");   json_stats(j, &r->vm.stats);
	json_obj_end(j);

	json_key(j, "vcpus"); smp_json(j, r);  /* per vCPU: vmm/core/smp.c */
	json_key(j, "ktrace"); ktrace_report_json(j, c);     /* --ktrace, else null */
	json_key(j, "live");   live_report_json(j, c->run->live);   /* --live, else null */
	json_key(j, "migration"); mig_live_json(j, c->migration);      /* --migrate-to, else null */

	json_obj_end(j);
	fputc('\n', out);
}
