/*
 * ktrace_report.c - KVM's events of a run (--ktrace), for people and for machines:
 * totals, then one row per KVM_RUN ioctl (docs/ktrace.md, docs/json-schema.md "ktrace").
 */
#include <stdio.h>
#include <string.h>

#include "kvmlab.h"

#define KTRACE_TEXT_HEAD 16             /* rows shown first in the text table ... */
#define KTRACE_TEXT_TAIL 4              /* ... and last */
#define KTRACE_JSON_RUNS_MAX 10000      /* rows in the JSON "runs" array */

/* The trace clock's ticks in ns: x86-tsc counts TSC cycles (KVM_GET_TSC_KHZ), mono counts ns. */
static double ticks_ns(const struct ktrace_result *k, uint64_t tsc_khz, uint64_t t)
{
	if (strcmp(k->clock, "mono") == 0)
		return (double)t;
	return tsc_khz ? (double)t * 1e6 / (double)tsc_khz : -1;
}

static const char *reason_text(const char *backend, uint32_t code, char *buf, size_t n)
{
	const char *s = ktrace_reason_name(backend, code, buf, n);

	if (s)
		return s;
	snprintf(buf, n, "reason 0x%x", code);
	return buf;
}

static const char *reason_table(const char *backend)
{
	return strcmp(backend, "kvm_intel") == 0 ? "vmx" : strcmp(backend, "kvm_amd") == 0 ? "svm" : NULL;
}

/* The exits of a KVM_RUN that KVM finished in the kernel: all but the one that went
 * on to user space (the last, when the ioctl returned an exit rather than an error). */
static uint32_t exits_in_kernel(const struct ktrace_krun *k)
{
	return k->nexits - (k->nexits && k->user_reason >= 0 && k->user_errno == 0);
}

static const char *to_user(const struct ktrace_krun *k)
{
	if (k->user_reason < 0)
		return NULL;
	if (k->user_errno == -4)
		return "EINTR";
	return exit_reason_name((uint32_t)k->user_reason);
}

static void text_time(FILE *out, const struct ktrace_result *k, uint64_t khz, uint64_t t, bool known)
{
	double ns = ticks_ns(k, khz, t);

	if (!known)
		fprintf(out, " %9s", "-");
	else if (ns >= 0)
		fprintf(out, " %9.2f", ns / 1000.0);
	else
		fprintf(out, " %9llu", (unsigned long long)t);
}

static void text_row(FILE *out, const struct ktrace_result *k, const struct ktrace_krun *r, size_t i,
		     const char *backend, uint64_t khz)
{
	char reasons[96] = "", buf[40];
	size_t len = 0;

	for (uint32_t j = 0; j < r->nreasons && len < sizeof(reasons); j++)
		len += (size_t)snprintf(reasons + len, sizeof(reasons) - len, "%s%s %u", j ? ", " : "",
					reason_text(backend, r->reasons[j].code, buf, sizeof(buf)), r->reasons[j].count);
	if (r->reasons_other && len < sizeof(reasons))
		snprintf(reasons + len, sizeof(reasons) - len, ", +%u", r->reasons_other);
	const char *u = to_user(r);
	fprintf(out, "  %6zu %7d %-30s %8u %6u  %-14s", i + 1, r->tid, reasons[0] ? reasons : "-",
		r->counts[KT_EMULATE], r->counts[KT_PAGE_FAULT], u ? u : "-");
	text_time(out, k, khz, r->guest, k->guest_seen);
	text_time(out, k, khz, r->kernel, true);
	text_time(out, k, khz, r->user, r->user_known);
	fputc('\n', out);
}

