/*
 * vmm/measure/measure.h - measurement: kvmlab's counters in the run loop, KVM's binary stats,
 * sample stores and statistics, calibration, `kvmlab bench`, the
 * sensitive-instruction catalogue and the single-step tracer.
 */
#ifndef KVMLAB_MEASURE_H
#define KVMLAB_MEASURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <pthread.h>
#include <linux/kvm.h>

#include "vmm/core/core.h"

/* ---- samples.c: a bounded store of per-exit round-trip times ---- */
#define SAMPLES_MAX       65536         /* per exit reason: exact percentiles up to here */
#define SAMPLES_BATCH     1024          /* past it, counters_exit's values wait here for the reservoir */
#define SAMPLE_SATURATED  UINT32_MAX    /* a round trip of 2^32 cycles or more (~2 s): stored as this */
struct sample_store {
	uint32_t *v;                    /* cycles, saturated at SAMPLE_SATURATED; SAMPLES_MAX +
					 * SAMPLES_BATCH slots of address space reserved at the
					 * first value, touched as filled */
	uint32_t n;                     /* values held: v[0..min(n, SAMPLES_MAX)) the store, and
					 * v[SAMPLES_MAX..n) a batch still to go into the reservoir */
	uint64_t seen;                  /* values offered (n == min(seen, SAMPLES_MAX) once flushed) */
	uint64_t rng;                   /* reservoir sampling state (deterministic) */
};
/* Keeps every value up to SAMPLES_MAX, then a uniform reservoir of that size
 * (Vitter's algorithm R).  A value of 2^32 or more is kept as SAMPLE_SATURATED
 * (min, max and sum of struct exit_counter stay exact).  Returns -1 only when
 * the first value's address space cannot be reserved. */
int  samples_add(struct sample_store *s, uint64_t x);
/* Puts a batch that counters_exit appended past SAMPLES_MAX (each value
 * already counted in seen) into the reservoir, value by value, exactly as
 * samples_add would have: the same slots, the same generator.  n <= SAMPLES_MAX after. */
void samples_flush(struct sample_store *s);
void samples_free(struct sample_store *s);              /* frees v; s is empty again */
bool samples_exact(const struct sample_store *s);       /* no value was dropped */


/* ---- summary.c: order statistics and spread (pure, unit-tested) ---- */
struct summary {
	uint64_t n;
	double min, median, p99, max, mean;
	double cv;                      /* sample standard deviation / mean; 0 when n < 2 */
};
/* Summarise v; summary_double sorts v in place, summary_u64 leaves it alone.
 * All fields are 0 when n == 0. */
void summary_u64(uint64_t *v, size_t n, struct summary *out);
void summary_u32(const uint32_t *v, size_t n, struct summary *out);    /* as summary_u64 */
void summary_double(double *v, size_t n, struct summary *out);
/* Nearest-rank percentile (p in [0,100]) of sorted v[0..n-1], n >= 1. */
double percentile_sorted(const double *v, size_t n, double p);


/* ---- counters.c: kvmlab's own accounting, kept in the run loop ---- */
#define EXIT_REASON_MAX   64            /* > every KVM_EXIT_* in linux/kvm.h */
#define MSR_KEYS_MAX      64
#define HIST_BUCKETS      40            /* log2 buckets of TSC cycles */
#define PORT_KEYS_MAX     256
#define MMIO_KEYS_MAX     256
/* One exit reason's row: what an exit updates, the count and the sample
 * store, 48 bytes, so the rows of every reason and the first port keys share
 * the vCPU's first page with the run loop's own fields (vm.h).  Sum, min, max
 * and histogram (struct exit_figures) are computed from the stored values
 * later (counters_settle), so they stay exact at no cost per exit; a value
 * the store cannot keep as it is (the first, or one of 2^32 cycles or more)
 * goes into them at once.  Once the store is full, values are appended to a
 * batch past it, and every SAMPLES_BATCH exits the slow path takes them into
 * the figures and the reservoir in one loop. */
