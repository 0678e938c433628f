/*
 * cmd_sensitive.c - `kvmlab sensitive`: run the sensitive-instruction catalogue.
 *
 * Every row of sensitive.c runs at CPL 0 and CPL 3, each probe in a fresh VM
 * (payloads/cpu/probe.asm with --arg = probe id), so a probe that kills its
 * VM - an emulation failure, a triple fault, a hypercall that never returns -
 * is recorded and the catalogue goes on.  For each probe: how the run ended,
 * the exits that reached kvmlab besides the payload's own reports, the guest
 * exception its IDT caught, the value the guest observed, the cost in guest
 * TSC cycles, and KVM's own exit and emulation counters, compared with the
 * nop row at the same CPL.  The outcome is compared with what KVM on VT-x/SVM
 * gives the guest (sensitive.c); a difference is flagged.
 */
#include <stdlib.h>
#include <string.h>

#include "kvmlab.h"

#define PROBE_PAYLOAD      "cpu/probe"

struct probe_result {
	int row, cpl, id;
	enum end_kind end;
	char detail[512];
	char outcome[64];               /* "exit:" + exits fits */
	bool differs;                   /* outcome differs from the VMX/SVM reference */
	const char *reference;          /* that reference: the catalogue, or an "arch" row */
	const char *expected_here;      /* what the expectations table predicts on this host */
	const struct expect_row *rule;  /* the row that predicted it; NULL = the catalogue */
	bool unexpected;                /* outcome != expected_here */
	bool value_differs;             /* ran, but observed a value VT-x/SVM would not give */
	char exits[48];                 /* exits to kvmlab the instruction caused: "IO", "HLT" */
	uint64_t nexits;
	char name_seen[REPORT_TEXT_MAX + 1];
	bool have_fault;
	uint64_t vector, error, fault_rip, fault_cpl;
	bool have_value;
	uint64_t value;
	bool have_cost;
	uint64_t cycles, baseline;
	bool have_stats;
	uint64_t kvm_exits, insn_emulation, irq_exits;
	int64_t kernel_exits;           /* KVM's exits stat minus the exits kvmlab saw and host interrupts */
};

/* Exits to kvmlab that the probe caused: all of them except the payload's own
 * report (0xF0) and exit-port (0xF4) traffic. */
static void probe_exits(struct probe_result *pr, const struct counters *c)
{
	uint64_t own = 0;

	for (int i = 0; i < c->nports; i++)
		if (c->port[i].addr == PORT_REPORT || c->port[i].addr == PORT_EXIT)
			own += c->port[i].count;
	pr->exits[0] = '\0';
	pr->nexits = 0;
	for (uint32_t r = 0; r < EXIT_REASON_MAX; r++) {
		uint64_t n = c->reason[r].count;
		if (r == KVM_EXIT_IO)
			n = n > own ? n - own : 0;
		if (!n)
			continue;
		size_t len = strlen(pr->exits);
		snprintf(pr->exits + len, sizeof(pr->exits) - len, "%s%s", len ? "+" : "", exit_reason_name(r));
		pr->nexits += n;
	}
}

