/*
 * bench_report.c - the bench results as a table, CSV or one JSON document
 * (docs/json-schema.md, "bench").  Every form says which host produced the
 * numbers and whether the guest was emulated: on an emulating host the
 * figures are emulator costs, and the report must make that impossible to miss.
 */
#include <string.h>

#include "kvmlab.h"

#define BENCH_TIMING "guest TSC: lfence; rdtsc; lfence around N iterations (payloads/lib/timing.inc)"
#define BENCH_NET "per sample: (op loop cycles - empty loop cycles) / N, both loops in the same run"
#define BENCH_DISTURBED "samples with an involuntary context switch of the vCPU thread are left out while at least half remain"
#define BENCH_WHERE "derived per op from counters in the op loop minus the empty loop (vmm/measure/bench_derive.c)"

static double to_ns(double cycles, uint64_t khz)
{
	return khz ? cycles * 1e6 / (double)khz : 0;
}

static bool dominated(const struct bench_header *h, const struct bench_result *r)
{
	/* The whole guest runs in KVM's emulator: loop and op are emulator costs. */
	(void)r;
	return h->cal->ran && h->cal->emulated;
}

static void header_line(const struct bench_header *h, FILE *out)
{
	fprintf(out, "kvmlab bench on %s (%s paging%s), TSC %.3f GHz (KVM_GET_TSC_KHZ); %u iterations x %u samples",
		h->host->backend, h->host->paging, h->host->host_is_guest ? ", host is itself a VM" : "",
		h->tsc_khz / 1e6, h->opts->iters, h->opts->repeat);
	if (h->load1 >= 0)
		fprintf(out, "; load average %.2f", h->load1);
	fputc('\n', out);
	if (h->cal->ran && h->cal->emulated)
		fprintf(out, "!! EMULATED: guest instructions run through KVM's instruction emulator here (%.0f cycles per\n"
			"!! 3-instruction loop iteration). Every number below is an emulator number, not a hardware\n"
			"!! VM-exit cost; only differences between rows mean something. Rows marked EMUL.\n",
			h->cal->cycles_per_iter);
	else if (!h->cal->ran)
		fprintf(out, "!! calibration did not run: whether guest code was emulated is unknown\n");
	else
		fprintf(out, "guest instructions run natively (%s)\n", h->cal->note);
}

void bench_report_table(const struct bench_header *h, const struct bench_result *r, int n, FILE *out)
{
	header_line(h, out);
	fprintf(out, "%-15s %-7s %10s %9s %10s %10s %6s %5s %-4s %s\n", "case", "where", "cycles/op", "ns/op",
		"min", "p99", "CV%", "used", "", "evidence");
	for (int i = 0; i < n; i++) {
		const struct bench_result *x = &r[i];
		if (x->status != BENCH_OK) {
			fprintf(out, "%-15s %-7s %s: %s\n", x->c->name, "-", bench_status_name(x->status), x->detail);
			continue;
		}
		char spread[32];
		if (bench_spread_absolute(x))
			snprintf(spread, sizeof(spread), "±%.0fc", bench_spread_cycles(x));
		else
			snprintf(spread, sizeof(spread), "%.1f", 100 * x->net.cv);
		fprintf(out, "%-15s %-7s %10.0f %9.1f %10.0f %10.0f %6s %2llu/%-2llu %-4s %s\n", x->c->name,
			bench_where_name(x->verdict.where), x->net.median, to_ns(x->net.median, h->tsc_khz),
			x->net.min, x->net.p99, spread, (unsigned long long)x->used,
			(unsigned long long)x->samples, dominated(h, x) ? "EMUL" : "", x->verdict.evidence);
	}
	fprintf(out, "cycles/op: median over samples of (op loop - empty loop) / N; used: samples without a\n"
		"preemption of the vCPU thread / samples; where: derived from counters (docs/measurement.md)\n");
	for (int i = 0; i < n; i++)
		if (bench_spread_absolute(&r[i])) {
			fprintf(out, "CV%% ±Nc: the median is near zero (below its own spread or a tenth of an empty-loop\n"
				"iteration), so the spread is the samples' standard deviation in cycles, not a percentage\n");
			break;
		}
	for (int i = 0; i < n; i++) {
		const char *why = bench_spread_reason(&r[i]);
		if (why)
			fprintf(out, "CV above %.0f%%: %-15s %s\n", 100 * BENCH_CV_GOAL, r[i].c->name, why);
	}
}

void bench_report_csv(const struct bench_header *h, const struct bench_result *r, int n, FILE *out)
{
	fprintf(out, "case,status,where,emulation_dominated,emulated_op,cycles_median,cycles_min,cycles_p99,"
		"cycles_max,cv,ns_median,loop_cycles_median,iters,samples,backend,tsc_khz,evidence\n");
	for (int i = 0; i < n; i++) {
		const struct bench_result *x = &r[i];
		fprintf(out, "%s,%s,%s,%d,%d,%.1f,%.1f,%.1f,%.1f,%.5f,%.2f,%.1f,%llu,%llu,%s,%llu,\"%s\"\n",
			x->c->name, bench_status_name(x->status),
			x->status == BENCH_OK ? bench_where_name(x->verdict.where) : "",
			dominated(h, x), x->verdict.emulated, x->net.median, x->net.min, x->net.p99, x->net.max,
			x->net.cv, to_ns(x->net.median, h->tsc_khz), x->loop.median,
			(unsigned long long)x->iters, (unsigned long long)x->samples, h->host->backend,
			(unsigned long long)h->tsc_khz, x->status == BENCH_OK ? x->verdict.evidence : x->detail);
	}
}