struct exit_counter {
	uint64_t count;
	struct sample_store samples;         /* the round trips themselves, for percentiles */
	uint32_t settled;                    /* samples.v[0..settled) are in its figures */
};
/* A row's figures, valid after counters_settle (counters_figures finds them). */
struct exit_figures {
	uint64_t figures;                    /* values in them (count, once settled) */
	uint64_t tsc_sum, tsc_min, tsc_max;  /* KVM_RUN round trip that ended in this exit */
	uint64_t hist[HIST_BUCKETS];         /* hist[i]: round trips in [2^i, 2^(i+1)) cycles */
};
struct access_key {
	uint64_t addr;                  /* port or GPA */
	uint32_t size;                  /* bytes per element */
	uint8_t  write;                 /* 1 = out / write */
	uint8_t  claimed;               /* a device answered */
	uint64_t count;                 /* exits */
	uint64_t elems;                 /* elements transferred (string I/O moves several per exit) */
};
struct counters {
	/* First, what every exit touches, in one cache line (docs/measurement.md). */
	uint64_t total_exits;
	uint64_t kvm_run_calls;         /* includes EINTR returns */
	uint64_t vmm_cycles;            /* TSC cycles in kvmlab between one KVM_RUN and the next */
	uint64_t eintr;
	int nports;
	struct exit_counter reason[EXIT_REASON_MAX];
	struct exit_counter other;      /* reasons >= EXIT_REASON_MAX */
	struct access_key port[PORT_KEYS_MAX];
	uint64_t port_overflow;         /* distinct keys beyond PORT_KEYS_MAX */
	struct access_key mmio[MMIO_KEYS_MAX];
	int nmmio;
	uint64_t mmio_overflow;
	/* Exit accounting (docs/measurement.md): per-MSR counts, coalesced MMIO
	 * writes drained from the ring. */
	struct access_key msr[MSR_KEYS_MAX];
	int nmsr;
	uint64_t msr_overflow;
	uint64_t coalesced;             /* writes KVM queued in the coalesced-MMIO ring */
	/* Cold, read after the run: each row's figures. */
	struct exit_figures fig[EXIT_REASON_MAX];
	struct exit_figures fig_other;
};
/* The figures of row e of c (one of c->reason[], or &c->other); writable
 * when c is, as strchr's result is. */
static inline struct exit_figures *counters_figures(const struct counters *c, const struct exit_counter *e)
{
	return (struct exit_figures *)(e == &c->other ? &c->fig_other : &c->fig[e - c->reason]);
}
unsigned hist_bucket(uint64_t cycles);  /* floor(log2(cycles)), capped at HIST_BUCKETS - 1 */
/* counters_exit's other cases, out of line: the figures take the value now. */
void counters_exit_slow(struct counters *c, struct exit_counter *e, uint64_t cycles);
/* Counts one exit of reason and its KVM_RUN round trip (count, sample; min,
 * max, sum and histogram by counters_settle).  Inline: after KVM_RUN every
 * instruction and taken branch of the exit path is paid again, so the common
 * case is a few stores into one cache line (docs/measurement.md). */
static inline __attribute__((always_inline)) void counters_exit(struct counters *c, uint32_t reason, uint64_t cycles)
{
	struct exit_counter *e = likely(reason < EXIT_REASON_MAX) ? &c->reason[reason] : &c->other;
	struct sample_store *s = &e->samples;

	e->count++;
	c->total_exits++;
	if (likely(cycles < SAMPLE_SATURATED && s->v != NULL && s->n < SAMPLES_MAX + SAMPLES_BATCH)) {
		s->v[s->n++] = (uint32_t)cycles;
		s->seen++;
		return;
	}
	counters_exit_slow(c, e, cycles);
}
/* Brings min, max, sum and histogram of every reason up to date (idempotent);
 * the run loop calls it when it ends, before anything reads them. */
void counters_settle(struct counters *c);
void counters_free(struct counters *c);     /* the sample stores */
/* Counts one access; returns 1 if this (addr, size, direction) is new. */
int  counters_access(struct access_key *keys, int *n, int max, uint64_t *overflow,
		     uint64_t addr, uint32_t size, bool write, bool claimed, uint64_t elems);
/* counters_access, returning the key it counted in (NULL: the table was full,
 * counted in *overflow); *fresh as counters_access's result. */
struct access_key *counters_access_key(struct access_key *keys, int *n, int max, uint64_t *overflow,
				       uint64_t addr, uint32_t size, bool write, bool claimed, uint64_t elems,
				       int *fresh);


/* ---- kvmstats.c: KVM's binary statistics (KVM_GET_STATS_FD, api.rst 4.133) ---- */
struct kvm_stat {
	char name[48];
	uint32_t flags;                 /* KVM_STATS_TYPE_* | UNIT | BASE */
	uint64_t before, after;
};
struct kvm_stats {
	int fd;                         /* -1: not available */
	struct kvm_stat *stat;
	int n;
	uint32_t data_offset;
	uint32_t *offset;               /* per stat: offset of its value in the data block */
};
/* Opens the stats fd of a VM or vCPU fd; on failure st->fd = -1 and the run goes on. */
void kvmstats_open(struct kvm_stats *st, int owner_fd);
int  kvmstats_sample(struct kvm_stats *st, bool after);   /* 0 ok */
void kvmstats_close(struct kvm_stats *st);                /* closes the fd, frees the table */
const struct kvm_stat *kvmstats_find(const struct kvm_stats *st, const char *name);   /* NULL: absent */
/* after - before for cumulative stats; after for instant/peak. */
uint64_t kvmstats_delta(const struct kvm_stat *s);