void ktrace_report_text(const struct report_ctx *c, FILE *out)
{
	const struct ktrace_result *k = c->run->ktrace;
	const char *backend = c->host->backend;
	uint64_t khz = c->run->tsc_khz;
	char buf[40];

	if (!k)
		return;
	fprintf(out, "kernel:   %zu KVM_RUN call%s seen from KVM's own events (--ktrace, clock %s)\n",
		k->nruns, k->nruns == 1 ? "" : "s", k->clock);
	fprintf(out, "          time in");
	const char *label[3] = { "guest", "kernel", "user" };
	uint64_t t[3] = { k->guest, k->kernel, k->user };
	for (int i = 0; i < 3; i++) {
		double ns = ticks_ns(k, khz, t[i]);
		if (i == 0 && !k->guest_seen)
			fprintf(out, " guest -,");
		else if (ns >= 0)
			fprintf(out, " %s %.3f ms%s", label[i], ns / 1e6, i < 2 ? "," : "");
		else
			fprintf(out, " %s %llu ticks%s", label[i], (unsigned long long)t[i], i < 2 ? "," : "");
	}
	fputc('\n', out);
	if (!k->guest_seen)
		fprintf(out, "          guest mode is not observable here: no kvm_entry/kvm_exit events\n"
			"          (guest code KVM emulates runs inside the kernel-mode time)\n");
	fprintf(out, "          in-kernel exits (kvm_exit):");
	if (!k->nreasons)
		fprintf(out, " none");
	for (uint32_t i = 0; i < k->nreasons; i++)
		fprintf(out, " %s %u", reason_text(backend, k->reasons[i].code, buf, sizeof(buf)), k->reasons[i].count);
	fputc('\n', out);
	fprintf(out, "          KVM emulated %llu instructions; %llu page faults; pio %llu, mmio %llu, msr %llu, cpuid %llu,"
		" exceptions injected %llu, kvmmmu events %llu\n",
		(unsigned long long)k->counts[KT_EMULATE], (unsigned long long)k->counts[KT_PAGE_FAULT],
		(unsigned long long)k->counts[KT_PIO], (unsigned long long)k->counts[KT_MMIO],
		(unsigned long long)k->counts[KT_MSR], (unsigned long long)k->counts[KT_CPUID],
		(unsigned long long)k->counts[KT_INJ_EXCEPTION], (unsigned long long)k->counts[KT_MMU]);
	fprintf(out, "          to user space (kvm_userspace_exit):");
	for (int i = 0; i < 64; i++)
		if (k->user_reasons[i])
			fprintf(out, " %s %llu", exit_reason_name((uint32_t)i), (unsigned long long)k->user_reasons[i]);
	if (k->interrupted)
		fprintf(out, " EINTR %llu", (unsigned long long)k->interrupted);
	fputc('\n', out);
	if (k->lost || k->lost_unknown)
		fprintf(out, "          warning: the trace buffer dropped %s events: counts are low\n",
			k->lost_unknown ? "some" : "");
	if (!k->nruns)
		return;
	fprintf(out, "  %6s %7s %-30s %8s %6s  %-14s %9s %9s %9s\n", "KVM_RUN", "thread", "exits in KVM (kvm_exit)",
		"emulated", "faults", "to user space", "guest us", "kernel us", "user us");
	for (size_t i = 0; i < k->nruns; i++) {
		if (i == KTRACE_TEXT_HEAD && k->nruns > KTRACE_TEXT_HEAD + KTRACE_TEXT_TAIL) {
			fprintf(out, "  %6s (%zu more; --json has them)\n", "...",
				k->nruns - KTRACE_TEXT_HEAD - KTRACE_TEXT_TAIL);
			i = k->nruns - KTRACE_TEXT_TAIL;
		}
		text_row(out, k, &k->runs[i], i, backend, khz);
	}
}

static void json_ticks(struct json *j, const char *key, const struct ktrace_result *k, uint64_t khz,
		       uint64_t t, bool known)
{
	char nkey[32];

	json_key(j, key);
	if (known)
		json_u64(j, t);
	else
		json_null(j);
	snprintf(nkey, sizeof(nkey), "%.*s_ns", (int)(strlen(key) - 6), key);   /* guest_ticks -> guest_ns */
	json_key(j, nkey);
	double ns = ticks_ns(k, khz, t);
	if (known && ns >= 0)
		json_double(j, ns);
	else
		json_null(j);
}

static void json_reasons(struct json *j, const struct ktrace_count *r, uint32_t n, const char *backend)
{
	char buf[40];

	json_obj(j);
	for (uint32_t i = 0; i < n; i++) {
		json_key(j, reason_text(backend, r[i].code, buf, sizeof(buf)));
		json_u64(j, r[i].count);
	}
	json_obj_end(j);
}

