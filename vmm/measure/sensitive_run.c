/*
 * sensitive_run.c - running the sensitive-instruction catalogue (sensitive.c).
 *
 * Every row runs at CPL 0 and CPL 3, each probe in a fresh VM
 * (payloads/cpu/probe.asm with --arg = probe id), so a probe that kills its
 * VM - an emulation failure, a triple fault, a hypercall that never returns -
 * is recorded and the catalogue goes on.  For each probe: how the run ended,
 * the exits that reached kvmlab besides the payload's own reports, the guest
 * exception its IDT caught, the value the guest observed, the cost in guest
 * TSC cycles, and KVM's own exit and emulation counters.  The outcome is
 * compared with what KVM on VT-x/SVM gives the guest (the catalogue, and the
 * "arch" rows of vmm/core/expect.def) and with what this host's facts predict.
 */
#include <stdlib.h>
#include <string.h>

#include "kvmlab.h"

/* Exits to kvmlab that the probe caused: all of them except the payload's own
 * report (0xF0) and exit-port (0xF4) traffic. */
static void probe_exits(struct sens_probe *pr, const struct counters *c)
{
	uint64_t own = 0;

	for (int i = 0; i < c->nports; i++)
		if (c->port[i].addr == PORT_REPORT || c->port[i].addr == PORT_EXIT)
			own += c->port[i].count;
	pr->reasons[0] = '\0';
	pr->nexits = 0;
	for (uint32_t r = 0; r < EXIT_REASON_MAX; r++) {
		uint64_t n = c->reason[r].count;
		if (r == KVM_EXIT_IO)
			n = n > own ? n - own : 0;
		if (!n)
			continue;
		size_t len = strlen(pr->reasons);
		snprintf(pr->reasons + len, sizeof(pr->reasons) - len, "%s%s", len ? "+" : "", exit_reason_name(r));
		pr->nexits += n;
	}
}

static void probe_reports(struct sens_probe *pr, const struct vcpu *v)
{
	for (int i = 0; i < v->nreports; i++) {
		const struct report_entry *e = &v->reports[i];
		if (e->kind == REPORT_KIND_MSG && !pr->name_seen[0])
			snprintf(pr->name_seen, sizeof(pr->name_seen), "%s", e->text);
		if (e->kind != REPORT_KIND_VALUE)
			continue;
		if (!strcmp(e->text, "exc.vector"))     { pr->have_fault = true; pr->vector = e->value; }
		else if (!strcmp(e->text, "exc.error")) pr->error = e->value;
		else if (!strcmp(e->text, "exc.rip"))   pr->fault_rip = e->value;
		else if (!strcmp(e->text, "exc.cpl"))   pr->fault_cpl = e->value;
		else if (!strcmp(e->text, "probe.value")) { pr->have_value = true; pr->value = e->value; }
		else if (!strcmp(e->text, "probe.cycles")) { pr->have_cost = true; pr->cycles = e->value; }
		else if (!strcmp(e->text, "probe.baseline")) pr->baseline = e->value;
	}
}

/* The outcome in sensitive.c's vocabulary. */
static void probe_outcome(struct sens_probe *pr)
{
	switch (pr->end) {
	case END_EXIT_PORT:
		if (pr->have_fault)
			sens_fault_outcome(pr->outcome, sizeof(pr->outcome), pr->vector, pr->error);
		else if (pr->nexits)
			snprintf(pr->outcome, sizeof(pr->outcome), "exit:%s", pr->reasons);
		else
			snprintf(pr->outcome, sizeof(pr->outcome), "ran");
		break;
	case END_HLT:            snprintf(pr->outcome, sizeof(pr->outcome), "exit:HLT"); break;
	case END_INTERNAL_ERROR: snprintf(pr->outcome, sizeof(pr->outcome), "internal-error"); break;
	case END_SHUTDOWN:       snprintf(pr->outcome, sizeof(pr->outcome), "shutdown"); break;
	case END_TIMEOUT:        snprintf(pr->outcome, sizeof(pr->outcome), "hang"); break;
	default:                 snprintf(pr->outcome, sizeof(pr->outcome), "%s", end_name(pr->end)); break;
	}
}

/* One probe in one fresh VM.  Returns 0, or -1 when the VM could not be set up. */
static int probe_run(struct run *r, struct kvm *k, const struct payload *p, double timeout, bool traced,
		     struct sens_probe *pr, char *err, size_t errlen)
{
	struct vm_config cfg = { .mem = payload_default_mem(p, 0), .timeout = timeout,
				 .entry_arg = (uint64_t)pr->id, .ktrace = traced };