/* ---- calibrate.c: does this host run guest instructions natively? ---- */
#define CAL_LOOP_INSNS 3                /* nop; dec ecx; jnz */
struct calibration {
	bool ran;
	uint64_t loop_iters;
	uint64_t insn_emulation;        /* delta of the vCPU stat, or 0 */
	bool emulated;                  /* insn_emulation grew with the loop */
	bool have_stat;                 /* the insn_emulation stat exists */
	double cycles_per_iter;         /* host TSC cycles / iteration of a 3-instruction loop */
	uint64_t tsc_khz;
	char note[160];
};
/* Runs the calibration loop in throw-away VMs; c->ran false (with c->note) if it could not. */
void calibrate(struct kvm *k, struct calibration *c);


/* ---- sensitive.c: the sensitive-instruction catalogue as data ---- */
enum sens_class { SC_REFERENCE, SC_PRIVILEGED, SC_SENSITIVE_UNPRIV, SC_ALWAYS_INTERCEPTED, SC_COUNT };
enum sens_value { SV_NONE, SV_HEX, SV_ZF, SV_RFLAGS, SV_VENDOR };   /* how to show probe.value */
struct sens_insn {
	const char *name;               /* as payloads/cpu/probe.asm reports it */
	enum sens_class cls;
	bool robin_irvine;              /* in Robin & Irvine's sensitive-unprivileged list */
	enum sens_value value;
	const char *vmx;                /* what makes it exit in VMX non-root (SDM Vol. 3C ch. 26) */
	const char *svm;                /* the SVM intercept (APM Vol. 2 ch. 15) */
	const char *expect[2];          /* guest-visible outcome under KVM on VT-x/SVM: CPL 0, CPL 3 */
	struct sens_value_expect {      /* and the value it sees, where the architecture fixes it */
		bool set;
		uint64_t mask, value;   /* (observed & mask) == value */
	} expect_value[2];
};
extern const struct sens_insn sens_table[];
extern const int sens_count;
#define SENS_PROBE_ID(row, cpl) (2 * (row) + ((cpl) == 3))   /* probe.asm's row order */
const char *sens_class_name(enum sens_class c);         /* "?" out of range */
const char *exc_name(uint64_t vector);                  /* "#GP", "#UD", ... */
/* "#GP(0)", "#PF(0x2)", "#UD": the outcome text of a fault. */
void sens_fault_outcome(char *out, size_t n, uint64_t vector, uint64_t error);


/* ---- iobench.c: one I/O workload through each path (kvmlab iobench, docs/io.md) ---- */
#define IOB_REPEAT_MAX 15              /* --repeat at most (vmm/cli/opt_table.c checks it) */
enum iob_dev { DEV_UART, DEV_VIRTIO, DEV_SINK, DEV_BLK, DEV_BLK_VHOST, DEV_NET };
struct iob_path {
	const char *name;
	const char *payload;            /* in the catalogue */
	enum iob_dev dev;
	int notify;
	bool coalesced;
	const char *what;
	bool net;                       /* --net: needs root; runs only when asked for with --path */
};
extern const struct iob_path iob_paths[];
#define IOB_NPATHS 11
#define IOB_PARAMS 3                    /* = IOPARAM_COUNT (traps/devices/devices.h, a later layer) */
struct iob_result {
	bool ran;
	int exit_code;
	char detail[600];
	uint64_t cycles[IOB_REPEAT_MAX];
	int nrep;
	uint64_t cyc_med, cyc_min, cyc_max;
	uint64_t bytes;                 /* what the device received */
	uint64_t packets;               /* net paths: frames the device sent to the tap */
	uint32_t fnv;
	uint64_t exits, data_exits, kvm_exits, kvm_io_exits, kvm_mmio_exits;
	uint64_t guest_notifies, guest_interrupts, thread_wakeups, drained;
	bool have_kvm;
	uint64_t requests;              /* virtio-blk paths: requests (io/blk-verify reports them) */
	double vmm_cpu;                 /* seconds of CPU of the kvmlab process over the run (first run) */
	double backend_cpu;             /* DEV_BLK_VHOST: seconds of CPU of kvmlab-vhost-blk */
	bool have_backend_cpu;
	char *exits_json;               /* the first run's "exits" object, or NULL */
};

struct iobench {
	uint32_t param[IOB_PARAMS];     /* enum ioparam_id: total, chunk, batch */
	int repeat;                     /* runs per path */
	bool want[IOB_NPATHS];          /* the paths to run */
	struct iob_result res[IOB_NPATHS];
	uint64_t tsc_khz;               /* the guest TSC rate (the last run's) */
	uint32_t expected_fnv;          /* FNV-1a of the stream every path must deliver */
};
/* The index of the path called name, or -1. */
int  iob_path_find(const char *name);
/* The bytes a path's figures are per: the workload's total, or what a virtio-blk path moved. */
uint64_t iob_path_bytes(const struct iobench *b, int i);

