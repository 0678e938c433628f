/*
 * bench_run.c - one bench case: a fresh VM, the case payload, and counters
 * snapshotted at every phase boundary the guest reports.
 *
 * The payload (timing.inc BENCH_MAIN) sends, per sample, "bench.sample"
 * before its empty loop, "bench.loop_cycles" after it and "bench.op_cycles"
 * after the op loop.  Each report is an exit, so at each one kvmlab reads
 * its own counters and KVM's per-vCPU stats.  (op phase - empty phase) per
 * sample is what the operation alone moved: the report exits, the timing
 * code and the loop are in both phases and cancel.  Nothing is looked up.
 */
#define _GNU_SOURCE             /* RUSAGE_THREAD */
#include <stdlib.h>
#include <sys/resource.h>
#include <string.h>
#include <unistd.h>

#include "kvmlab.h"

#define KSTATS_MAX 160                  /* per-vCPU stats read per snapshot */
#define MOVE_MIN   0.005                /* smaller per-op movements are noise: not listed */
#define RAM_BASE   (4ULL << 20)         /* below this: payload, stack, page tables */

struct snap {
	uint64_t kvm[KSTATS_MAX];
	uint64_t reason[EXIT_REASON_MAX];
	uint64_t exits, coalesced, doorbell;
	uint64_t minflt;                /* host page faults of this thread (getrusage(2)) */
	uint64_t nivcsw;                /* times this thread was descheduled involuntarily */
	uint64_t runs;                  /* KVM_RUN calls so far: the index of the next one */
};

struct bench_state {
	struct bench_result *r;
	double *loop, *op;              /* raw cycles per sample */
	bool *disturbed;                /* the vCPU thread was preempted during the sample */
	uint64_t *bounds;               /* --ktrace: per sample, s0/s1/s2.runs (3 per sample) */
	uint64_t repeat;
	struct snap s0, s1, s2;
	double acc_kvm[KSTATS_MAX], acc_reason[EXIT_REASON_MAX];
	double acc_exits, acc_coalesced, acc_doorbell, acc_minflt;
	uint64_t pending_loop;
	int phase;                      /* 0: expect sample, 1: loop, 2: op */
};

static void snap_take(struct vcpu *v, struct snap *s)
{
	const struct kvm_stats *st = &v->stats;

	for (int i = 0; i < st->n && i < KSTATS_MAX; i++)
		if (pread(st->fd, &s->kvm[i], sizeof(uint64_t), st->data_offset + st->offset[i]) != sizeof(uint64_t))
			s->kvm[i] = 0;
	for (int i = 0; i < EXIT_REASON_MAX; i++)
		s->reason[i] = v->ctr.reason[i].count;
	s->exits = v->ctr.total_exits;
	s->runs = v->ctr.kvm_run_calls;
	s->coalesced = v->ctr.coalesced;
	s->doorbell = benchdev_doorbell_read(v->vm);
	/* KVM's emulator writes guest RAM through our mapping: a first touch can
	 * be a fault of the host kernel on kvmlab's memory, not a KVM stat. */
	struct rusage ru;
	bool ok = getrusage(RUSAGE_THREAD, &ru) == 0;
	s->minflt = ok ? (uint64_t)ru.ru_minflt : 0;
	s->nivcsw = ok ? (uint64_t)ru.ru_nivcsw : 0;
}

/* (s2 - s1) - (s1 - s0): what the op phase moved beyond the empty phase. */
static double diff2(uint64_t s0, uint64_t s1, uint64_t s2)
{
	return ((double)s2 - (double)s1) - ((double)s1 - (double)s0);
}

