/*
 * vcpu.c - one vCPU: its fd, its kvm_run page and the run loop.
 *
 * KVM_RUN is a blocking ioctl: the calling thread *is* the vCPU while it
 * runs guest code (api.rst 4.10).  When the guest does something KVM must
 * hand to user space, KVM_RUN returns and kvm_run says why.  The loop is
 *     enter -> exit -> look up -> handle -> count -> act
 * and every iteration is timed with the TSC.  It is the only KVM_RUN loop:
 * every vCPU thread (smp.c) runs it, and single-stepping (kvmlab trace) is
 * a mode of it: the trace turns an exit into ACT_STEP (exit.c), and the
 * loop re-enters with immediate_exit so that KVM finishes that instruction
 * and runs no other (docs/trace.md).
 */
#define _GNU_SOURCE             /* RUSAGE_THREAD */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "kvmlab.h"

#define CPUID_ENTRIES_MAX 256

/* Some hosts rewrite leaves after KVM_SET_CPUID2: say so once per VM, since the
 * guest will not see those --cpuid overrides (docs/cpu.md; expect.def "cpuid-set"). */
static void vcpu_warn_unheld(struct vcpu *v, struct kvm_cpuid2 *c)
{
	int idx[CPUID_OVERRIDES_MAX];
	const struct cpuid_config *cfg = &v->vm->cfg.cpuid;

	c->nent = CPUID_ENTRIES_MAX;
	if (ioctl(v->fd, KVM_GET_CPUID2, c) < 0)
		return;                 /* older KVM: nothing to compare against */
	int n = cpuid_unheld(c, cfg, idx, CPUID_OVERRIDES_MAX);
	for (int i = 0; i < n; i++) {
		const struct cpuid_override *o = &cfg->ov[idx[i]];
		fprintf(stderr, "kvmlab: warning: --cpuid 0x%x.%u:%s=0x%x does not hold: this host's KVM replaced "
			"that register after KVM_SET_CPUID2 (KVM_GET_CPUID2 disagrees)\n",
			o->leaf, o->subleaf, cpuid_reg_name(o->reg), o->value);
	}
}

/* Give the guest the CPUID KVM supports (api.rst 4.46/4.73), as edited by
 * --cpuid/--hide-hypervisor (cpuid.c); long mode needs CPUID.80000001H:EDX.LM
 * visible before EFER.LME is accepted. */
static int vcpu_set_cpuid(struct vcpu *v, char *err, size_t errlen)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + CPUID_ENTRIES_MAX * sizeof(c->entries[0]));
	int rc = -1;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->nent = CPUID_ENTRIES_MAX;
	uint64_t t0 = setup_clock();
	int got = ioctl(v->vm->kvm->fd, KVM_GET_SUPPORTED_CPUID, c);

	setup_record(&v->vm->setup, "supported CPUID", "KVM_GET_SUPPORTED_CPUID", t0);
	if (got < 0) {
		snprintf(err, errlen, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
	} else if (cpuid_apply(c, CPUID_ENTRIES_MAX, &v->vm->cfg.cpuid, err, errlen) != 0) {
		;       /* err says which override did not fit */
	} else {
		t0 = setup_clock();
		if (ioctl(v->fd, KVM_SET_CPUID2, c) < 0)
			snprintf(err, errlen, "KVM_SET_CPUID2: %s", strerror(errno));
		else
			rc = 0;
		setup_record(&v->vm->setup, "vCPU CPUID", "KVM_SET_CPUID2", t0);
	}
	if (rc == 0 && v->id == 0 && v->vm->cfg.cpuid.n)
		vcpu_warn_unheld(v, c);
	free(c);
	return rc;
}