/* ---- iob_backend.c: kvmlab-vhost-blk for iobench's vhost-user path ---- */
struct iob_backend {
	int pid;                        /* -1: not running */
	char dir[64], sock[80], disk[80], stats[80];
	double cpu_seconds;             /* its user + system CPU, from its --stats file */
	bool have_cpu;
};
/* Starts kvmlab-vhost-blk (beside the kvmlab binary) on a scratch disk and socket and waits
 * until it listens.  0, or -1 with err (then nothing is left behind). */
int  iob_backend_start(struct iob_backend *b, char *err, size_t errlen);
/* Waits for it to end (it does when kvmlab hangs up), reads its CPU time, removes its files. */
void iob_backend_finish(struct iob_backend *b);
struct kvm;
/* Runs every wanted path of b repeat times.  Returns XC_OK when each ran and
 * delivered the stream, XC_GUEST_FAIL when a device got the wrong bytes, else
 * the first failing run's exit code.  iob_free frees the results. */
int  iob_run(struct iobench *b, struct kvm *k);
void iob_free(struct iobench *b);
double iob_per_kib(uint64_t n, uint64_t bytes);                         /* n per KiB of bytes; 0 if none */
double iob_bytes_per_s(uint64_t bytes, uint64_t cycles, uint64_t khz);  /* at the guest TSC rate; 0 if unknown */


/* ---- sensitive_run.c: the catalogue run, one probe per fresh VM ---- */
#define SENS_PAYLOAD      "cpu/probe"
/* One probe's result: how its VM ended, what the guest saw, what KVM counted,
 * and how that compares with the catalogue and the expectations table. */
struct sens_probe {
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
	char reasons[48];               /* exits to kvmlab the instruction caused: "IO", "HLT" */
	uint64_t nexits;
	char *exits_json;               /* the run's "exits" object (json_exits_capture), or NULL */
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
	uint64_t run_count;             /* KVM_RUN calls kvmlab made for it */
	bool have_trace;                /* --ktrace: KVM's own events for this probe's KVM_RUNs */
	uint64_t t_exits;               /* kvm_exit events (0 where guest mode is not traced) */
	uint64_t t_emulated;            /* kvm_emulate_insn events */
	uint64_t t_faults;              /* kvm_page_fault events */
	uint64_t t_injected;            /* kvm_inj_exception events */
	uint64_t t_to_user;             /* KVM_RUNs that ended in user space (not EINTR) */
};

struct sens_catalogue {
	struct sens_probe *probe;       /* in probe-id order; sens_catalogue_free */
	int n;
	uint64_t tsc_khz;               /* the probe vCPUs' TSC rate, 0 = unknown */
	const char *reference;          /* "VMX" or "SVM": the vendor's (fact vendor) */
	bool ktrace;                    /* --ktrace was asked for */
	bool traced;                    /* ... and every probe's KVM_RUNs were recorded */
	bool guest_seen;                /* the trace has kvm_entry/kvm_exit: guest mode observable */
	char trace_why[128];            /* why not traced ("" when traced or not asked) */
	int untraced;                   /* traced, but these probes' traces were incomplete */
	char first_untraced[128];       /* why, for the first of them */
	char trace_clock[16];
};
struct kvm;
struct payload;
struct host_facts;
/* Runs every row whose name contains only (NULL: all; the nop row always runs)
 * at CPL 0 and 3, each in a fresh VM of the probe payload p, and judges each
 * outcome against the catalogue and the expectations of hf.  Returns XC_OK;
 * XC_INTERRUPTED when SIGINT/SIGTERM stopped it (c holds the probes so far); or
 * XC_HOST with err when a VM could not be set up or p is not the probe payload
 * (a stale build).  ktrace: record KVM's tracepoints for each probe (ktrace.c)
 * and fill the t_* counts; when it cannot record, c->trace_why says why and the
 * catalogue runs without it.  Free c with sens_catalogue_free either way. */
int  sens_catalogue_run(struct sens_catalogue *c, struct kvm *k, const struct payload *p,
			const struct host_facts *hf, const char *only, double timeout, bool ktrace,
			char *err, size_t errlen);
void sens_catalogue_free(struct sens_catalogue *c);     /* the probes and their exits */
/* Rows the filter selects (the nop row counts always); 0 matched = a usage error. */
int  sens_rows_selected(const char *only, int *matched);
/* probe.value as the table shows it: "-", "ZF=1 (allowed)", "\"Auth\"", "0x..." */
void sens_value_text(const struct sens_probe *pr, char *out, size_t n);
/* The nop probe at this CPL that completed with stats, or NULL: the baseline. */
const struct sens_probe *sens_nop_of(const struct sens_catalogue *c, int cpl);


