/*
 * exits_json.c - the one shape of an "exits" object (docs/json-schema.md, "exits").
 *
 * run, trace, bench cases, sensitive probes, iobench paths and each entry of
 * a run's vcpus array all write their exits here, so a reader parses one
 * object everywhere (schema version 4).
 */
#include <stdlib.h>

#include "kvmlab.h"

static void json_ns(struct json *j, double cycles, uint64_t tsc_khz)
{
	if (tsc_khz)
		json_double(j, cycles * 1e6 / (double)tsc_khz);
	else
		json_null(j);
}

static void json_exit_counter(struct json *j, const struct counters *c, const struct exit_counter *e,
			      uint64_t tsc_khz)
{
	const struct sample_store *st = &e->samples;
	const struct exit_figures *f = counters_figures(c, e);
	struct summary sum;

	summary_u32(st->v, st->n, &sum);
	json_obj(j);
	json_key(j, "count");       json_u64(j, e->count);
	json_key(j, "cycles_min");  json_u64(j, f->tsc_min);
	json_key(j, "cycles_mean"); json_u64(j, e->count ? f->tsc_sum / e->count : 0);
	json_key(j, "cycles_max");  json_u64(j, f->tsc_max);
	json_key(j, "ns_mean");
	if (tsc_khz && e->count)
		json_double(j, (double)f->tsc_sum / e->count * 1e6 / (double)tsc_khz);
	else
		json_null(j);
	/* Percentiles from the sample store (samples.c): exact unless a reservoir. */
	json_key(j, "cycles_median"); json_double(j, sum.median);
	json_key(j, "cycles_p99");    json_double(j, sum.p99);
	json_key(j, "ns_min");        json_ns(j, (double)f->tsc_min, tsc_khz);
	json_key(j, "ns_median");     json_ns(j, sum.median, tsc_khz);
	json_key(j, "ns_p99");        json_ns(j, sum.p99, tsc_khz);
	json_key(j, "ns_max");        json_ns(j, (double)f->tsc_max, tsc_khz);
	json_key(j, "samples");       json_u64(j, st->n);
	json_key(j, "percentiles_exact"); json_bool(j, samples_exact(st));
	json_key(j, "histogram_log2");  /* bucket i: round trips of [2^i, 2^(i+1)) cycles */
	json_obj(j);
	for (int b = 0; b < HIST_BUCKETS; b++) {
		if (!f->hist[b])
			continue;
		char k[12];             /* any int: -O1 -fsanitize builds check the bound */
		snprintf(k, sizeof(k), "%d", b);
		json_key(j, k);
		json_u64(j, f->hist[b]);
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

void json_exits(struct json *j, const struct vcpu *v, const struct vm *vm, uint64_t tsc_khz)
{
	json_obj(j);
	json_key(j, "total");         json_u64(j, v->ctr.total_exits);
	json_key(j, "kvm_run_calls"); json_u64(j, v->ctr.kvm_run_calls);
	json_key(j, "eintr");         json_u64(j, v->ctr.eintr);
	json_key(j, "timing");        json_str(j, EXIT_TIMING_METHOD);
	/* Observed, not assumed: did KVM's emulator run guest code during this run? */
	const struct kvm_stat *emu = v->stats.fd >= 0 ? kvmstats_find(&v->stats, "insn_emulation") : NULL;
	json_key(j, "emulated_instructions");
	json_u64_or_null(j, emu, emu ? kvmstats_delta(emu) : 0);
	json_key(j, "round_trips_include_emulation");
	json_bool_or_null(j, emu, emu && kvmstats_delta(emu) > 0);
	json_key(j, "by_reason");
	json_obj(j);
	for (uint32_t i = 0; i < EXIT_REASON_MAX; i++) {
		if (!v->ctr.reason[i].count)
			continue;
		json_key(j, exit_reason_name(i));
		json_exit_counter(j, &v->ctr, &v->ctr.reason[i], tsc_khz);
	}
	if (v->ctr.other.count) {
		json_key(j, "OTHER");
		json_exit_counter(j, &v->ctr, &v->ctr.other, tsc_khz);
	}
	json_obj_end(j);
	json_key(j, "ports"); json_accesses(j, v->ctr.port, v->ctr.nports, true, vm);
	json_key(j, "ports_overflow"); json_u64(j, v->ctr.port_overflow);
	json_key(j, "mmio");  json_accesses(j, v->ctr.mmio, v->ctr.nmmio, false, vm);
	json_key(j, "mmio_overflow"); json_u64(j, v->ctr.mmio_overflow);
	json_key(j, "msrs");  json_msrs(j, &v->ctr);
	json_key(j, "msrs_overflow"); json_u64(j, v->ctr.msr_overflow);
	json_key(j, "coalesced_mmio_writes"); json_u64(j, v->ctr.coalesced);
	json_key(j, "doorbell_signals"); json_u64(j, vm->bench.doorbell_rings);
	json_key(j, "percentile_method"); json_str(j, PERCENTILE_METHOD);
	json_key(j, "vmm_cycles");    json_u64(j, v->ctr.vmm_cycles);
	json_key(j, "samples_max");   json_u64(j, SAMPLES_MAX);
	json_obj_end(j);
}

char *json_exits_capture(const struct vcpu *v, const struct vm *vm, uint64_t tsc_khz)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	struct json j = { .out = f };
	json_exits(&j, v, vm, tsc_khz);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
