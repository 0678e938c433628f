/*
 * report_json.c - one run as one JSON document (docs/json-schema.md).
 *
 * Tests and labs read this, never the human text; every field here is
 * documented there, and changing a field's meaning bumps JSON_SCHEMA_VERSION.
 */
#include <string.h>

#include "kvmlab.h"

static const char *const report_kinds[] = {
	[REPORT_KIND_VALUE] = "value", [REPORT_KIND_PASS] = "pass", [REPORT_KIND_FAIL] = "fail", [REPORT_KIND_MSG] = "msg",
};

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

static void json_ns(struct json *j, double cycles, uint64_t tsc_khz)
{
	if (tsc_khz)
		json_double(j, cycles * 1e6 / (double)tsc_khz);
	else
		json_null(j);
}

static void json_exit_counter(struct json *j, const struct exit_counter *e,
			      const struct sample_store *st, uint64_t tsc_khz)
{
	struct summary sum;

	summary_u64(st->v, st->n, &sum);
	json_obj(j);
	json_key(j, "count");       json_u64(j, e->count);
	json_key(j, "cycles_min");  json_u64(j, e->tsc_min);
	json_key(j, "cycles_mean"); json_u64(j, e->count ? e->tsc_sum / e->count : 0);
	json_key(j, "cycles_max");  json_u64(j, e->tsc_max);
	json_key(j, "ns_mean");
	if (tsc_khz && e->count)
		json_double(j, (double)e->tsc_sum / e->count * 1e6 / (double)tsc_khz);
	else
		json_null(j);
	/* Percentiles from the sample store (samples.c): exact unless a reservoir. */
	json_key(j, "cycles_median"); json_double(j, sum.median);
	json_key(j, "cycles_p99");    json_double(j, sum.p99);
	json_key(j, "ns_min");        json_ns(j, (double)e->tsc_min, tsc_khz);
	json_key(j, "ns_median");     json_ns(j, sum.median, tsc_khz);
	json_key(j, "ns_p99");        json_ns(j, sum.p99, tsc_khz);
	json_key(j, "ns_max");        json_ns(j, (double)e->tsc_max, tsc_khz);
	json_key(j, "samples");       json_u64(j, st->n);
	json_key(j, "percentiles_exact"); json_bool(j, samples_exact(st));
	json_key(j, "histogram_log2");  /* bucket i: round trips of [2^i, 2^(i+1)) cycles */
	json_obj(j);
	for (int b = 0; b < HIST_BUCKETS; b++) {
		if (!e->hist[b])
			continue;
		char k[12];             /* any int: -O1 -fsanitize builds check the bound */
		snprintf(k, sizeof(k), "%d", b);
		json_key(j, k);
		json_u64(j, e->hist[b]);
	}
	json_obj_end(j);
	json_obj_end(j);
}