	int rc = run_payload(r, k, p, &cfg, err, errlen);
	if (rc == XC_OK) {
		const struct vcpu *v = &r->vcpu;
		pr->end = v->end;
		snprintf(pr->detail, sizeof(pr->detail), "%s", v->end_detail);
		pr->run_count = v->ctr.kvm_run_calls;
		probe_exits(pr, &v->ctr);
		probe_reports(pr, v);
		const struct kvm_stat *ex = kvmstats_find(&v->stats, "exits");
		const struct kvm_stat *em = kvmstats_find(&v->stats, "insn_emulation");
		const struct kvm_stat *irq = kvmstats_find(&v->stats, "irq_exits");
		if (ex && em) {
			pr->have_stats = true;
			pr->kvm_exits = kvmstats_delta(ex);
			pr->insn_emulation = kvmstats_delta(em);
			/* A host interrupt landing while the guest runs is an exit the
			 * guest did not cause (the irq_exits stat): not the probe's. */
			pr->irq_exits = irq ? kvmstats_delta(irq) : 0;
			pr->kernel_exits = (int64_t)pr->kvm_exits - (int64_t)v->ctr.total_exits - (int64_t)pr->irq_exits;
		}
		probe_outcome(pr);
		pr->exits_json = json_exits_capture(v, &r->vm, r->tsc_khz);
	}
	run_teardown(r);
	return rc == XC_OK ? 0 : -1;
}

void sens_value_text(const struct sens_probe *pr, char *out, size_t n)
{
	const struct sens_insn *s = &sens_table[pr->row];
	uint64_t v = pr->value;

	if (!pr->have_value || pr->have_fault || s->value == SV_NONE) {
		snprintf(out, n, "-");
		return;
	}
	switch (s->value) {
	case SV_ZF:
		snprintf(out, n, "ZF=%d (%s)", (int)(v & 1), v & 1 ? "allowed" : "refused");
		break;
	case SV_RFLAGS:
		snprintf(out, n, "%#llx IF=%d IOPL=%d", (unsigned long long)v, (int)(v >> 9 & 1), (int)(v >> 12 & 3));
		break;
	case SV_VENDOR: {
		char c[5];
		for (int i = 0; i < 4; i++) {
			char ch = (char)(v >> (8 * i));
			c[i] = ch >= 0x20 && ch < 0x7f ? ch : '.';
		}
		c[4] = '\0';
		snprintf(out, n, "\"%s\"", c);
		break;
	}
	default:
		snprintf(out, n, "%#llx", (unsigned long long)v);
	}
}

const struct sens_probe *sens_nop_of(const struct sens_catalogue *c, int cpl)
{
	for (int i = 0; i < c->n; i++) {
		const struct sens_probe *pr = &c->probe[i];
		if (pr->row == 0 && pr->cpl == cpl && pr->have_stats && pr->end == END_EXIT_PORT)
			return pr;
	}
	return NULL;
}

int sens_rows_selected(const char *only, int *matched)
{
	int rows = 0;

	*matched = 0;
	for (int i = 0; i < sens_count; i++) {
		bool m = !only || strstr(sens_table[i].name, only);
		*matched += m;
		rows += i == 0 || m;            /* the nop reference always runs */
	}
	return rows;
}

/* The payload names its row first thing: a mismatch means a stale build; a run
 * that ended normally without naming it is not the probe payload at all. */
static int probe_is_the_row(const struct sens_probe *pr, const struct payload *p, char *err, size_t errlen)
{
	if (!pr->name_seen[0] && end_by_guest(pr->end)) {
		snprintf(err, errlen, "%s is not the probe payload: probe %d ran without naming its row",
			 p->path, pr->id);
		return -1;
	}
	if (pr->name_seen[0] && strcmp(pr->name_seen, sens_table[pr->row].name)) {
		snprintf(err, errlen, "probe %d is \"%s\" in %s but \"%s\" in vmm/measure/sensitive.c (rebuild)",
			 pr->id, pr->name_seen, p->path, sens_table[pr->row].name);
		return -1;
	}
	return 0;
}

/* The outcome against the catalogue (VT-x/SVM) and against this host's facts. */
static void probe_judge(struct sens_probe *pr, const struct host_facts *hf)
{
	const struct sens_insn *si = &sens_table[pr->row];
	const struct sens_value_expect *ev = &si->expect_value[pr->cpl == 3];
	char c[96];

	snprintf(c, sizeof(c), "%s@%d", si->name, pr->cpl);
	const struct expect_row *arch = expect_lookup(hf, "sensitive", c, "arch");
	pr->reference = arch ? arch->expect : si->expect[pr->cpl == 3];
	pr->rule = expect_lookup(hf, "sensitive", c, NULL);
	pr->expected_here = pr->rule ? pr->rule->expect : si->expect[pr->cpl == 3];
	pr->unexpected = strcmp(pr->outcome, pr->expected_here) != 0;
	pr->differs = strcmp(pr->outcome, pr->reference) != 0;
	pr->value_differs = !pr->differs && ev->set && pr->have_value && !pr->have_fault &&
			    (pr->value & ev->mask) != ev->value;
}

/* --ktrace: this probe's KVM_RUNs from KVM's own events.  Each probe records on
 * its own (one recording of the catalogue would overflow the ring buffer: the
 * CPL-3 probes run ~850 emulated instructions each); the trace is the probe's only
 * if it saw every KVM_RUN kvmlab made and lost no event (as bench_run.c checks).
 * Returns false with why when it is not. */