static void bench_hook(struct vcpu *v, const struct report_entry *e, void *arg)
{
	struct bench_state *b = arg;
	struct bench_result *r = b->r;

	if (!strcmp(e->text, "bench.sample")) {
		snap_take(v, &b->s0);
		b->phase = 1;
	} else if (!strcmp(e->text, "bench.loop_cycles") && b->phase == 1) {
		snap_take(v, &b->s1);
		b->pending_loop = e->value;
		b->phase = 2;
	} else if (!strcmp(e->text, "bench.op_cycles") && b->phase == 2 && r->samples < b->repeat) {
		snap_take(v, &b->s2);
		for (int i = 0; i < v->stats.n && i < KSTATS_MAX; i++)
			b->acc_kvm[i] += diff2(b->s0.kvm[i], b->s1.kvm[i], b->s2.kvm[i]);
		for (int i = 0; i < EXIT_REASON_MAX; i++)
			b->acc_reason[i] += diff2(b->s0.reason[i], b->s1.reason[i], b->s2.reason[i]);
		b->acc_exits += diff2(b->s0.exits, b->s1.exits, b->s2.exits);
		b->acc_coalesced += diff2(b->s0.coalesced, b->s1.coalesced, b->s2.coalesced);
		b->acc_doorbell += diff2(b->s0.doorbell, b->s1.doorbell, b->s2.doorbell);
		b->acc_minflt += diff2(b->s0.minflt, b->s1.minflt, b->s2.minflt);
		if (b->bounds) {
			b->bounds[3 * r->samples] = b->s0.runs;
			b->bounds[3 * r->samples + 1] = b->s1.runs;
			b->bounds[3 * r->samples + 2] = b->s2.runs;
		}
		b->disturbed[r->samples] = b->s2.nivcsw != b->s0.nivcsw;
		r->disturbed += b->disturbed[r->samples];
		b->loop[r->samples] = (double)b->pending_loop;
		b->op[r->samples] = (double)e->value;
		r->samples++;
		b->phase = 0;
	} else if (!strcmp(e->text, "bench.iters")) {
		r->iters = e->value;
	}
}

static void add_move(struct bench_result *r, const char *prefix, const char *name, double acc, double ops)
{
	double per_op = ops > 0 ? acc / ops : 0;

	if (r->nmove >= BENCH_MOVES_MAX || (per_op < MOVE_MIN && per_op > -MOVE_MIN))
		return;
	snprintf(r->move[r->nmove].name, sizeof(r->move[0].name), "%.7s%.40s", prefix, name);
	r->move[r->nmove].per_op = per_op;
	r->nmove++;
}

static void bench_moves(struct bench_result *r, struct bench_state *b, const struct vcpu *v)
{
	double ops = (double)r->iters * (double)r->samples;

	add_move(r, "kvmlab.", "exits", b->acc_exits, ops);
	for (int i = 0; i < EXIT_REASON_MAX; i++)
		if (b->acc_reason[i] != 0)
			add_move(r, "kvmlab.", exit_reason_name(i), b->acc_reason[i], ops);
	add_move(r, "kvmlab.", "doorbell_signals", b->acc_doorbell, ops);
	add_move(r, "kvmlab.", "coalesced_writes", b->acc_coalesced, ops);
	add_move(r, "host.", "minor_faults", b->acc_minflt, ops);
	for (int i = 0; i < v->stats.n && i < KSTATS_MAX; i++)
		if (b->acc_kvm[i] != 0)
			add_move(r, "kvm.", v->stats.stat[i].name, b->acc_kvm[i], ops);
}

/* The events of KVM_RUNs [from, to) of kind k ("to user space": a KVM_EXIT_*, not EINTR). */
static double trace_sum(const struct ktrace_result *k, uint64_t from, uint64_t to, int kind)
{
	double n = 0;

	for (uint64_t i = from; i < to && i < k->nruns; i++)
		n += kind >= 0 ? k->runs[i].counts[kind]
			       : (k->runs[i].user_reason >= 0 && k->runs[i].user_errno == 0);
	return n;
}

/* --ktrace: (op phase - empty phase) of every event kind, per op, as trace.* moves,
 * and the verdict they give.  The trace's KVM_RUNs are kvmlab's, one to one, only if
 * it saw every one and lost none: otherwise no trace verdict. */