static void json_accesses(struct json *j, const struct access_key *keys, int n, bool ports,
			  const struct vm *vm)
{
	json_arr(j);
	for (int i = 0; i < n; i++) {
		const struct access_key *k = &keys[i];
		const char *dev = NULL;
		if (ports) {
			const struct pio_range *r = pio_find(&vm->pio, (uint16_t)k->addr);
			dev = r ? r->name : NULL;
		} else {
			const struct mmio_range *r = mmio_find(&vm->mmio, k->addr, k->size);
			dev = r ? r->name : NULL;
		}
		json_obj(j);
		json_key(j, ports ? "port" : "gpa"); json_u64(j, k->addr);
		json_key(j, ports ? "port_hex" : "gpa_hex"); json_hex(j, k->addr);
		json_key(j, "dir");      json_str(j, k->write ? (ports ? "out" : "write") : (ports ? "in" : "read"));
		json_key(j, "size");     json_u64(j, k->size);
		json_key(j, "exits");    json_u64(j, k->count);
		json_key(j, "elements"); json_u64(j, k->elems);
		json_key(j, "claimed");  json_bool(j, k->claimed);
		json_key(j, "device");   json_str(j, dev);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void json_msrs(struct json *j, const struct counters *c)
{
	json_arr(j);
	for (int i = 0; i < c->nmsr; i++) {
		const struct access_key *k = &c->msr[i];
		json_obj(j);
		json_key(j, "index");     json_u64(j, k->addr);
		json_key(j, "index_hex"); json_hex(j, k->addr);
		json_key(j, "dir");       json_str(j, k->write ? "wrmsr" : "rdmsr");
		json_key(j, "exits");     json_u64(j, k->count);
		json_key(j, "handled");   json_bool(j, k->claimed);
		json_key(j, "name");      json_str(j, msr_name((uint32_t)k->addr));
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

	json_obj(j);
	json_key(j, "schema_version"); json_i64(j, JSON_SCHEMA_VERSION);
	json_key(j, "kvmlab_version"); json_str(j, KVMLAB_VERSION);
	json_key(j, "command");        json_str(j, "run");

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

	json_key(j, "host"); json_host(j, c->host, c->kvm);
	json_key(j, "tsc_khz");
	if (r->tsc_khz) json_u64(j, r->tsc_khz); else json_null(j);

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
	if (v->end == END_EXIT_PORT) json_u64(j, v->exit_status); else json_null(j);
	json_key(j, "rip");
	if (v->end_rip_valid) json_u64(j, v->end_rip); else json_null(j);
	json_key(j, "linear_rip");
	if (v->end_rip_valid) json_u64(j, v->end_linear); else json_null(j);
	json_key(j, "instruction");
	if (v->end_insn[0]) json_str(j, v->end_insn); else json_null(j);
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

	json_key(j, "exits");
	json_obj(j);
	json_key(j, "total");         json_u64(j, v->ctr.total_exits);
	json_key(j, "kvm_run_calls"); json_u64(j, v->ctr.kvm_run_calls);
	json_key(j, "eintr");         json_u64(j, v->ctr.eintr);
	json_key(j, "timing");        json_str(j, EXIT_TIMING_METHOD);
	/* Observed, not assumed: did KVM's emulator run guest code during this run? */
	const struct kvm_stat *emu = v->stats.fd >= 0 ? kvmstats_find(&v->stats, "insn_emulation") : NULL;
	json_key(j, "emulated_instructions");
	if (emu) json_u64(j, kvmstats_delta(emu)); else json_null(j);
	json_key(j, "round_trips_include_emulation");
	if (emu) json_bool(j, kvmstats_delta(emu) > 0); else json_null(j);
	json_key(j, "by_reason");
	json_obj(j);
	for (uint32_t i = 0; i < EXIT_REASON_MAX; i++) {
		if (!v->ctr.reason[i].count)
			continue;
		json_key(j, exit_reason_name(i));
		json_exit_counter(j, &v->ctr.reason[i], &v->ctr.sample[i], r->tsc_khz);
	}
	if (v->ctr.other.count) {
		json_key(j, "OTHER");
		json_exit_counter(j, &v->ctr.other, &v->ctr.sample[EXIT_REASON_MAX], r->tsc_khz);
	}
	json_obj_end(j);
	json_key(j, "ports"); json_accesses(j, v->ctr.port, v->ctr.nports, true, &r->vm);
	json_key(j, "ports_overflow"); json_u64(j, v->ctr.port_overflow);
	json_key(j, "mmio");  json_accesses(j, v->ctr.mmio, v->ctr.nmmio, false, &r->vm);
	json_key(j, "mmio_overflow"); json_u64(j, v->ctr.mmio_overflow);
	json_key(j, "msrs");  json_msrs(j, &v->ctr);
	json_key(j, "msrs_overflow"); json_u64(j, v->ctr.msr_overflow);
	json_key(j, "coalesced_mmio_writes"); json_u64(j, v->ctr.coalesced);
	json_key(j, "doorbell_signals"); json_u64(j, r->vm.bench.doorbell_rings);
	json_key(j, "percentile_method"); json_str(j, PERCENTILE_METHOD);
	json_key(j, "vmm_cycles");    json_u64(j, v->ctr.vmm_cycles);
	json_key(j, "samples_max");   json_u64(j, SAMPLES_MAX);
	json_obj_end(j);

	json_key(j, "reports");
	json_arr(j);
	for (int i = 0; i < v->nreports; i++) {
		const struct report_entry *e = &v->reports[i];
		json_obj(j);
		json_key(j, "kind");  json_str(j, report_kinds[e->kind]);
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

	json_obj_end(j);
	fputc('\n', out);
}