static void json_summary(struct json *j, const struct summary *s, uint64_t khz, bool ns)
{
	double f = ns ? (khz ? 1e6 / (double)khz : 0) : 1;

	json_obj(j);
	json_key(j, "min");    json_double(j, s->min * f);
	json_key(j, "median"); json_double(j, s->median * f);
	json_key(j, "p99");    json_double(j, s->p99 * f);
	json_key(j, "max");    json_double(j, s->max * f);
	json_key(j, "mean");   json_double(j, s->mean * f);
	json_key(j, "cv");     json_double(j, s->cv);
	json_obj_end(j);
}

void bench_report_json(const struct bench_header *h, const struct bench_result *r, int n, FILE *out)
{
	struct json jj = { .out = out }, *j = &jj;

	json_envelope(j, "bench", h->host, h->kvm);
	json_key(j, "tsc_khz");
	json_u64_or_null(j, h->tsc_khz, h->tsc_khz);
	json_key(j, "load_average");
	json_double_or_null(j, h->load1 >= 0, h->load1);
	json_key(j, "cv_goal"); json_double(j, BENCH_CV_GOAL);
	json_key(j, "calibration");
	json_obj(j);
	json_key(j, "ran");             json_bool(j, h->cal->ran);
	json_key(j, "emulated");        json_bool(j, h->cal->emulated);
	json_key(j, "cycles_per_iter"); json_double(j, h->cal->cycles_per_iter);
	json_key(j, "note");            json_str(j, h->cal->note);
	json_obj_end(j);
	json_key(j, "config");
	json_obj(j);
	json_key(j, "iters");   json_u64(j, h->opts->iters);
	json_key(j, "repeat");  json_u64(j, h->opts->repeat);
	json_key(j, "timeout"); json_double(j, h->opts->timeout);
	json_key(j, "filter");  json_str(j, h->opts->filter);
	json_obj_end(j);
	json_key(j, "method");
	json_obj(j);
	json_key(j, "timing");     json_str(j, BENCH_TIMING);
	json_key(j, "net");        json_str(j, BENCH_NET);
	json_key(j, "where");      json_str(j, BENCH_WHERE);
	json_key(j, "percentile"); json_str(j, "nearest rank over the samples; cv = sample stddev / mean");
	json_key(j, "disturbed");  json_str(j, BENCH_DISTURBED);
	json_obj_end(j);
	json_key(j, "cases");
	json_arr(j);
	for (int i = 0; i < n; i++) {
		const struct bench_result *x = &r[i];
		bool ok = x->samples > 0;
		json_obj(j);
		json_key(j, "name");    json_str(j, x->c->name);
		json_key(j, "what");    json_str(j, x->c->what);
		char pl[64];
		snprintf(pl, sizeof(pl), "bench/%s", x->c->name);
		json_key(j, "payload"); json_str(j, pl);
		json_key(j, "status");  json_str(j, bench_status_name(x->status));
		json_key(j, "detail");  json_str(j, x->status == BENCH_OK ? NULL : x->detail);
		json_key(j, "iters");   json_u64(j, x->iters);
		json_key(j, "samples"); json_u64(j, x->samples);
		json_key(j, "samples_disturbed"); json_u64(j, x->disturbed);
		json_key(j, "samples_used");      json_u64(j, x->used);
		json_key(j, "cycles_per_op"); if (ok) json_summary(j, &x->net, h->tsc_khz, false); else json_null(j);
		json_key(j, "cycles_per_op_samples");
		json_arr(j);
		for (uint64_t s = 0; ok && x->net_samples && s < x->used; s++)
			json_double(j, x->net_samples[s]);
		json_arr_end(j);
		json_key(j, "ns_per_op");
		if (ok && h->tsc_khz) json_summary(j, &x->net, h->tsc_khz, true); else json_null(j);
		json_key(j, "loop_cycles_per_iter"); if (ok) json_summary(j, &x->loop, h->tsc_khz, false); else json_null(j);
		json_key(j, "where");          json_str(j, ok ? bench_where_name(x->verdict.where) : NULL);
		json_key(j, "where_evidence"); json_str(j, ok ? x->verdict.evidence : NULL);
		json_key(j, "emulated_op");    json_bool(j, x->verdict.emulated);
		json_key(j, "emulation_dominated"); json_bool(j, dominated(h, x));
		json_key(j, "moved");
		json_obj(j);
		for (int m = 0; m < x->nmove; m++) {
			json_key(j, x->move[m].name);
			json_double(j, x->move[m].per_op);
		}
		json_obj_end(j);
		json_key(j, "cv_above_goal"); json_bool(j, bench_spread_reason(x) != NULL);
		json_key(j, "spread_reason"); json_str(j, bench_spread_reason(x));
		json_key(j, "spread_kind");   json_str(j, ok ? (bench_spread_absolute(x) ? "absolute" : "relative") : NULL);
		json_key(j, "spread_cycles"); json_double_or_null(j, ok, bench_spread_cycles(x));
		json_key(j, "wall_seconds"); json_double(j, x->wall_seconds);
		json_key(j, "exits");        json_raw(j, x->exits_json);   /* the case's whole run */
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
	fputc('\n', out);
}