int vcpu_create(struct vcpu *v, struct vm *vm, int id, char *err, size_t errlen)
{
	memset(v, 0, sizeof(*v));
	v->vm = vm;
	v->id = id;
	v->stats.fd = -1;
	v->schedstat_fd = -1;
	v->run_delay_ns = -1;
	uint64_t t0 = setup_clock();
	v->fd = ioctl(vm->fd, KVM_CREATE_VCPU, id);
	setup_record(&vm->setup, "create vCPU", "KVM_CREATE_VCPU", t0);
	vlog("ioctl(vm, KVM_CREATE_VCPU, %d) = %d", id, v->fd);
	if (v->fd < 0) {
		snprintf(err, errlen, "KVM_CREATE_VCPU: %s", strerror(errno));
		return XC_HOST;
	}
	v->run_size = vm->kvm->run_size;
	t0 = setup_clock();
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	setup_record(&vm->setup, "map kvm_run", "mmap(vcpu fd)", t0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		snprintf(err, errlen, "mmap of the vCPU's kvm_run: %s", strerror(errno));
		vcpu_destroy(v);
		return XC_HOST;
	}
	/* KVM_GET_VCPU_MMAP_SIZE covers more than kvm_run: on x86 also the PIO data page
	 * (KVM_PIO_PAGE_OFFSET) and the coalesced-MMIO ring (KVM_COALESCED_MMIO_PAGE_OFFSET). */
	vlog("mmap(vcpu fd) = %p: %d bytes shared with KVM (kvm_run, PIO data, coalesced-MMIO ring)",
	     (void *)v->run, v->run_size);
	if (vcpu_set_cpuid(v, err, errlen) != 0) {
		vcpu_destroy(v);
		return XC_HOST;
	}
	v->end_mp_state = -1;
	v->created_mp_state = v->final_mp_state = -1;
	t0 = setup_clock();
	kvmstats_open(&v->stats, v->fd);
	setup_record(&vm->setup, "vCPU stats fd", "KVM_GET_STATS_FD", t0);
	return XC_OK;
}

void vcpu_destroy(struct vcpu *v)
{
	kvmstats_close(&v->stats);
	if (v->run)
		munmap(v->run, v->run_size);
	v->run = NULL;
	if (v->fd >= 0)
		close(v->fd);
	v->fd = -1;
	free(v->reports);
	v->reports = NULL;
	counters_free(&v->ctr);
}

int vcpu_insn_at(struct vcpu *v, uint64_t rip, const struct kvm_sregs *sr, char *out, size_t n)
{
	struct kvm_translation t = { .linear_address = sr->cs.base + rip };
	uint8_t bytes[15];
	uint64_t len = sizeof(bytes);

	if (n)
		out[0] = '\0';
	/* The vCPU's own page tables decide where its RIP is (api.rst 4.15). */
	if (ioctl(v->fd, KVM_TRANSLATE, &t) < 0 || !t.valid)
		return -1;
	if (t.physical_address >= v->vm->mem.size)
		return -1;
	if (len > v->vm->mem.size - t.physical_address)
		len = v->vm->mem.size - t.physical_address;
	gmem_hold(&v->vm->mem);
	int rc = gmem_read(&v->vm->mem, t.physical_address, bytes, len);
	gmem_release(&v->vm->mem);
	if (rc != 0)
		return -1;
	return disasm_one(bytes, len, sregs_bits(sr), rip, out, n) > 0 ? 0 : -1;
}

enum action vcpu_end(struct vcpu *v, enum end_kind k, const char *fmt, ...)
{
	va_list ap;
	struct kvm_regs regs;
	struct kvm_sregs sr;

	v->end = k;
	va_start(ap, fmt);
	vsnprintf(v->end_detail, sizeof(v->end_detail), fmt, ap);
	va_end(ap);
	v->end_rip_valid = ioctl(v->fd, KVM_GET_REGS, &regs) == 0 && ioctl(v->fd, KVM_GET_SREGS, &sr) == 0;
	if (v->end_rip_valid) {
		v->end_rip = regs.rip;
		v->end_linear = sr.cs.base + regs.rip;
		/* Where the guest was stuck or died is the first thing to know.  Not at
		 * --max-exits: that bound is the user's, reached at an exit the report
		 * already names, and disassembling loads libcapstone (dlopen), about a
		 * fifth of a one-exit run's CPU (docs/measurement.md, "Lifecycle"). */
		if (!end_by_guest(k) && k != END_EXIT_LIMIT)
			vcpu_insn_at(v, regs.rip, &sr, v->end_insn, sizeof(v->end_insn));
	}
	return end_by_guest(k) ? ACT_DONE : ACT_FAIL;
}

uint64_t vcpu_rip(struct vcpu *v)
{
	struct kvm_regs regs;

	return ioctl(v->fd, KVM_GET_REGS, &regs) == 0 ? regs.rip : 0;
}

