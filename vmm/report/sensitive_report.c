/*
 * sensitive_report.c - `kvmlab sensitive` for people (a table, the probes this
 * host's facts predict differently, a legend) and for machines (one JSON
 * document: docs/json-schema.md, "kvmlab sensitive --json").  The probes ran
 * in vmm/measure/sensitive_run.c; this file only shows them.
 */
#include <signal.h>

#include "kvmlab.h"

/* --ktrace: the kernel's own count of exits it handled (kvm_exit events minus the
 * KVM_RUNs that went on to user space) relative to nop; false where guest mode is
 * not traced (no kvm_exit events at all: the count would be a made-up 0). */
static bool trace_kexits(const struct sens_catalogue *c, const struct sens_probe *pr,
			 const struct sens_probe *nop, int64_t *d)
{
	if (!pr->have_trace || !nop || !c->guest_seen)
		return false;
	*d = ((int64_t)pr->t_exits - (int64_t)pr->t_to_user) - ((int64_t)nop->t_exits - (int64_t)nop->t_to_user);
	return true;
}

/* Do the trace and KVM's insn_emulation stat count the same emulated instructions? */
static bool trace_agrees(const struct sens_probe *pr)
{
	return !pr->have_trace || !pr->have_stats || pr->t_emulated == pr->insn_emulation;
}

static void trace_text(const struct sens_catalogue *c, FILE *out)
{
	int nagree = 0, n = 0;

	if (!c->ktrace)
		return;
	if (!c->traced) {
		fprintf(out, "--ktrace: not recorded (%s)\n", c->trace_why);
		return;
	}
	for (int i = 0; i < c->n; i++)
		if (c->probe[i].have_stats && c->probe[i].have_trace) {
			n++;
			nagree += trace_agrees(&c->probe[i]);
		}
	fprintf(out, "--ktrace: KVM's kvm_emulate_insn events and its insn_emulation stat agree for %d of %d probes%s\n",
		nagree, n, c->guest_seen ? "" : "; guest mode is not traced here (no kvm_entry/kvm_exit): t.kexits is -");
	if (c->untraced)
		fprintf(out, "  %d probe(s) without a complete trace, shown as -: %s\n", c->untraced, c->first_untraced);
	for (int i = 0; i < c->n; i++) {
		const struct sens_probe *pr = &c->probe[i];
		if (!trace_agrees(pr))
			fprintf(out, "  DISAGREE %d %s at CPL %d: trace %llu emulated, stat %llu\n", pr->id,
				sens_table[pr->row].name, pr->cpl, (unsigned long long)pr->t_emulated,
				(unsigned long long)pr->insn_emulation);
	}
}