/* ---- trace.c: single-stepping with KVM_SET_GUEST_DEBUG (api.rst 4.38) ---- */
enum bp_role {
	BP_START,                       /* --start: single-stepping begins here */
	BP_STOP,                        /* --stop: single-stepping ends here, the guest runs on */
	BP_BREAK,                       /* --break: report the hit, step over, go on */
};
struct trace_bp {
	uint64_t addr;                  /* linear address (DR0-DR3 compare linear addresses) */
	enum bp_role role;
	bool armed;                     /* its DR7 enable bit is set */
	uint64_t hits;
};
struct trace_insn {                     /* one instruction, read before it runs */
	const char *mode;               /* mode_of_sregs */
	int bits;                       /* decoding width: 16, 32 or 64 */
	uint16_t cs;
	uint64_t rip, linear;
	uint8_t bytes[15];
	int len;                        /* 0: bytes unreadable */
	char text[64];                  /* capstone disassembly, "" if undecodable */
};
struct trace_hit {                      /* one --break hit */
	int bp;                         /* index into trace.bp (= DR number) */
	uint64_t hit;                   /* 1 = first hit of this breakpoint */
	uint64_t after_step;            /* steps traced before it */
	struct trace_insn at;
	struct kvm_regs regs;
};
#define DEBUG_BREAKPOINTS_MAX 4         /* DR0-DR3: x86.h DEBUG_BREAKPOINTS */
#define TRACE_HITS_MAX   1024           /* --break hits kept for the report (more are counted) */
#define TRACE_MAX_STEPS_DEFAULT 10000
struct json;
/* The registers a trace step reports when they change (--regs): X(name, now, before)
 * for each, from the step's regs r / sregs s and the previous step's pr / ps. */
#define TRACE_REG_CHANGES(X, r, s, pr, ps) \
	X("rax", (r)->rax, (pr)->rax) \
	X("rbx", (r)->rbx, (pr)->rbx) \
	X("rcx", (r)->rcx, (pr)->rcx) \
	X("rdx", (r)->rdx, (pr)->rdx) \
	X("rsi", (r)->rsi, (pr)->rsi) \
	X("rdi", (r)->rdi, (pr)->rdi) \
	X("rsp", (r)->rsp, (pr)->rsp) \
	X("rbp", (r)->rbp, (pr)->rbp) \
	X("r8", (r)->r8, (pr)->r8) \
	X("r9", (r)->r9, (pr)->r9) \
	X("r10", (r)->r10, (pr)->r10) \
	X("r11", (r)->r11, (pr)->r11) \
	X("r12", (r)->r12, (pr)->r12) \
	X("r13", (r)->r13, (pr)->r13) \
	X("r14", (r)->r14, (pr)->r14) \
	X("r15", (r)->r15, (pr)->r15) \
	X("rflags", (r)->rflags, (pr)->rflags) \
	X("cr0", (s)->cr0, (ps)->cr0) \
	X("cr3", (s)->cr3, (ps)->cr3) \
	X("cr4", (s)->cr4, (ps)->cr4) \
	X("efer", (s)->efer, (ps)->efer) \
	X("cs", (s)->cs.selector, (ps)->cs.selector) \
	X("ds", (s)->ds.selector, (ps)->ds.selector) \
	X("es", (s)->es.selector, (ps)->es.selector) \
	X("ss", (s)->ss.selector, (ps)->ss.selector)

struct trace {
	/* options (cmd_trace.c) */
	uint64_t max_steps;             /* 0 = no limit */
	bool show_regs;                 /* --regs: changed registers per step */
	FILE *out;                      /* text lines, or NULL */
	struct json *json;              /* JSON step objects, or NULL */
	struct trace_bp bp[DEBUG_BREAKPOINTS_MAX];
	int nbp;
	/* state (trace.c) */
	bool stepping;                  /* KVM_GUESTDBG_SINGLESTEP is on for tracing */
	int over;                       /* breakpoint being stepped over, -1 none */
	uint64_t steps;                 /* instructions traced */
	uint64_t debug_exits;           /* KVM_EXIT_DEBUG seen */
	bool have_pending;
	struct trace_insn pending;      /* the instruction about to run */
	struct kvm_regs prev_regs;
	struct kvm_sregs prev_sregs;
	uint64_t prev_reason[EXIT_REASON_MAX];  /* exit counts at the previous step */
	uint64_t prev_console;          /* console bytes at the previous step */
	struct trace_hit *hits;
	int nhits;
	uint64_t hits_dropped;
};
/* Arms single-stepping and breakpoints on v before its first KVM_RUN; 0 or -1 with err. */
int  trace_attach(struct vcpu *v, struct trace *t, char *err, size_t errlen);
/* Called by traps/debug.c: the guest finished one instruction (DR6.BS). */
enum action trace_on_step(struct vcpu *v, struct trace *t);
/* Called by traps/debug.c: the guest reached breakpoint bp (DR6.B<bp>). */
enum action trace_on_break(struct vcpu *v, struct trace *t, int bp);
/* exit.c, after every exit under kvmlab trace: a's replacement.  ACT_STEP for
 * an exit other than the step while stepping (its instruction must complete as
 * one step: vcpu_run re-enters with immediate_exit); otherwise a. */
