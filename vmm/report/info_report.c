/*
 * info_report.c - `kvmlab info` for people and for machines: the host, its
 * capabilities, the calibration, the facts and the expectations
 * (docs/json-schema.md, "kvmlab info --json"), and with --sandbox the
 * allowlist of every thread.  vmm/cli/cmd_info.c probes; this file shows.
 */
#include <string.h>

#include "kvmlab.h"

static void json_calibration(struct json *j, const struct calibration *c)
{
	json_obj(j);
	json_key(j, "ran");             json_bool(j, c->ran);
	json_key(j, "loop_iterations"); json_u64(j, c->loop_iters);
	json_key(j, "loop_instructions"); json_u64(j, CAL_LOOP_INSNS);
	json_key(j, "insn_emulation");
	json_u64_or_null(j, c->have_stat, c->insn_emulation);
	json_key(j, "emulated");        json_bool(j, c->emulated);
	json_key(j, "cycles_per_iteration"); json_double(j, c->cycles_per_iter);
	json_key(j, "note");            json_str(j, c->note);
	json_obj_end(j);
}

static const char *backend_story(const char *b)
{
	if (!strcmp(b, "kvm_intel")) return "Intel VT-x (VMX)";
	if (!strcmp(b, "kvm_amd"))   return "AMD-V (SVM)";
	if (!strcmp(b, "kvm_pvm"))   return "PVM: software virtualization without VMX/SVM (a nested-friendly hypervisor)";
	return "unknown KVM backend";
}

/* `info --sandbox`: the allowlist of every thread, from sandbox.c's own table. */
void info_report_sandbox(bool json, FILE *out)
{
	int n;
	const struct sandbox_thread *t = sandbox_threads(&n);
	struct json jj = { .out = out }, *j = &jj;
	char text[96];

	if (json) {
		json_envelope(j, "info", NULL, NULL);
		json_key(j, "sandbox");
		json_arr(j);
	}
	for (int i = 0; i < n; i++) {
		if (json) {
			json_obj(j);
			json_key(j, "thread"); json_str(j, t[i].name);
			json_key(j, "what");   json_str(j, t[i].what);
			json_key(j, "size");   json_u64(j, t[i].nrules);
			json_key(j, "syscalls"); json_u64(j, sandbox_thread_syscalls(&t[i]));
			json_key(j, "rules");
			json_arr(j);
		} else {
			fprintf(out, "thread %s (%s): %zu rules, %zu system calls, everything else kills kvmlab (exit %d)\n",
				t[i].name, t[i].what, t[i].nrules, sandbox_thread_syscalls(&t[i]), XC_SANDBOX);
		}
		for (size_t r = 0; r < t[i].nrules; r++) {
			const struct sandbox_rule *rule = sandbox_rule_at(&t[i], r);
			sandbox_rule_text(rule, text, sizeof(text));
			if (json) {
				json_obj(j);
				json_key(j, "allow"); json_str(j, text);
				json_key(j, "why");   json_str(j, sandbox_rule_why(rule));
				json_obj_end(j);
			} else {
				fprintf(out, "  %-36s %s\n", text, sandbox_rule_why(rule));
			}
		}
		if (json) {
			json_arr_end(j);
			json_obj_end(j);
		}
	}
	if (json) {
		json_arr_end(j);
		json_obj_end(j);
		fputc('\n', out);
	}
}

void info_report_json(const struct host_info *h, const struct kvm *k, const struct calibration *cb,
		      const struct host_facts *hf, FILE *out)
{
	struct json jj = { .out = out }, *j = &jj;
	json_envelope(j, "info", h, k);
	json_key(j, "tsc_khz");
	json_u64_or_null(j, cb && cb->tsc_khz, cb ? cb->tsc_khz : 0);
	json_key(j, "capabilities");
	json_obj(j);
	for (int i = 0; i < CAP_COUNT; i++) {
		json_key(j, cap_table[i].name);
		json_i64(j, k->cap[i]);
	}
	json_obj_end(j);
	json_key(j, "calibration");
	if (cb)
		json_calibration(j, cb);
	else
		json_null(j);
	json_key(j, "facts");          facts_json(j, hf);
	json_key(j, "expectations");   expect_json_resolved(j, hf);
	json_obj_end(j);
	fputc('\n', out);
}

void info_report_text(const struct host_info *h, const struct kvm *k, const struct calibration *cb,
		      const struct host_facts *hf, FILE *out)
{
	fprintf(out, "kvmlab %s, Linux %s, %s\n", KVMLAB_VERSION, h->kernel, h->cpu_model);
	fprintf(out, "KVM API version:  %d\n", k->api_version);
	fprintf(out, "backend:          %s (%s)\n", h->backend, backend_story(h->backend));
	fprintf(out, "guest paging:     %s%s\n", h->paging,
		h->tdp ? " (two-dimensional: hardware walks guest and host tables)"
		: " (KVM keeps shadow page tables for the guest)");
	fprintf(out, "host is a VM:     %s\n", h->host_is_guest ? "yes (CPUID hypervisor bit set): nested virtualization" : "no");
	if (cb && cb->tsc_khz)
		fprintf(out, "TSC:              %.3f GHz (KVM_GET_TSC_KHZ)\n", cb->tsc_khz / 1e6);
	if (cb && cb->ran) {
		fprintf(out, "guest execution:  %s\n", cb->emulated ? "EMULATED" : "native");
		fprintf(out, "                  %s\n", cb->note);
		fprintf(out, "                  %.0f host cycles per iteration of a %d-instruction loop",
			cb->cycles_per_iter, CAL_LOOP_INSNS);
		if (cb->have_stat)
			fprintf(out, "; insn_emulation +%llu over %llu iterations",
				(unsigned long long)cb->insn_emulation, (unsigned long long)cb->loop_iters);
		fprintf(out, "\n");
	} else if (cb) {
		fprintf(out, "guest execution:  unknown (%s)\n", cb->note);
	}
	fprintf(out, "capabilities:\n");
	for (int i = 0; i < CAP_COUNT; i++) {
		char val[16];
		/* Some capabilities return a count or a bitmask rather than 1. */
		snprintf(val, sizeof(val), k->cap[i] > 1 ? "yes (%d)" : k->cap[i] ? "yes" : "no", k->cap[i]);
		fprintf(out, "  %-26s %-11s %s\n", cap_table[i].name, val, cap_table[i].why);
	}
	fprintf(out, "facts (what a guest can tell; how each was found):\n");
	for (int i = 0; i < hf->n; i++) {
		char val[FACT_VALUE_MAX];
		facts_value_text(&hf->f[i], val, sizeof(val));
		fprintf(out, "  %-36s %-14s %s\n", hf->f[i].name, val, hf->f[i].source);
	}
}