void sens_report_text(const struct sens_catalogue *c, const struct host_info *h, FILE *out)
{
	const struct sens_probe *res = c->probe;
	int n = c->n;
	const char *ref = c->reference;
	int ndiff = 0, nunexp = 0, nrule = 0;

	fprintf(out, "kvmlab sensitive: %d probes on %s (%s paging), each in a fresh VM\n\n", n, h->backend, h->paging);
	fprintf(out, "  %-3s %-22s %-22s %3s  %-15s %-11s %-25s %8s %5s %6s", "#", "instruction", "class", "CPL",
	       "outcome here", ref, "value", "cycles", "emul", "kexits");
	if (c->traced)
		fprintf(out, " %6s %8s", "t.emul", "t.kexits");
	fputc('\n', out);
	for (int i = 0; i < n; i++) {
		const struct sens_probe *pr = &res[i];
		const struct sens_insn *s = &sens_table[pr->row];
		const struct sens_probe *nop = sens_nop_of(c, pr->cpl);
		char val[48], cost[24] = "-", kx[16] = "-", em[16] = "-";
		sens_value_text(pr, val, sizeof(val));
		if (pr->have_cost)
			snprintf(cost, sizeof(cost), "%lld", (long long)(pr->cycles - pr->baseline));
		/* Counts of a run cut short (hlt, a dead VM) are not comparable with
		 * nop's; a hang's are: they are what the hang cost. */
		if (pr->have_stats && nop && (pr->end == END_EXIT_PORT || pr->end == END_TIMEOUT)) {
			snprintf(kx, sizeof(kx), "%+lld", (long long)(pr->kernel_exits - nop->kernel_exits));
			snprintf(em, sizeof(em), "%+lld", (long long)pr->insn_emulation - (long long)nop->insn_emulation);
		}
		ndiff += pr->differs || pr->value_differs;
		fprintf(out, "%c %-3d %-22s %-22s %3d  %-15s %-11s %-25s %8s %5s %6s", pr->differs ? '!' : pr->value_differs ? '~' : ' ', pr->id,
		       s->name, sens_class_name(s->cls), pr->cpl, pr->outcome, pr->reference, val, cost, em, kx);
		if (c->traced) {
			char te[16] = "-", tk[16] = "-";
			int64_t d;
			if (nop && pr->have_trace && (pr->end == END_EXIT_PORT || pr->end == END_TIMEOUT)) {
				snprintf(te, sizeof(te), "%+lld", (long long)pr->t_emulated - (long long)nop->t_emulated);
				if (trace_kexits(c, pr, nop, &d))
					snprintf(tk, sizeof(tk), "%+lld", (long long)d);
			}
			fprintf(out, " %6s %8s", te, tk);
		}
		fputc('\n', out);
	}
	fprintf(out, "\n%d of %d probes differ from %s (! outcome, ~ value).\n", ndiff, n, ref);
	trace_text(c, out);
	fprintf(out, "expected on this host (vmm/core/expect.def; every other probe: the catalogue's %s column):\n", ref);
	for (int i = 0; i < n; i++) {
		const struct sens_probe *pr = &res[i];
		nunexp += pr->unexpected;
		if (!pr->rule)
			continue;
		nrule++;
		fprintf(out, "  %3d %-26s %-15s %s (%s): %s\n", pr->id, sens_table[pr->row].name, pr->expected_here,
		       pr->rule->id, pr->rule->kind, pr->rule->reason);
	}
	if (!nrule)
		fprintf(out, "  (no row applies: this host should give the %s column everywhere)\n", ref);
	fprintf(out, "%d of %d outcomes are not what this host's facts predict%s\n", nunexp, n,
	       nunexp ? " (UNEXPECTED: a changed host, or a new bug)." : ".");
	for (int i = 0; i < n; i++)
		if (res[i].unexpected)
			fprintf(out, "  UNEXPECTED %d %s at CPL %d: %s, expected %s\n", res[i].id, sens_table[res[i].row].name,
			       res[i].cpl, res[i].outcome, res[i].expected_here);
	fprintf(out, "legend:\n"
	       "  outcome   ran: completed in the guest with no exit to kvmlab; exit:R: reached kvmlab\n"
	       "            as KVM_EXIT_R; #XX(e): guest exception caught by the guest's IDT (error\n"
	       "            code e); internal-error / shutdown / hang: the probe's VM died (it ran\n"
	       "            alone, so the catalogue went on)\n"
	       "  %-9s what KVM on %s gives the guest (vmm/measure/sensitive.c, citing SDM Vol. 3C ch. 26,\n"
	       "            and the \"arch\" rows of vmm/core/expect.def where SVM differs)\n"
	       "  value     what the guest observed, e.g. sgdt/sidt at CPL 3: the table base (the \"red pill\");\n"
	       "            ~ marks a value the architecture fixes and this host got wrong\n"
	       "  cycles    guest TSC over the instruction minus an empty window at the same CPL,\n"
	       "            single shot (to the handler's first instruction when it faulted)\n"
	       "  emul      KVM's insn_emulation stat relative to nop at the same CPL: instructions\n"
	       "            KVM's x86 emulator executed for this probe (+1: the instruction trapped\n"
	       "            and was emulated; a fault adds its handler's instructions where ring 0\n"
	       "            is emulated)\n"
	       "  kexits    KVM's per-vCPU exits stat minus the exits kvmlab saw and minus host\n"
	       "            interrupts (irq_exits), relative to nop at the same CPL: exits KVM\n"
	       "            handled in the kernel for this instruction\n"
	       "  t.emul    --ktrace: kvm_emulate_insn events in the probe's KVM_RUNs relative to nop\n"
	       "  t.kexits  --ktrace: kvm_exit events minus KVM_RUNs that reached user space, relative\n"
	       "            to nop: what KVM handled in the kernel, by its own count (host\n"
	       "            interrupts included; - where guest mode is not traced)\n"
	       "  class     privileged: #GP at CPL>0 (SDM Vol. 3A 5.9); sensitive-unprivileged:\n"
	       "            Robin & Irvine 2000; always-intercepted: exits unconditionally on VT-x\n"
	       "            (SDM Vol. 3C 26.1.2)\n",
	       ref, ref);
}