enum action trace_action(struct vcpu *v, struct trace *t, uint32_t reason, enum action a);
/* After the run: emits the instruction that ended it (hlt, the exit-port out, ...). */
void trace_finish(struct vcpu *v, struct trace *t);
void trace_free(struct trace *t);                       /* the hits kept */
const char *trace_bp_role(enum bp_role r);     /* "start", "stop", "break" */
/* trace_print.c: prints t->pending, which has just run, with the exits and
 * console bytes since the previous step; r/s (may be NULL) for --regs; ended
 * names the end it caused, or NULL. */
void trace_emit(struct vcpu *v, struct trace *t, const struct kvm_regs *r,
		const struct kvm_sregs *s, const char *ended);
/* trace_print.c: keeps (up to TRACE_HITS_MAX) and prints a hit of --break bp at t->pending. */
void trace_record_hit(struct trace *t, int bp);


/* ---- bench_derive.c: where an operation was handled, from counters (pure) ---- */
enum bench_where { WHERE_NONE, WHERE_KERNEL, WHERE_KVMLAB };
#define BENCH_MOVES_MAX 96
struct bench_move {                     /* one counter's movement per operation */
	char name[48];                  /* "kvmlab.exits", "kvmlab.IO", "kvm.exits", ... */
	double per_op;                  /* (op phase - empty phase) / (N x samples) */
};
struct bench_verdict {
	enum bench_where where;
	bool emulated;                  /* the op went through KVM's instruction emulator */
	char evidence[96];              /* the counter that decided, e.g. "kvmlab.exits 1.00/op" */
};
/* Decides from the moves: kvmlab if exits to kvmlab >= 0.5 per op; else the
 * kernel if any kernel work counter (KVM exits, io/mmio/halt exits,
 * hypercalls, page faults, TLB flushes, invlpg, doorbell signals, coalesced
 * writes, host page faults) moved >= 0.5 per op; else none.  emulated: insn_emulation >= 0.5. */
void bench_derive(const struct bench_move *m, int n, struct bench_verdict *out);
/* The same from the trace.* moves (--ktrace): kvmlab if KVM_RUNs that returned to user
 * space >= 0.5 per op; else the kernel if kvm_exit, kvm_page_fault, kvm_pio, kvm_mmio,
 * kvm_msr, kvm_cpuid, kvm_inj_exception or kvmmmu events >= 0.5 per op; else none.
 * emulated: kvm_emulate_insn >= 0.5 per op. */
void bench_derive_trace(const struct bench_move *m, int n, struct bench_verdict *out);
const char *bench_where_name(enum bench_where w);       /* "none", "kernel", "kvmlab" */
/* Net cycles per op of one sample: (op - loop) / iters, may be negative. */
double bench_net(uint64_t op_cycles, uint64_t loop_cycles, uint64_t iters);


/* ---- bench_cases.c, bench_run.c, bench_report.c: `kvmlab bench` (cmd_bench.c) ---- */
struct bench_case {
	const char *name;               /* also the payload: bench/<name> */
	const char *what;               /* one line for the table */
	uint32_t bytes_per_iter;        /* guest RAM the case needs per iteration and sample */
	double timeout;                 /* seconds; 0 = the --timeout value */
};
extern const struct bench_case bench_cases[];
extern const int bench_ncases;
enum bench_status { BENCH_OK, BENCH_HANGS, BENCH_INTERNAL_ERROR, BENCH_FAILED };
struct bench_result {
	const struct bench_case *c;
	enum bench_status status;
	char detail[512];               /* how the run ended, when not ok */
	uint64_t iters, samples;        /* N and the number of complete samples */
	uint64_t disturbed;             /* samples during which the vCPU thread was preempted */
	uint64_t used;                  /* samples the statistics are over */
	struct summary net;             /* cycles per op, net of the empty loop */
	double *net_samples;            /* the used samples' net cycles per op, in sample order:
					 * what a rank test compares (scripts/compare); malloc'd, caller frees */
	struct summary loop;            /* cycles per iteration of the empty loop */
	struct bench_move move[BENCH_MOVES_MAX];
	int nmove;
	struct bench_verdict verdict;
	double wall_seconds;
	char *exits_json;               /* the run's "exits" object (json_exits_capture), or NULL */
	/* --ktrace: the same verdict from KVM's own events (trace.* moves), if the trace
	 * covered the run (every KVM_RUN seen, nothing lost); else trace_why says why not. */
	bool trace_valid;
	struct bench_verdict trace_verdict;
	char trace_why[96];
};
struct bench_opts {
	uint32_t iters, repeat;
	double timeout;
	const char *filter;             /* comma-separated fnmatch patterns, NULL = all */
	bool ktrace;                    /* --ktrace: also derive "where" from KVM's tracepoints */
};
/* Runs one case in a fresh VM; the result says how it went (never fatal).
 * r->net_samples and r->exits_json are malloc'd: bench_result_free releases them. */