static bool probe_trace(struct sens_probe *pr, const struct ktrace_result *k, char *why, size_t whylen)
{
	if (k->nruns != pr->run_count || k->lost || k->lost_unknown) {
		snprintf(why, whylen, "probe %d: the trace has %zu of %llu KVM_RUNs%s", pr->id, k->nruns,
			 (unsigned long long)pr->run_count, k->lost || k->lost_unknown ? ", events lost" : "");
		return false;
	}
	pr->have_trace = true;
	for (size_t x = 0; x < k->nruns; x++) {
		const struct ktrace_krun *kr = &k->runs[x];
		pr->t_exits += kr->counts[KT_EXIT];
		pr->t_emulated += kr->counts[KT_EMULATE];
		pr->t_faults += kr->counts[KT_PAGE_FAULT];
		pr->t_injected += kr->counts[KT_INJ_EXCEPTION];
		pr->t_to_user += kr->user_reason >= 0 && kr->user_errno == 0;
	}
	return true;
}

/* probe_run under --ktrace: records around it while c traces.  A recording that
 * cannot start ends tracing for the catalogue (trace_why); a probe whose trace is
 * incomplete (a hang emulates until the watchdog, overflowing the buffer) is
 * only that probe's loss (untraced, first_untraced). */
static int probe_run_traced(struct sens_catalogue *c, struct run *r, struct kvm *k, const struct payload *p,
			    double timeout, struct sens_probe *pr, char *err, size_t errlen)
{
	char why[256];

	if (!c->traced)
		return probe_run(r, k, p, timeout, false, pr, err, errlen);
	if (ktrace_start(why, sizeof(why)) != 0) {
		snprintf(c->trace_why, sizeof(c->trace_why), "%.127s", why);
		c->traced = false;
		return probe_run(r, k, p, timeout, false, pr, err, errlen);
	}
	int rc = probe_run(r, k, p, timeout, true, pr, err, errlen);
	struct ktrace_result kres = { 0 };
	if (ktrace_finish(&kres, why, sizeof(why)) != 0) {
		snprintf(c->trace_why, sizeof(c->trace_why), "%.127s", why);
		c->traced = false;
	} else if (rc == 0 && !probe_trace(pr, &kres, why, sizeof(why)) && c->untraced++ == 0) {
		snprintf(c->first_untraced, sizeof(c->first_untraced), "%.127s", why);
	}
	if (kres.guest_seen)
		c->guest_seen = true;
	snprintf(c->trace_clock, sizeof(c->trace_clock), "%s", kres.clock);
	ktrace_result_free(&kres);
	return rc;
}

int sens_catalogue_run(struct sens_catalogue *c, struct kvm *k, const struct payload *p,
		       const struct host_facts *hf, const char *only, double timeout, bool ktrace,
		       char *err, size_t errlen)
{
	int matched;
	int rows = sens_rows_selected(only, &matched);
	const struct fact *vendor = facts_find(hf, "vendor");

	memset(c, 0, sizeof(*c));
	c->reference = vendor && !strcmp(vendor->s, "amd") ? "SVM" : "VMX";
	c->probe = calloc(2 * (size_t)rows, sizeof(*c->probe));
	struct run *r = RUN_NEW(struct run);
	if (!c->probe || !r)
		die(XC_HOST, "out of memory");
	int rc = XC_OK;
	c->ktrace = c->traced = ktrace;         /* until a probe cannot be traced */
	for (int row = 0; row < sens_count && rc == XC_OK; row++) {
		if (row != 0 && only && !strstr(sens_table[row].name, only))
			continue;
		for (int cpl = 0; cpl <= 3 && rc == XC_OK; cpl += 3) {
			struct sens_probe *pr = &c->probe[c->n++];
			pr->row = row;
			pr->cpl = cpl;
			pr->id = SENS_PROBE_ID(row, cpl);
			char why[512];
			if (probe_run_traced(c, r, k, p, timeout, pr, why, sizeof(why)) != 0) {
				snprintf(err, errlen, "probe %d: %s", pr->id, why);
				rc = XC_HOST;
			} else if (probe_is_the_row(pr, p, err, errlen) != 0) {
				rc = XC_HOST;
			} else {
				if (r->tsc_khz)
					c->tsc_khz = r->tsc_khz;
				probe_judge(pr, hf);
				/* SIGINT/SIGTERM (watchdog.c): this probe's run ended "interrupted"
				 * and is kept; the catalogue stops here and is reported. */
				if (watchdog_stop_signal())
					rc = XC_INTERRUPTED;
			}
		}
	}
	free(r);
	if (!c->traced)                 /* a partial trace is no trace: every probe or none */
		for (int i = 0; i < c->n; i++)
			c->probe[i].have_trace = false;
	return rc;
}

void sens_catalogue_free(struct sens_catalogue *c)
{
	for (int i = 0; c->probe && i < c->n; i++)
		free(c->probe[i].exits_json);
	free(c->probe);
	c->probe = NULL;
	c->n = 0;
}