void sens_report_json(const struct sens_catalogue *c, const struct host_info *h, const struct kvm *k, FILE *out)
{
	struct json jj = { .out = out }, *j = &jj;
	const struct sens_probe *res = c->probe;
	int n = c->n;

	json_envelope(j, "sensitive", h, k);
	json_key(j, "tsc_khz");
	json_u64_or_null(j, c->tsc_khz, c->tsc_khz);
	json_key(j, "reference");      json_str(j, c->reference);
	int stop = watchdog_stop_signal();      /* SIGINT/SIGTERM ended the catalogue early */
	json_key(j, "stopped_by");
	if (stop)
		json_str(j, stop == SIGINT ? "SIGINT" : "SIGTERM");
	else
		json_null(j);
	json_key(j, "method");
	json_obj(j);
	json_key(j, "payload");   json_str(j, SENS_PAYLOAD);
	json_key(j, "isolation"); json_str(j, "each probe in a fresh VM");
	json_key(j, "cost");      json_str(j, "guest TSC cycles over the instruction minus an empty window at the same CPL, single shot; to handler entry when it faulted");
	json_key(j, "kernel_exits"); json_str(j, "KVM per-vCPU exits stat minus exits seen by kvmlab");
	json_obj_end(j);
	json_key(j, "ktrace");
	if (c->ktrace) {
		json_obj(j);
		json_key(j, "recorded");   json_bool(j, c->traced);
		json_key(j, "why");        c->traced ? json_null(j) : json_str(j, c->trace_why);
		json_key(j, "clock");      c->traced ? json_str(j, c->trace_clock) : json_null(j);
		json_key(j, "guest_mode_observable"); json_bool(j, c->guest_seen);
		json_key(j, "untraced_probes"); json_i64(j, c->untraced);
		json_key(j, "first_untraced"); c->untraced ? json_str(j, c->first_untraced) : json_null(j);
		json_obj_end(j);
	} else {
		json_null(j);
	}
	json_key(j, "probes");
	json_arr(j);
	for (int i = 0; i < n; i++) {
		const struct sens_probe *pr = &res[i];
		const struct sens_insn *s = &sens_table[pr->row];
		const struct sens_probe *nop = sens_nop_of(c, pr->cpl);
		char val[48];
		sens_value_text(pr, val, sizeof(val));
		json_obj(j);
		json_key(j, "id");           json_i64(j, pr->id);
		json_key(j, "instruction");  json_str(j, s->name);
		json_key(j, "class");        json_str(j, sens_class_name(s->cls));
		json_key(j, "robin_irvine"); json_bool(j, s->robin_irvine);
		json_key(j, "cpl");          json_i64(j, pr->cpl);
		json_key(j, "outcome");      json_str(j, pr->outcome);
		json_key(j, "expected");     json_str(j, pr->reference);
		json_key(j, "differs");      json_bool(j, pr->differs);
		json_key(j, "expected_here"); json_str(j, pr->expected_here);
		json_key(j, "rule");         json_str(j, pr->rule ? pr->rule->id : "catalogue");
		json_key(j, "unexpected");   json_bool(j, pr->unexpected);
		json_key(j, "value_differs"); json_bool(j, pr->value_differs);
		json_key(j, "expected_value");
		const struct sens_value_expect *ev = &s->expect_value[pr->cpl == 3];
		if (ev->set) {
			json_obj(j);
			json_key(j, "mask");  json_u64(j, ev->mask);
			json_key(j, "value"); json_u64(j, ev->value);
			json_obj_end(j);
		} else {
			json_null(j);
		}
		json_key(j, "vmx");          json_str(j, s->vmx);
		json_key(j, "svm");          json_str(j, s->svm);
		json_key(j, "end");          json_str(j, end_name(pr->end));
		json_key(j, "detail");       json_str(j, pr->detail);
		json_key(j, "exits_to_kvmlab"); json_u64(j, pr->nexits);
		json_key(j, "exit_reasons"); json_str(j, pr->reasons);
		json_key(j, "exits");        json_raw(j, pr->exits_json);
		json_key(j, "fault");
		if (pr->have_fault) {
			json_obj(j);
			json_key(j, "vector"); json_u64(j, pr->vector);
			json_key(j, "name");   json_str(j, exc_name(pr->vector));
			json_key(j, "error");  json_u64(j, pr->error);
			json_key(j, "rip");    json_u64(j, pr->fault_rip);
			json_key(j, "cpl");    json_u64(j, pr->fault_cpl);
			json_obj_end(j);
		} else {
			json_null(j);
		}
		json_key(j, "value");
		json_u64_or_null(j, pr->have_value && !pr->have_fault, pr->value);
		json_key(j, "value_text");   json_str(j, val);
		json_key(j, "cycles");
		json_u64_or_null(j, pr->have_cost, pr->cycles);
		json_key(j, "baseline_cycles");
		json_u64_or_null(j, pr->have_cost, pr->baseline);
		json_key(j, "cost_cycles");
		json_i64_or_null(j, pr->have_cost, (int64_t)(pr->cycles - pr->baseline));
		json_key(j, "kvm");
		if (pr->have_stats) {
			json_obj(j);
			json_key(j, "exits");          json_u64(j, pr->kvm_exits);
			json_key(j, "kernel_exits");   json_i64(j, pr->kernel_exits);
			json_key(j, "insn_emulation"); json_u64(j, pr->insn_emulation);
			json_key(j, "irq_exits");      json_u64(j, pr->irq_exits);
			json_key(j, "kernel_exits_vs_nop");
			json_i64_or_null(j, nop, nop ? pr->kernel_exits - nop->kernel_exits : 0);
			json_key(j, "insn_emulation_vs_nop");
			json_i64_or_null(j, nop, nop ? (int64_t)pr->insn_emulation - (int64_t)nop->insn_emulation : 0);
			json_obj_end(j);
		} else {
			json_null(j);
		}
		json_key(j, "ktrace");
		if (pr->have_trace) {
			int64_t d = 0;
			bool kd = trace_kexits(c, pr, nop, &d);
			json_obj(j);
			json_key(j, "kvm_runs");            json_u64(j, pr->run_count);
			json_key(j, "to_user_space");       json_u64(j, pr->t_to_user);
			json_key(j, "kvm_exits");           json_u64_or_null(j, c->guest_seen, pr->t_exits);
			json_key(j, "emulated_instructions"); json_u64(j, pr->t_emulated);
			json_key(j, "page_faults");         json_u64(j, pr->t_faults);
			json_key(j, "exceptions_injected"); json_u64(j, pr->t_injected);
			json_key(j, "emulated_vs_nop");
			json_i64_or_null(j, nop && nop->have_trace, nop ? (int64_t)pr->t_emulated - (int64_t)nop->t_emulated : 0);
			json_key(j, "kernel_exits_vs_nop"); json_i64_or_null(j, kd, d);
			json_key(j, "agrees_with_stats");
			if (pr->have_stats)
				json_bool(j, trace_agrees(pr));
			else
				json_null(j);
			json_obj_end(j);
		} else {
			json_null(j);
		}
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
	fputc('\n', out);
}