void bench_run_case(struct kvm *k, const struct bench_case *c, const struct bench_opts *o,
		    struct bench_result *r);
void bench_result_free(struct bench_result *r);         /* net_samples, exits_json; safe twice */
struct host_info;
struct calibration;
struct bench_header {
	const struct host_info *host;
	const struct kvm *kvm;
	const struct calibration *cal;
	const struct bench_opts *opts;
	uint64_t tsc_khz;
	double load1;                   /* 1-minute load average when bench started, -1 unknown */
};
/* bench_spread.c: NULL when the CV is within BENCH_CV_GOAL, else the likeliest reason (pure). */
#define BENCH_CV_GOAL 0.03
const char *bench_spread_reason(const struct bench_result *r);
/* The samples' standard deviation of net cycles per op; and whether the median is
 * so near zero (below that spread, or below a tenth of an empty-loop iteration)
 * that a relative spread (CV) means nothing and the report gives cycles instead. */
double bench_spread_cycles(const struct bench_result *r);
bool bench_spread_absolute(const struct bench_result *r);
/* bench_report_table/csv/json (vmm/report/bench_report.c) show the results. */
const char *bench_status_name(enum bench_status s);     /* "ok", "hangs on this host", "internal error", "failed" */

/* ---- facts_guest.c: host facts only a guest shows (ring0_emulated, cpuid_table.*) ---- */
/* From the calibration run cal, and probe VMs; cal NULL (--no-calibrate): all unknown. */
void facts_guest(struct host_facts *hf, struct kvm *k, const struct calibration *cal);


/* ---- ktrace.c, ktrace_join.c, ktrace_reasons.c: KVM's own tracepoints for this run ----
 * docs/ktrace.md.  ktrace.c records in a private tracefs instance (libtracefs);
 * ktrace_join.c turns the events into one row per KVM_RUN ioctl (pure, unit-tested). */
enum ktrace_kind {
	KT_RUN_ENTER,           /* syscalls:sys_enter_ioctl, cmd KVM_RUN: user -> kernel */
	KT_RUN_RET,             /* syscalls:sys_exit_ioctl after it: kernel -> user */
	KT_ENTRY,               /* kvm:kvm_entry: kernel -> guest (VMX/SVM) */
	KT_EXIT,                /* kvm:kvm_exit: guest -> kernel, code = hardware exit reason */
	KT_USER_EXIT,           /* kvm:kvm_userspace_exit: code = KVM_EXIT_*, err = errno */
	KT_EMULATE,             /* kvm:kvm_emulate_insn at the start of an emulation (as the
				 * insn_emulation stat counts: x86_decode_emulated_instruction) */
	KT_EMULATE_FAILED,      /* kvm:kvm_emulate_insn with failed=1: the same event again,
				 * reporting that emulation failed (not a second instruction) */
	KT_PAGE_FAULT,          /* kvm:kvm_page_fault */
	KT_PIO, KT_MMIO, KT_MSR, KT_CPUID,
	KT_INJ_EXCEPTION,       /* kvm:kvm_inj_exception, code = vector */
	KT_MMU,                 /* any kvmmmu:* event */
	KT_KINDS
};
struct ktrace_event {
	uint64_t ts;            /* trace clock ticks (ktrace_result.clock) */
	int32_t tid;            /* common_pid: the thread */
	uint16_t kind;          /* enum ktrace_kind */
	uint16_t flag;
	uint32_t code;
	uint32_t isa;           /* kvm_exit: KVM_ISA_VMX 1, KVM_ISA_SVM 2 (arch/x86/kvm/trace.h) */
	int32_t err;
	uint32_t seq;           /* input position (ktrace_join sets it) */
};
#define KTRACE_RUN_REASONS 4            /* distinct kvm_exit reasons kept per KVM_RUN */
#define KTRACE_REASONS_MAX 128          /* distinct reasons kept for the totals */
struct ktrace_count { uint32_t code, count; };
struct ktrace_krun {                    /* one KVM_RUN ioctl, from the kernel's side */
	int32_t tid;
	uint64_t t_enter, t_ret;        /* sys_enter_ioctl, sys_exit_ioctl (0: not seen) */
	uint64_t guest, kernel, user;   /* ticks: kvm_entry..kvm_exit; the rest of the ioctl;
					 * after it until this thread's next KVM_RUN */
	bool user_known;                /* a next KVM_RUN followed on this thread */
	uint32_t nexits;                /* kvm_exit events inside */
	struct ktrace_count reasons[KTRACE_RUN_REASONS];
	uint32_t nreasons, reasons_other;
	uint32_t counts[KT_KINDS];      /* events of each kind inside */
	int64_t user_reason;            /* KVM_EXIT_* of kvm_userspace_exit, -1 if none */
	int32_t user_errno;             /* its errno: 0, or -EINTR (-4) when a signal ended it */
};
struct ktrace_result {
	char clock[16];                 /* "x86-tsc" (ticks = TSC cycles) or "mono" (ns) */
	struct ktrace_krun *runs;
	size_t nruns;
	uint64_t counts[KT_KINDS];      /* every event recorded, by kind */
	uint64_t outside;               /* events on traced threads outside any KVM_RUN */
	uint64_t guest, kernel, user;   /* ticks, summed over runs */
	bool guest_seen;                /* any kvm_entry: guest mode is observable */
	struct ktrace_count reasons[KTRACE_REASONS_MAX];
	uint32_t nreasons, reasons_other;
	uint32_t isa;                   /* of the kvm_exit events, 0 if none */
	uint64_t user_reasons[64];      /* KVM_RUNs by KVM_EXIT_* of their kvm_userspace_exit */
	uint64_t interrupted;           /* KVM_RUNs ended by a signal (errno -EINTR) */
	uint64_t lost;                  /* events the ring buffer dropped (tep_record.missed_events) */
	bool lost_unknown;              /* the buffer dropped some, count unknown */
};
/* ktrace.c.  Starts recording (root, tracefs, the kvm events), first removing stale
 * instances of dead kvmlab processes.  0 on success; -1 with what is missing in why
 * (one line), and the run goes on without it.  At most one recording per process. */