static void bench_trace(struct bench_result *r, const struct bench_state *b, const struct vcpu *v,
			const struct ktrace_result *k)
{
	static const int kinds[] = { KT_EXIT, KT_EMULATE, KT_PAGE_FAULT, KT_PIO, KT_MMIO, KT_MSR, KT_CPUID,
				     KT_INJ_EXCEPTION, KT_MMU };
	double ops = (double)r->iters * (double)r->samples;

	if (k->nruns != v->ctr.kvm_run_calls || k->lost || k->lost_unknown) {
		snprintf(r->trace_why, sizeof(r->trace_why), "the trace has %zu of %llu KVM_RUNs%s", k->nruns,
			 (unsigned long long)v->ctr.kvm_run_calls, k->lost || k->lost_unknown ? ", events lost" : "");
		return;
	}
	for (int x = -1; x < (int)(sizeof(kinds) / sizeof(kinds[0])); x++) {
		int kind = x < 0 ? -1 : kinds[x];
		double acc = 0;
		for (uint64_t s = 0; s < r->samples; s++) {
			const uint64_t *bd = &b->bounds[3 * s];
			acc += trace_sum(k, bd[1], bd[2], kind) - trace_sum(k, bd[0], bd[1], kind);
		}
		add_move(r, "trace.", kind < 0 ? "to_user_space" : ktrace_kind_name(kind), acc, ops);
	}
	bench_derive_trace(r->move, r->nmove, &r->trace_verdict);
	r->trace_valid = true;
}

static void bench_status(struct bench_result *r, const struct vcpu *v, uint64_t repeat)
{
	if (end_ok(v->end, v->exit_status) && r->samples == repeat) {
		r->status = BENCH_OK;
		return;
	}
	if (v->end == END_TIMEOUT && r->samples == 0) {
		/* Not one sample finished: the guest is stuck, e.g. vmcall on kvm_pvm. */
		r->status = BENCH_HANGS;
		snprintf(r->detail, sizeof(r->detail), "KVM_RUN did not return within %.3g s (watchdog)%s%.60s",
			 v->vm->cfg.timeout, v->end_insn[0] ? " at " : "", v->end_insn);
		return;
	}
	if (v->end == END_TIMEOUT) {
		/* Progress, but too slow for --timeout: a setting, not a hang. */
		r->status = BENCH_FAILED;
		snprintf(r->detail, sizeof(r->detail), "timed out after %llu of %llu samples (--timeout %.3g s): "
			 "lower --iters or --repeat", (unsigned long long)r->samples,
			 (unsigned long long)repeat, v->vm->cfg.timeout);
		return;
	}
	r->status = v->end == END_INTERNAL_ERROR ? BENCH_INTERNAL_ERROR : BENCH_FAILED;
	snprintf(r->detail, sizeof(r->detail), "%s: %.400s%s%.60s", end_name(v->end), v->end_detail,
		 v->end_insn[0] ? " at " : "", v->end_insn);
}

static void bench_fail(struct bench_result *r, const char *what, const char *why)
{
	r->status = BENCH_FAILED;
	snprintf(r->detail, sizeof(r->detail), "%.40s: %.400s", what, why);
}

void bench_run_case(struct kvm *k, const struct bench_case *c, const struct bench_opts *o,
		    struct bench_result *r)
{
	char path[4096], err[512];
	struct payload p;
	struct bench_state b = { .r = r, .repeat = o->repeat };

