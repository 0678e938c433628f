/*
 * report_text.c - one run, summarised for a person reading a terminal.
 */
#include <string.h>

#include "kvmlab.h"

/* KVM stats worth a line even when many moved: the ones the labs talk about. */
static const char *const stats_shown[] = {
	"exits", "io_exits", "mmio_exits", "halt_exits", "signal_exits", "irq_exits",
	"insn_emulation", "insn_emulation_fail", "pf_taken", "pf_fixed", "pf_guest",
	"hypercalls", "tlb_flush", "irq_injections", "halt_wakeup", "halt_successful_poll",
	"halt_attempted_poll", "halt_poll_invalid",
};

static void print_ns(FILE *out, uint64_t cycles, uint64_t tsc_khz)
{
	if (tsc_khz)
		fprintf(out, "%.2f us", (double)cycles * 1000.0 / (double)tsc_khz);
	else
		fprintf(out, "%llu cycles", (unsigned long long)cycles);
}

void report_text(const struct report_ctx *c, FILE *out)
{
	const struct run *r = c->run;
	const struct vcpu *v = &r->vcpu;

	if (v->vm->con.total && v->vm->con.echo && v->vm->con.len && v->vm->con.buf[v->vm->con.len - 1] != '\n')
		fputc('\n', out);
	fprintf(out, "---- kvmlab: %s (%s mode) on %s, %s paging%s\n", c->payload->name,
		mode_name(c->payload->hdr.mode), c->host->backend, c->host->paging,
		c->host->host_is_guest ? ", host is itself a VM" : "");
	fprintf(out, "ended:    %s: %s", end_name(v->end), v->end_detail);
	if (v->end_rip_valid) {
		fprintf(out, "\n          at RIP 0x%llx", (unsigned long long)v->end_rip);
		if (v->end_linear != v->end_rip)
			fprintf(out, " (linear 0x%llx)", (unsigned long long)v->end_linear);
		if (v->end_insn[0])
			fprintf(out, ": %s", v->end_insn);
	}
	fputc('\n', out);
	fprintf(out, "console:  %llu byte%s", (unsigned long long)v->vm->con.total, v->vm->con.total == 1 ? "" : "s");
	if (v->vm->con.dropped)
		fprintf(out, ", %llu dropped past --console-limit %llu", (unsigned long long)v->vm->con.dropped,
			(unsigned long long)v->vm->con.limit);
	fputc('\n', out);
	iodev_text(out, &r->vm);        /* I/O devices the guest used: docs/io.md */

	fprintf(out, "exits:    %llu to kvmlab", (unsigned long long)v->ctr.total_exits);
	for (uint32_t i = 0; i < EXIT_REASON_MAX; i++)
		if (v->ctr.reason[i].count)
			fprintf(out, "  %s %llu", exit_reason_name(i), (unsigned long long)v->ctr.reason[i].count);
	fputc('\n', out);
	for (uint32_t i = 0; i < EXIT_REASON_MAX; i++) {
		const struct exit_counter *e = &v->ctr.reason[i];
		if (!e->count)
			continue;
		struct summary sum;
		summary_u32(e->samples.v, e->samples.n, &sum);
		fprintf(out, "          %-15s round trip median ", exit_reason_name(i));
		print_ns(out, (uint64_t)sum.median, r->tsc_khz);
		fprintf(out, ", p99 ");
		print_ns(out, (uint64_t)sum.p99, r->tsc_khz);
		fprintf(out, ", min ");
		print_ns(out, v->ctr.fig[i].tsc_min, r->tsc_khz);
		fprintf(out, ", max ");
		print_ns(out, v->ctr.fig[i].tsc_max, r->tsc_khz);
		fputc('\n', out);
	}
	const struct kvm_stat *emu = v->stats.fd >= 0 ? kvmstats_find(&v->stats, "insn_emulation") : NULL;
	if (emu && kvmstats_delta(emu) && v->ctr.total_exits)
		fprintf(out, "          note: KVM emulated %llu guest instructions in this run (insn_emulation):\n"
			"          round trips include that emulation, they are not bare exit costs\n",
			(unsigned long long)kvmstats_delta(emu));
	for (int i = 0; i < v->ctr.nports; i++) {
		const struct access_key *k = &v->ctr.port[i];
		const struct pio_range *d = pio_find(&r->vm.pio, (uint16_t)k->addr);
		fprintf(out, "  port 0x%04llx %-3s %u-byte: %llu exit%s%s (%s)\n", (unsigned long long)k->addr,
			k->write ? "out" : "in", k->size, (unsigned long long)k->count, k->count == 1 ? "" : "s",
			k->elems != k->count ? " [string I/O]" : "", d ? d->name : "unclaimed");
	}
	for (int i = 0; i < v->ctr.nmmio; i++) {
		const struct access_key *k = &v->ctr.mmio[i];
		const struct mmio_range *d = mmio_find(&r->vm.mmio, k->addr, k->size);
		fprintf(out, "  mmio 0x%llx %-5s %u-byte: %llu exit%s (%s)\n", (unsigned long long)k->addr,
			k->write ? "write" : "read", k->size, (unsigned long long)k->count,
			k->count == 1 ? "" : "s", d ? d->name : "unclaimed");
	}
	for (int i = 0; i < v->ctr.nmsr; i++) {
		const struct access_key *k = &v->ctr.msr[i];
		const char *name = msr_name((uint32_t)k->addr);
		fprintf(out, "  msr  0x%08llx %-5s: %llu exit%s (%s)\n", (unsigned long long)k->addr,
			k->write ? "wrmsr" : "rdmsr", (unsigned long long)k->count, k->count == 1 ? "" : "s",
			!k->claimed ? "#GP injected" : name ? name : "forwarded to KVM");
	}
	if (v->ctr.coalesced)
		fprintf(out, "  coalesced MMIO: %llu write%s replayed from KVM's ring (no exit each)\n",
			(unsigned long long)v->ctr.coalesced, v->ctr.coalesced == 1 ? "" : "s");
	if (r->vm.bench.doorbell_rings)
		fprintf(out, "  bench doorbells (port 0x%x, MMIO 0x%llx): %llu signal%s completed in KVM (ioeventfd, no exit)\n",
			PORT_BENCH_DOORBELL, (unsigned long long)GPA_BENCH_DOORBELL, (unsigned long long)r->vm.bench.doorbell_rings,
			r->vm.bench.doorbell_rings == 1 ? "" : "s");
	for (int i = 0; i < v->nreports; i++) {
		const struct report_entry *e = &v->reports[i];
		static const char *const tag[] = { "", "value", "PASS", "FAIL", "msg" };
		if (e->kind == REPORT_KIND_MSG)
			fprintf(out, "report:   %-5s %s\n", tag[e->kind], e->text);
		else
			fprintf(out, "report:   %-5s %s = %llu (0x%llx)\n", tag[e->kind], e->text,
				(unsigned long long)e->value, (unsigned long long)e->value);
	}
	memlab_text(out, c);                    /* memory slots, dirty rounds, --translate */
	if (v->stats.fd >= 0) {
		fprintf(out, "KVM stats (vCPU deltas):");
		for (size_t i = 0; i < sizeof(stats_shown) / sizeof(stats_shown[0]); i++) {
			const struct kvm_stat *s = kvmstats_find(&v->stats, stats_shown[i]);
			if (s && kvmstats_delta(s))
				fprintf(out, " %s +%llu", s->name, (unsigned long long)kvmstats_delta(s));
		}
		fputc('\n', out);
	}
	ktrace_report_text(c, out);     /* --ktrace: the kernel's view */
	fprintf(out, "time:     %.3f ms in KVM_RUN loop", r->wall_seconds * 1e3);
	if (r->tsc_khz)
		fprintf(out, ", TSC %.3f GHz", r->tsc_khz / 1e6);
	fputc('\n', out);
	/* Host CPU of the vCPU thread next to wall time: halted in KVM, it sleeps. */
	fprintf(out, "host cpu: vCPU thread %.3f ms user + %.3f ms system; interrupt model %s\n",
		r->vcpu.cpu_user * 1e3, r->vcpu.cpu_sys * 1e3, irqchip_name(r->vm.cfg.irqchip));
	int xc = r->exit_code;
	fprintf(out, "result:   exit code %d (%s)\n", xc, xc_summary(xc));
}