int  ktrace_start(char *why, size_t whylen);
/* Adds the calling thread to the recording (set_event_pid); call on each vCPU thread
 * before its first KVM_RUN.  No-op when not recording. */
void ktrace_add_thread(void);
/* Stops, reads the buffer, joins it into res (heap: ktrace_result_free) and removes the
 * instance.  0, or -1 with why set (the instance is removed either way). */
int  ktrace_finish(struct ktrace_result *res, char *why, size_t whylen);
/* Removes the instance without reading it (error paths, exit): safe to call twice. */
void ktrace_stop(void);
/* Removes every kvmlab-PID instance whose process is gone; returns how many. */
int  ktrace_clean_stale(void);
/* ktrace_join.c: events (sorted here by ts, stable) -> res; 0, or -1 out of memory. */
int  ktrace_join(struct ktrace_event *ev, size_t n, struct ktrace_result *res);
void ktrace_result_free(struct ktrace_result *res);
/* ktrace_reasons.c: the name of hardware exit reason code for a backend
 * ("kvm_intel": SDM Vol. 3D App. C; "kvm_amd": APM Vol. 2 App. C); NULL when the
 * backend has no table or the code is not in it. */
const char *ktrace_reason_name(const char *backend, uint32_t code, char *buf, size_t n);
const char *ktrace_kind_name(int kind);         /* "kvm_emulate_insn", ... */

/* ---- live.c: run --live SECS, KVM's per-vCPU counters while the guest runs ---- */
#define LIVE_STATS_MAX   8              /* columns: live.c live_names */
#define LIVE_SAMPLES_MAX 86400          /* one a second for a day; more are counted, not kept */
struct live_sample {
	double t, dt;                   /* seconds since the start; since the previous sample */
	uint64_t cum[LIVE_STATS_MAX];   /* counts since the start, all vCPUs summed */
};
struct live {
	double interval;
	int nvcpus;
	struct kvm_stats st[VCPUS_MAX]; /* a stats fd per vCPU of the monitor's own */
	int nstats;
	const char *names[LIVE_STATS_MAX];
	struct live_sample *s;          /* written by the monitor; read after live_stop */
	size_t ns;
	uint64_t dropped;               /* samples past LIVE_SAMPLES_MAX */
	pthread_t thread;
	bool running;
	int stopfd;                     /* eventfd: live_stop wakes the monitor */
	double t0;
	FILE *out;                      /* the rows: stderr */
};
/* Opens a stats fd on each of the n vCPU fds and starts the monitor thread,
 * which prints a header and a row of rates every interval on stderr.  0, or -1
 * with err (no stats fd: KVM_CAP_BINARY_STATS_FD) and nothing left open. */
int  live_start(struct live *l, double interval, const int *vcpu_fds, int n, char *err, size_t errlen);
/* Stops the monitor and takes the last sample (the end of the run). */
void live_stop(struct live *l);
void live_free(struct live *l);         /* stops if running; closes its fds */

#endif