	memset(r, 0, sizeof(*r));
	r->c = c;
	snprintf(path, sizeof(path), "%s/bench/%s.bin", payload_dir(), c->name);
	if (payload_load(path, &p, err, sizeof(err)) != XC_OK) {
		bench_fail(r, "payload", err);
		return;
	}
	struct vm_config cfg = {
		.timeout = c->timeout > 0 && (o->timeout <= 0 || c->timeout < o->timeout) ? c->timeout : o->timeout,
		.bench_iters = o->iters, .bench_repeat = o->repeat, .hlt_continue = true,
		.report_hook = bench_hook, .report_hook_arg = &b,
	};
	/* RAM: the payload's minimum, or what the case touches at these settings. */
	uint64_t need = RAM_BASE + (uint64_t)c->bytes_per_iter * o->iters * o->repeat + (1ULL << 20);
	cfg.mem = payload_default_mem(&p, need);
	if (cfg.mem > MEM_MAX) {
		bench_fail(r, "--iters x --repeat", "this case would need more than 3 GiB of guest RAM");
		payload_free(&p);
		return;
	}
	b.loop = calloc(o->repeat, sizeof(double));
	b.op = calloc(o->repeat, sizeof(double));
	b.disturbed = calloc(o->repeat, sizeof(bool));
	struct ktrace_result kres = { 0 };
	bool traced = false;
	if (o->ktrace) {
		if (ktrace_start(err, sizeof(err)) != 0)
			snprintf(r->trace_why, sizeof(r->trace_why), "%.95s", err);
		else if (!(b.bounds = calloc(3 * (size_t)o->repeat, sizeof(uint64_t))))
			die(XC_HOST, "out of memory");
		else
			traced = cfg.ktrace = true;
	}
	struct run *run = RUN_NEW(struct run);
	if (!b.loop || !b.op || !b.disturbed || !run)
		die(XC_HOST, "out of memory");
	int rc = run_payload(run, k, &p, &cfg, err, sizeof(err));
	if (traced && ktrace_finish(&kres, err, sizeof(err)) != 0) {
		snprintf(r->trace_why, sizeof(r->trace_why), "%.95s", err);
		traced = false;
	}
	if (rc != XC_OK) {
		bench_fail(r, "setup", err);
	} else {
		bench_status(r, &run->vcpu, o->repeat);
		r->wall_seconds = run->wall_seconds;
		r->exits_json = json_exits_capture(&run->vcpu, &run->vm, run->tsc_khz);
		if (r->samples && r->iters) {
			double *net = calloc(r->samples, sizeof(double));
			double *loop = calloc(r->samples, sizeof(double));
			if (!net || !loop)
				die(XC_HOST, "out of memory");
			/* Samples during which the host descheduled the vCPU thread measure the
			 * machine's load, not the op: left out while at least half remain. */
			bool drop = r->samples - r->disturbed >= (r->samples + 1) / 2;
			size_t m = 0;
			for (uint64_t i = 0; i < r->samples; i++) {
				if (drop && b.disturbed[i])
					continue;
				net[m] = bench_net((uint64_t)b.op[i], (uint64_t)b.loop[i], r->iters);
				loop[m++] = b.loop[i] / (double)r->iters;
			}
			r->used = m;
			r->net_samples = malloc((m ? m : 1) * sizeof(double));
			if (!r->net_samples)
				die(XC_HOST, "out of memory");
			memcpy(r->net_samples, net, m * sizeof(double));   /* summary_double sorts net */
			summary_double(net, m, &r->net);
			summary_double(loop, m, &r->loop);
			free(loop);
			free(net);
			bench_moves(r, &b, &run->vcpu);
			bench_derive(r->move, r->nmove, &r->verdict);
			if (traced)
				bench_trace(r, &b, &run->vcpu, &kres);
		}
	}
	run_teardown(run);
	free(run);
	free(b.loop);
	free(b.op);
	free(b.disturbed);
	free(b.bounds);
	ktrace_result_free(&kres);
	payload_free(&p);
}

void bench_result_free(struct bench_result *r)
{
	free(r->exits_json);
	r->exits_json = NULL;
	free(r->net_samples);
	r->net_samples = NULL;
}

static const char *const status_names[] = {
	[BENCH_OK] = "ok", [BENCH_HANGS] = "hangs on this host",
	[BENCH_INTERNAL_ERROR] = "internal error", [BENCH_FAILED] = "failed",
};

const char *bench_status_name(enum bench_status s)
{
	return (unsigned)s <= BENCH_FAILED ? status_names[s] : "?";
}