static void probe_reports(struct probe_result *pr, const struct vcpu *v)
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
static void probe_outcome(struct probe_result *pr)
{
	switch (pr->end) {
	case END_EXIT_PORT:
		if (pr->have_fault)
			sens_fault_outcome(pr->outcome, sizeof(pr->outcome), pr->vector, pr->error);
		else if (pr->nexits)
			snprintf(pr->outcome, sizeof(pr->outcome), "exit:%s", pr->exits);
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
static int probe_run(struct run *r, struct kvm *k, const struct payload *p, double timeout,
		     struct probe_result *pr, char *err, size_t errlen)
{
	struct vm_config cfg = { .mem = payload_default_mem(p, 0), .timeout = timeout,
				 .entry_arg = (uint64_t)pr->id };

	int rc = run_payload(r, k, p, &cfg, err, errlen);
	if (rc == XC_OK) {
		const struct vcpu *v = &r->vcpu;
		pr->end = v->end;
		snprintf(pr->detail, sizeof(pr->detail), "%s", v->end_detail);
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
	}
	run_teardown(r);
	return rc == XC_OK ? 0 : -1;
}

static void value_text(const struct probe_result *pr, char *out, size_t n)
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

static const struct probe_result *nop_of(const struct probe_result *res, int n, int cpl)
{
	for (int i = 0; i < n; i++)
		if (res[i].row == 0 && res[i].cpl == cpl && res[i].have_stats && res[i].end == END_EXIT_PORT)
			return &res[i];
	return NULL;
}

static void print_text(const struct probe_result *res, int n, const struct host_info *h, const char *ref)
{
	int ndiff = 0, nunexp = 0, nrule = 0;

	printf("kvmlab sensitive: %d probes on %s (%s paging), each in a fresh VM\n\n", n, h->backend, h->paging);
	printf("  %-3s %-22s %-22s %3s  %-15s %-11s %-25s %8s %5s %6s\n", "#", "instruction", "class", "CPL",
	       "outcome here", ref, "value", "cycles", "emul", "kexits");
	for (int i = 0; i < n; i++) {
		const struct probe_result *pr = &res[i];
		const struct sens_insn *s = &sens_table[pr->row];
		const struct probe_result *nop = nop_of(res, n, pr->cpl);
		char val[48], cost[24] = "-", kx[16] = "-", em[16] = "-";
		value_text(pr, val, sizeof(val));
		if (pr->have_cost)
			snprintf(cost, sizeof(cost), "%lld", (long long)(pr->cycles - pr->baseline));
		/* Counts of a run cut short (hlt, a dead VM) are not comparable with
		 * nop's; a hang's are: they are what the hang cost. */
		if (pr->have_stats && nop && (pr->end == END_EXIT_PORT || pr->end == END_TIMEOUT)) {
			snprintf(kx, sizeof(kx), "%+lld", (long long)(pr->kernel_exits - nop->kernel_exits));
			snprintf(em, sizeof(em), "%+lld", (long long)pr->insn_emulation - (long long)nop->insn_emulation);
		}
		ndiff += pr->differs || pr->value_differs;
		printf("%c %-3d %-22s %-22s %3d  %-15s %-11s %-25s %8s %5s %6s\n", pr->differs ? '!' : pr->value_differs ? '~' : ' ', pr->id,
		       s->name, sens_class_name(s->cls), pr->cpl, pr->outcome, pr->reference, val, cost, em, kx);
	}
	printf("\n%d of %d probes differ from %s (! outcome, ~ value).\n", ndiff, n, ref);
	printf("expected on this host (vmm/core/expect.def; every other probe: the catalogue's %s column):\n", ref);
	for (int i = 0; i < n; i++) {
		const struct probe_result *pr = &res[i];
		nunexp += pr->unexpected;
		if (!pr->rule)
			continue;
		nrule++;
		printf("  %3d %-26s %-15s %s (%s): %s\n", pr->id, sens_table[pr->row].name, pr->expected_here,
		       pr->rule->id, pr->rule->kind, pr->rule->reason);
	}
	if (!nrule)
		printf("  (no row applies: this host should give the %s column everywhere)\n", ref);
	printf("%d of %d outcomes are not what this host's facts predict%s\n", nunexp, n,
	       nunexp ? " (UNEXPECTED: a changed host, or a new bug)." : ".");
	for (int i = 0; i < n; i++)
		if (res[i].unexpected)
			printf("  UNEXPECTED %d %s at CPL %d: %s, expected %s\n", res[i].id, sens_table[res[i].row].name,
			       res[i].cpl, res[i].outcome, res[i].expected_here);
	printf("legend:\n"
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
	       "  class     privileged: #GP at CPL>0 (SDM Vol. 3A 5.9); sensitive-unprivileged:\n"
	       "            Robin & Irvine 2000; always-intercepted: exits unconditionally on VT-x\n"
	       "            (SDM Vol. 3C 26.1.2)\n",
	       ref, ref);
}

static void print_json(const struct probe_result *res, int n, const struct host_info *h,
		       const struct kvm *k, uint64_t tsc_khz, const char *ref)
{
	struct json jj = { .out = stdout }, *j = &jj;

	json_obj(j);
	json_key(j, "schema_version"); json_i64(j, JSON_SCHEMA_VERSION);
	json_key(j, "kvmlab_version"); json_str(j, KVMLAB_VERSION);
	json_key(j, "command");        json_str(j, "sensitive");
	json_key(j, "host");           json_host(j, h, k);
	json_key(j, "tsc_khz");
	if (tsc_khz) json_u64(j, tsc_khz); else json_null(j);
	json_key(j, "reference");      json_str(j, ref);
	json_key(j, "method");
	json_obj(j);
	json_key(j, "payload");   json_str(j, PROBE_PAYLOAD);
	json_key(j, "isolation"); json_str(j, "each probe in a fresh VM");
	json_key(j, "cost");      json_str(j, "guest TSC cycles over the instruction minus an empty window at the same CPL, single shot; to handler entry when it faulted");
	json_key(j, "kernel_exits"); json_str(j, "KVM per-vCPU exits stat minus exits seen by kvmlab");
	json_obj_end(j);
	json_key(j, "probes");
	json_arr(j);
	for (int i = 0; i < n; i++) {
		const struct probe_result *pr = &res[i];
		const struct sens_insn *s = &sens_table[pr->row];
		const struct probe_result *nop = nop_of(res, n, pr->cpl);
		char val[48];
		value_text(pr, val, sizeof(val));
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
		json_key(j, "exit_reasons"); json_str(j, pr->exits);
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
		if (pr->have_value && !pr->have_fault) json_u64(j, pr->value); else json_null(j);
		json_key(j, "value_text");   json_str(j, val);
		json_key(j, "cycles");
		if (pr->have_cost) json_u64(j, pr->cycles); else json_null(j);
		json_key(j, "baseline_cycles");
		if (pr->have_cost) json_u64(j, pr->baseline); else json_null(j);
		json_key(j, "cost_cycles");
		if (pr->have_cost) json_i64(j, (int64_t)(pr->cycles - pr->baseline)); else json_null(j);
		json_key(j, "kvm");
		if (pr->have_stats) {
			json_obj(j);
			json_key(j, "exits");          json_u64(j, pr->kvm_exits);
			json_key(j, "kernel_exits");   json_i64(j, pr->kernel_exits);
			json_key(j, "insn_emulation"); json_u64(j, pr->insn_emulation);
			json_key(j, "irq_exits");      json_u64(j, pr->irq_exits);
			json_key(j, "kernel_exits_vs_nop");
			if (nop) json_i64(j, pr->kernel_exits - nop->kernel_exits); else json_null(j);
			json_key(j, "insn_emulation_vs_nop");
			if (nop) json_i64(j, (int64_t)pr->insn_emulation - (int64_t)nop->insn_emulation); else json_null(j);
			json_obj_end(j);
		} else {
			json_null(j);
		}
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
	fputc('\n', stdout);
}

int cmd_sensitive(struct cli *c)
{
	bool json = c->json;
	const char *only = c->only;
	double timeout = c->cfg.timeout;        /* per probe: only a hanging probe waits this long */

	int rows = 0, matched = 0;
	for (int i = 0; i < sens_count; i++) {
		bool m = !only || strstr(sens_table[i].name, only);
		matched += m;
		rows += i == 0 || m;            /* the nop reference always runs */
	}
	if (matched == 0)
		return usage_fail("sensitive", "--only '%s' matches no instruction", only);

	char path[4096], err[512];
	struct payload p;
	snprintf(path, sizeof(path), "%s/%s.bin", payload_dir(), PROBE_PAYLOAD);
	int rc = payload_load(path, &p, err, sizeof(err));
	if (rc != XC_OK) {
		fprintf(stderr, "kvmlab sensitive: %s (run make)\n", err);
		return XC_HOST;
	}
	struct kvm k;
	struct host_info h;
	rc = cli_catch_stop();          /* SIGINT/SIGTERM: stop after the probe running, report */
	if (rc == XC_OK)
		rc = cli_open_kvm(&k, &h);
	if (rc != XC_OK) {
		payload_free(&p);
		return rc;
	}
	/* The rules need host facts only (no calibration, no probe VMs). */
	static struct host_facts hf;
	facts_probe(&hf, &h, &k);
	const struct fact *vendor = facts_find(&hf, "vendor");
	const char *ref = vendor && !strcmp(vendor->s, "amd") ? "SVM" : "VMX";

	struct probe_result *res = calloc(2 * (size_t)rows, sizeof(*res));
	struct run *r = calloc(1, sizeof(*r));
	if (!res || !r)
		die(XC_HOST, "out of memory");
	int n = 0;
	uint64_t tsc_khz = 0;
	rc = XC_OK;
	for (int row = 0; row < sens_count && rc == XC_OK; row++) {
		if (row != 0 && only && !strstr(sens_table[row].name, only))
			continue;
		for (int cpl = 0; cpl <= 3; cpl += 3) {
			struct probe_result *pr = &res[n++];
			pr->row = row;
			pr->cpl = cpl;
			pr->id = SENS_PROBE_ID(row, cpl);
			if (probe_run(r, &k, &p, timeout, pr, err, sizeof(err)) != 0) {
				fprintf(stderr, "kvmlab sensitive: probe %d: %s\n", pr->id, err);
				rc = XC_HOST;
				break;
			}
			if (r->tsc_khz)
				tsc_khz = r->tsc_khz;
			/* The payload names its row first thing: a mismatch means a stale
			 * build; a run that ended normally without naming it is not the
			 * probe payload at all. */
			if (!pr->name_seen[0] && end_by_guest(pr->end)) {
				fprintf(stderr, "kvmlab sensitive: %s is not the probe payload: probe %d ran without naming its row\n",
					path, pr->id);
				rc = XC_HOST;
				break;
			}
			if (pr->name_seen[0] && strcmp(pr->name_seen, sens_table[row].name)) {
				fprintf(stderr, "kvmlab sensitive: probe %d is \"%s\" in %s but \"%s\" in vmm/measure/sensitive.c (rebuild)\n",
					pr->id, pr->name_seen, path, sens_table[row].name);
				rc = XC_HOST;
				break;
			}
			const struct sens_insn *si = &sens_table[row];
			const struct sens_value_expect *ev = &si->expect_value[cpl == 3];
			char c[96];
			snprintf(c, sizeof(c), "%s@%d", si->name, cpl);
			const struct expect_row *arch = expect_lookup(&hf, "sensitive", c, "arch");
			pr->reference = arch ? arch->expect : si->expect[cpl == 3];
			pr->rule = expect_lookup(&hf, "sensitive", c, NULL);
			pr->expected_here = pr->rule ? pr->rule->expect : si->expect[cpl == 3];
			pr->unexpected = strcmp(pr->outcome, pr->expected_here) != 0;
			pr->differs = strcmp(pr->outcome, pr->reference) != 0;
			pr->value_differs = !pr->differs && ev->set && pr->have_value && !pr->have_fault &&
					    (pr->value & ev->mask) != ev->value;
			if ((rc = cli_interrupted()) != XC_OK)
				break;  /* this probe's run ended "interrupted": it is reported */
		}
	}
	if (rc == XC_OK || rc == XC_INTERRUPTED) {
		if (json)
			print_json(res, n, &h, &k, tsc_khz, ref);
		else
			print_text(res, n, &h, ref);
	}
	fflush(stdout);
	free(r);
	free(res);
	kvm_close(&k);
	payload_free(&p);
	return rc;
}