int vcpu_add_report(struct vcpu *v, const struct report_entry *r)
{
	if (v->nreports == v->reports_cap) {
		if (v->reports_cap >= REPORTS_MAX)
			return -1;
		int cap = v->reports_cap ? v->reports_cap * 2 : 16;
		struct report_entry *n = realloc(v->reports, cap * sizeof(*n));
		if (!n)
			return -1;
		v->reports = n;
		v->reports_cap = cap;
	}
	v->reports[v->nreports++] = *r;
	return 0;
}

void vcpu_step_done(struct vcpu *v)
{
	v->completing = false;
	/* The watchdog, a kick and a stop signal set immediate_exit too: theirs must stay set. */
	v->run->immediate_exit = vcpu_leave_due(v);
}

/* A timeout with a LAPIC in KVM: a vCPU halted there (hlt with nothing that can
 * wake it: IF=0, everything masked, no timer) is told apart from one still running. */
static void vcpu_end_timeout(struct vcpu *v)
{
	int mp = irqchip_mp_state(v);
	const char *name = irqchip_mp_state_name(mp);

	if (mp == KVM_MP_STATE_HALTED)
		vcpu_end(v, END_TIMEOUT, "timed out after %.3g s (--timeout) while halted in KVM (mp_state halted): "
			 "hlt with no interrupt that can wake it", v->vm->cfg.timeout);
	else
		vcpu_end(v, END_TIMEOUT, "timed out after %.3g s (--timeout): the guest did not finish%s%s%s",
			 v->vm->cfg.timeout, name ? " (mp_state " : "", name ? name : "", name ? ")" : "");
	v->end_mp_state = mp;
}

/* Host CPU time of the calling thread, user and system (getrusage RUSAGE_THREAD). */
static void vcpu_cpu_time(double *user, double *sys)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru) != 0) {
		*user = *sys = 0;
		return;
	}
	*user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
	*sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

void vcpu_schedstat_open(struct vcpu *v)
{
	v->schedstat_fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
}

/* The second field of schedstat: nanoseconds this thread spent runnable but
 * waiting for a CPU (Documentation/scheduler/sched-stats.rst); -1 unknown. */