void ktrace_report_json(struct json *j, const struct report_ctx *c)
{
	const struct ktrace_result *k = c->run->ktrace;
	const char *backend = c->host->backend;
	uint64_t khz = c->run->tsc_khz;

	if (!k) {
		json_null(j);
		return;
	}
	json_obj(j);
	json_key(j, "clock");              json_str(j, k->clock);
	json_key(j, "kvm_runs");           json_u64(j, k->nruns);
	json_key(j, "guest_mode_observable"); json_bool(j, k->guest_seen);
	json_key(j, "time");
	json_obj(j);
	json_ticks(j, "guest_ticks", k, khz, k->guest, k->guest_seen);
	json_ticks(j, "kernel_ticks", k, khz, k->kernel, true);
	json_ticks(j, "user_ticks", k, khz, k->user, true);
	json_obj_end(j);
	json_key(j, "events");
	json_obj(j);
	for (int i = 0; i < KT_KINDS; i++) {
		json_key(j, ktrace_kind_name(i));
		json_u64(j, k->counts[i]);
	}
	json_obj_end(j);
	json_key(j, "exit_reason_table");  json_str(j, reason_table(backend));
	json_key(j, "isa");                json_u64(j, k->isa);
	json_key(j, "exit_reasons");       json_reasons(j, k->reasons, k->nreasons, backend);
	json_key(j, "exit_reasons_other"); json_u64(j, k->reasons_other);
	json_key(j, "emulated_instructions"); json_u64(j, k->counts[KT_EMULATE]);
	json_key(j, "page_faults");        json_u64(j, k->counts[KT_PAGE_FAULT]);
	json_key(j, "to_user_space");
	json_obj(j);
	for (int i = 0; i < 64; i++)
		if (k->user_reasons[i]) {
			json_key(j, exit_reason_name((uint32_t)i));
			json_u64(j, k->user_reasons[i]);
		}
	json_obj_end(j);
	json_key(j, "interrupted");        json_u64(j, k->interrupted);
	json_key(j, "outside_kvm_run");    json_u64(j, k->outside);
	json_key(j, "lost_events");        json_u64(j, k->lost);
	json_key(j, "lost_unknown");       json_bool(j, k->lost_unknown);
	size_t shown = k->nruns < KTRACE_JSON_RUNS_MAX ? k->nruns : KTRACE_JSON_RUNS_MAX;
	json_key(j, "runs_shown");         json_u64(j, shown);
	json_key(j, "runs");
	json_arr(j);
	for (size_t i = 0; i < shown; i++) {
		const struct ktrace_krun *r = &k->runs[i];
		json_obj(j);
		json_key(j, "tid");             json_i64(j, r->tid);
		json_key(j, "exits");           json_u64(j, r->nexits);
		json_key(j, "exits_in_kernel"); json_u64(j, exits_in_kernel(r));
		json_key(j, "exit_reasons");    json_reasons(j, r->reasons, r->nreasons, backend);
		json_key(j, "exit_reasons_other"); json_u64(j, r->reasons_other);
		json_key(j, "emulated");        json_u64(j, r->counts[KT_EMULATE]);
		json_key(j, "page_faults");     json_u64(j, r->counts[KT_PAGE_FAULT]);
		json_key(j, "pio");             json_u64(j, r->counts[KT_PIO]);
		json_key(j, "mmio");            json_u64(j, r->counts[KT_MMIO]);
		json_key(j, "msr");             json_u64(j, r->counts[KT_MSR]);
		json_key(j, "cpuid");           json_u64(j, r->counts[KT_CPUID]);
		json_key(j, "exceptions_injected"); json_u64(j, r->counts[KT_INJ_EXCEPTION]);
		json_key(j, "mmu_events");      json_u64(j, r->counts[KT_MMU]);
		json_key(j, "to_user_space");   json_str(j, to_user(r));
		json_ticks(j, "guest_ticks", k, khz, r->guest, k->guest_seen);
		json_ticks(j, "kernel_ticks", k, khz, r->kernel, r->t_ret != 0);
		json_ticks(j, "user_ticks", k, khz, r->user, r->user_known);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}