static int64_t vcpu_run_delay(const struct vcpu *v)
{
	char buf[96];
	unsigned long long on_cpu, waited;

	if (v->schedstat_fd < 0)
		return -1;
	ssize_t n = pread(v->schedstat_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return sscanf(buf, "%llu %llu", &on_cpu, &waited) == 2 ? (int64_t)waited : -1;
}

static void vcpu_run_loop(struct vcpu *v);

/* struct vcpu's first page (vm.h): the run loop's and trap_io's fields in
 * line 0, trap_io's request and the dispatch's last row in line 1, then the
 * counters: their hot line, every reason's row and the first port keys. */
_Static_assert(offsetof(struct vcpu, completing) < 64 && offsetof(struct vcpu, io) == 64 &&
	       offsetof(struct vcpu, exit_hit) + sizeof(((struct vcpu *)0)->exit_hit) <= 128 &&
	       offsetof(struct vcpu, ctr) == 128 &&
	       offsetof(struct vcpu, ctr.port) + 8 * sizeof(struct access_key) <= 4096 &&
	       _Alignof(struct vcpu) == 4096,
	       "struct vcpu: what an exit touches must stay in its first page, as laid out in vm.h");

static void vcpu_end_interrupted(struct vcpu *v)
{
	int stop = watchdog_stop_signal();

	vcpu_end(v, END_INTERRUPTED, "interrupted by %s", stop == SIGINT ? "SIGINT" : "SIGTERM");
}

void vcpu_run(struct vcpu *v)
{
	double u0, s0, u1, s1;

	/* What an idle guest costs the host: a vCPU halted in KVM sleeps (after halt polling).
	 * What an overcommitted host costs the guest: time its vCPU waited for a CPU. */
	int64_t d0 = vcpu_run_delay(v);
	vcpu_cpu_time(&u0, &s0);
	if (v->vm->pause)
		mig_pause_join(v);      /* live migration may stop this thread (vmm/migrate/pause.c) */
	struct timespec ta, tb;
	clock_gettime(CLOCK_MONOTONIC, &ta);
	vcpu_run_loop(v);
	clock_gettime(CLOCK_MONOTONIC, &tb);
	counters_settle(&v->ctr);       /* min, max, sum, histogram: from the samples (measure.h) */
	v->loop_seconds = (double)(tb.tv_sec - ta.tv_sec) + (tb.tv_nsec - ta.tv_nsec) / 1e9;
	if (v->vm->pause)
		mig_pause_leave(v);
	vcpu_cpu_time(&u1, &s1);
	int64_t d1 = vcpu_run_delay(v);
	v->cpu_user = u1 - u0;
	v->cpu_sys = s1 - s0;
	v->run_delay_ns = d0 >= 0 && d1 >= d0 ? d1 - d0 : -1;
	if (v->schedstat_fd >= 0)
		close(v->schedstat_fd);
	v->schedstat_fd = -1;
}

KVMLAB_HOT __attribute__((noinline)) static void vcpu_run_loop(struct vcpu *v)
{
	uint64_t max_exits = v->vm->cfg.max_exits;
	uint64_t limit = max_exits ? max_exits : UINT64_MAX;   /* one compare per exit */
	uint64_t last_return = 0;       /* TSC when the previous KVM_RUN returned */
	bool drain = coalesced_active(v->vm);   /* zones are registered before the first KVM_RUN */
	/* Set before the first KVM_RUN and cleared after the last (precopy_live.c):
	 * read once, not from struct vm at every exit. */
	bool migrating = v->vm->pause != NULL;
	struct trace *trace = v->vm->cfg.trace;
	enum action a;

	/* A stop signal (SIGINT, SIGTERM) sets immediate_exit on every armed vCPU
	 * (watchdog.c), so its next KVM_RUN returns EINTR: the loop reads the flag
	 * there, not at every exit.  One that came in set-up, before watchdog_arm
	 * registered this vCPU, is seen here; the fence pairs with the handler's,
	 * so of "registered" and "signalled" each side sees the other's first. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (unlikely(watchdog_stop_signal())) {
		vcpu_end_interrupted(v);
		return;
	}
	for (;;) {
		if (unlikely(migrating) && mig_pause_point(v))
			return;         /* migrated: the guest runs on in the destination */
		if (unlikely(v->ctr.total_exits >= limit)) {
			vcpu_end(v, END_EXIT_LIMIT, "stopped after %llu exits (--max-exits)",
				 (unsigned long long)max_exits);
			return;
		}
		/* Unfenced, as tools/rawloop.c: RDTSC is not serialising (SDM vol. 2B,
		 * RDTSC), so t0 may be read while the last exit's bookkeeping is in
		 * flight.  An lfence before it changed no round-trip figure (min,
		 * median, mean: the same within one TSC step) and cost ~20 cycles an
		 * exit (docs/measurement.md, section 1). */
		uint64_t t0 = __rdtsc();
		if (last_return)
			v->ctr.vmm_cycles += t0 - last_return;  /* kvmlab's own time per exit */
		int r = ioctl(v->fd, KVM_RUN, 0);
		uint64_t t1 = __rdtsc();
		last_return = t1;
		v->ctr.kvm_run_calls++;
		if (unlikely(drain))
			coalesced_drain(v);     /* queued MMIO writes happened before this exit */
		if (unlikely(r < 0)) {
			int e = errno;
			if (e == EINTR || e == EAGAIN) {
				v->ctr.eintr++;
				if (v->timed_out) {
					vcpu_end_timeout(v);
					return;
				}
				if (watchdog_stop_signal()) {
					vcpu_end_interrupted(v);
					return;
				}
				if (v->kicked) {        /* --vcpus: vmm/core/smp.c */
					vcpu_end(v, END_STOPPED, "vCPU %d ended the VM", v->kicked_by);
					return;
				}
				if (!v->completing)
					continue;       /* a signal for someone else: re-enter */
				/* ACT_STEP, and KVM completed the instruction without a step exit (docs/trace.md). */
				vcpu_step_done(v);
				a = trap_step_lost(v);
			} else {
				vcpu_end(v, END_HOST_ERROR, "KVM_RUN: %s", strerror(e));
				return;
			}
		} else {
			a = exit_dispatch(v, t1 - t0, trace);
		}
		if (unlikely(a != ACT_CONTINUE)) {
			if (a != ACT_STEP)
				return;         /* ACT_DONE, ACT_FAIL: vcpu_end said why */
			v->completing = true;
			v->run->immediate_exit = 1;
		}
	}
}
