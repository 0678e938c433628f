/*
 * smp.c - several vCPUs: a VM is a process, each vCPU one of its threads.
 *
 * KVM_RUN runs guest code on the thread that calls it (api.rst 4.10), so a
 * VMM with N vCPUs has N threads, each in its own KVM_RUN loop, exactly as
 * QEMU's "CPU n/KVM" threads.  The host scheduler sees ordinary threads:
 * `ps -L` lists them and sched_setaffinity (taskset) pins them.
 *
 * How kvmlab simplifies the start: real hardware starts only the bootstrap
 * processor; the others wait for INIT-SIPI-SIPI from its local APIC (SDM
 * vol. 3A 10.4).  kvmlab starts them all itself at the payload's entry with
 * RDI = vCPU index and RSI = highest index (docs/guest-abi.md): without an
 * irqchip every vCPU is runnable from creation; with a LAPIC in KVM the APs
 * are created waiting for a SIPI, and irqchip_start_ap makes them runnable,
 * unless the payload's BSP sends the INIT-SIPI-SIPI itself (KVMLAB_FLAG_AP_SIPI).
 *
 * How a run ends (docs/cpu-threads.md): a vCPU that executes hlt stops
 * alone; any other end (exit port, a FAIL report, a crash, the watchdog)
 * ends the whole VM: that vCPU kicks the others out of KVM_RUN with
 * immediate_exit and a signal, and its end decides the exit code (the
 * first one wins).  The run is over when every thread has returned.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kvmlab.h"

/* The vCPU threads of one run (r->smp); only this file looks inside. */
struct smp;
struct smp_vcpu {
	struct smp *smp;
	int index;
	struct vcpu *v;                 /* vCPU 0 is &run.vcpu; others are allocated */
	pthread_t thread;
	bool started;
	pid_t tid;                      /* gettid(): what ps -L and taskset show */
	int cpu;                        /* pinned host CPU, -1 = not pinned */
	double wall_seconds;            /* tid and this: written by the thread, read after pthread_join */
};
struct smp {
	int n;
	struct smp_vcpu cpu[VCPUS_MAX];
	int first_end;                  /* the vCPU whose end decided the run, -1 until one ends */
	pthread_mutex_t lock;           /* guards first_end and cpu[].started */
};

#define KICK_SIGNAL (SIGRTMIN + 2)      /* WATCHDOG_SIGNAL is SIGRTMIN + 1 */
#define CPU_ONLINE_PATH "/sys/devices/system/cpu/online"

static double smp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The signal only has to interrupt KVM_RUN; immediate_exit says why. */
static void smp_kick_handler(int sig)
{
	(void)sig;
}

/* Called with s->lock held: make every other vCPU leave KVM_RUN for good. */
static void smp_kick_others(struct smp *s, int by)
{
	for (int i = 0; i < s->n; i++) {
		struct smp_vcpu *c = &s->cpu[i];
		if (i == by || !c->started)
			continue;
		c->v->kicked_by = by;
		c->v->kicked = 1;
		__sync_synchronize();           /* kicked is visible before KVM_RUN can return EINTR */
		c->v->run->immediate_exit = 1;
		pthread_kill(c->thread, KICK_SIGNAL);
	}
}

static void smp_vcpu_ended(struct smp *s, int i)
{
	enum end_kind k = s->cpu[i].v->end;

	pthread_mutex_lock(&s->lock);
	if (!end_vcpu_only(k) && s->first_end < 0) {
		s->first_end = i;
		smp_kick_others(s, i);
	}
	pthread_mutex_unlock(&s->lock);
}

static void *smp_thread(void *arg)
{
	struct smp_vcpu *c = arg;
	struct vcpu *v = c->v;
	char err[256], name[16];

	c->tid = (pid_t)syscall(SYS_gettid);
	snprintf(name, sizeof(name), "CPU %d/KVM", c->index);  /* QEMU's name for the same thread */
	pthread_setname_np(pthread_self(), name);
	if (c->cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(c->cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) != 0) {
			vcpu_end(v, END_HOST_ERROR, "sched_setaffinity(CPU %d): %s", c->cpu, strerror(errno));
			smp_vcpu_ended(c->smp, c->index);
			return NULL;
		}
	}
	if (watchdog_arm(v, v->vm->cfg.timeout, err, sizeof(err)) != 0) {
		vcpu_end(v, END_HOST_ERROR, "watchdog: %s", err);
		smp_vcpu_ended(c->smp, c->index);
		return NULL;
	}
	if (v->vm->cfg.ktrace)
		ktrace_add_thread();    /* before the sandbox: it needs open(2) */
	vcpu_schedstat_open(v);         /* so does the run-delay counter */
	if (v->vm->cfg.sandbox && sandbox_enter(v, err, sizeof(err)) != 0) {
		vcpu_end(v, END_HOST_ERROR, "sandbox: %s", err);
		watchdog_disarm();
		smp_vcpu_ended(c->smp, c->index);
		return NULL;
	}
	kvmstats_sample(&v->stats, false);
	double t0 = smp_now();
	if (!v->kicked || watchdog_stop_signal())
		vcpu_run(v);            /* a SIGINT/SIGTERM is the cause, not the kick it led to */
	else
		vcpu_end(v, END_STOPPED, "vCPU %d ended the VM", v->kicked_by);
	c->wall_seconds = smp_now() - t0;
	v->final_mp_state = irqchip_mp_state(v);
	kvmstats_sample(&v->stats, true);
	watchdog_disarm();
	smp_vcpu_ended(c->smp, c->index);
	return NULL;
}

/* vCPU i: the payload's entry with RDI = i, RSI = n - 1 and its own stack. */
static int smp_setup_vcpu(struct smp *s, int i, const struct payload *p, char *err, size_t errlen)
{
	struct vcpu *v = s->cpu[i].v;
	struct kvm_regs regs;

	if (v->vm->cfg.vcpu_load)       /* a received guest: its state, not the entry */
		return v->vm->cfg.vcpu_load(v, v->vm->cfg.vcpu_load_arg, err, errlen) == 0 ? XC_OK : XC_HOST;
	bool wait_sipi = (p->hdr.flags & KVMLAB_FLAG_AP_SIPI) != 0;

	v->created_mp_state = irqchip_mp_state(v);
	if (i > 0 && wait_sipi) {       /* INIT resets the registers anyway (SDM Vol. 3A 10.1.2) */
		if (irqchip_start_ap(v, true, err, errlen) != 0)
			return XC_USAGE;
		return XC_OK;
	}
	if (i > 0 && (mode_setup(v, p, err, errlen) != 0 || irqchip_start_ap(v, false, err, errlen) != 0))
		return XC_HOST;
	if (ioctl(v->fd, KVM_GET_REGS, &regs) < 0) {
		snprintf(err, errlen, "KVM_GET_REGS (vCPU %d): %s", i, strerror(errno));
		return XC_HOST;
	}
	regs.rdi = (uint64_t)i;
	regs.rsi = (uint64_t)(s->n - 1);
	regs.rsp -= (uint64_t)i * VCPU_STACK_SIZE;
	if (ioctl(v->fd, KVM_SET_REGS, &regs) < 0) {
		snprintf(err, errlen, "KVM_SET_REGS (vCPU %d): %s", i, strerror(errno));
		return XC_HOST;
	}
	vlog("vCPU %d: entry RIP 0x%llx, RDI %d, RSI %d, RSP 0x%llx", i, (unsigned long long)regs.rip, i,
	     s->n - 1, (unsigned long long)regs.rsp);
	return XC_OK;
}

/* The host's limit: KVM_CAP_MAX_VCPUS (api.rst 4.7, KVM_CREATE_VCPU). */
static int smp_check_host(const struct run *r, char *err, size_t errlen)
{
	const struct vm_config *cfg = &r->vm.cfg;
	int max = r->vm.kvm->cap[CAP_MAX_VCPUS] ? r->vm.kvm->cap[CAP_MAX_VCPUS] : r->vm.kvm->cap[CAP_NR_VCPUS];

	if (max && cfg->vcpus > max) {
		snprintf(err, errlen, "--vcpus %d: this KVM allows at most %d vCPUs per VM (KVM_CAP_MAX_VCPUS)",
			 cfg->vcpus, max);
		return XC_HOST;
	}
	return XC_OK;
}

int smp_check_fit(const struct payload *p, int vcpus, char *err, size_t errlen)
{
	/* Real mode: the stacks sit at the top of the payload's 64 KiB segment.
	 * vCPU 0's is the one every run has; only vCPUs 1..N-1 add one, so
	 * --vcpus 1 accepts what a run without --vcpus accepts. */
	if (vcpus > 1 && p->hdr.mode == MODE_REAL && p->size > REAL_SP - (uint64_t)vcpus * VCPU_STACK_SIZE) {
		snprintf(err, errlen, "payload (%zu bytes) overlaps the stacks of %d real-mode vCPUs "
			 "(each %llu bytes below SP 0x%llx)", p->size, vcpus,
			 (unsigned long long)VCPU_STACK_SIZE, (unsigned long long)REAL_SP);
		return XC_PAYLOAD_SIZE;
	}
	return XC_OK;
}

int smp_run(struct run *r, const struct payload *p, char *err, size_t errlen)
{
	const struct vm_config *cfg = &r->vm.cfg;
	struct smp *s = calloc(1, sizeof(*s));
	int rc;

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return XC_HOST;
	}
	r->smp = s;
	s->n = cfg->vcpus;
	s->first_end = -1;
	pthread_mutex_init(&s->lock, NULL);
	rc = smp_check_host(r, err, errlen);
	if (rc != XC_OK)
		return rc;
	for (int i = 0; i < s->n; i++) {
		struct smp_vcpu *c = &s->cpu[i];
		c->smp = s;
		c->index = i;
		c->cpu = cfg->npin ? cfg->pin[i] : -1;
		if (i == 0) {
			c->v = &r->vcpu;
		} else {
			c->v = RUN_NEW(struct vcpu);
			if (!c->v) {
				snprintf(err, errlen, "out of memory");
				return XC_HOST;
			}
			c->v->fd = -1;
			rc = vcpu_create(c->v, &r->vm, i, err, errlen);
			if (rc != XC_OK)
				return rc;
			if (memlab_vcpu_ready(c->v, err, errlen) != 0)     /* its own dirty ring */
				return XC_HOST;
		}
		rc = smp_setup_vcpu(s, i, p, err, errlen);
		if (rc != XC_OK)
			return rc;
	}
	if (kvm_has(r->vm.kvm, CAP_GET_TSC_KHZ)) {
		int khz = ioctl(r->vcpu.fd, KVM_GET_TSC_KHZ, 0);
		r->tsc_khz = khz > 0 ? (uint64_t)khz : 0;
		r->vm.tsc_khz = (uint32_t)r->tsc_khz;   /* what timer payloads ask port 0xE0 for */
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = smp_kick_handler;      /* no SA_RESTART: KVM_RUN must see EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(KICK_SIGNAL, &sa, NULL);

	kvmstats_sample(&r->vm.stats, false);
	if (r->vm.cfg.sandbox)
		sandbox_gate_arm();     /* no vCPU runs the guest before this thread is filtered */
	if (r->vm.cfg.live > 0) {       /* --live: before any vCPU runs, so its counts start at 0 */
		int fds[VCPUS_MAX];
		char lerr[256];
		for (int i = 0; i < s->n; i++)
			fds[i] = s->cpu[i].v->fd;
		if (run_live_start(r, fds, s->n, lerr, sizeof(lerr)) != 0)
			fprintf(stderr, "kvmlab: %s; running without it\n", lerr);
	}
	if (r->vm.cfg.start_hook)
		r->vm.cfg.start_hook(r, r->vm.cfg.start_hook_arg);      /* live migration's thread */
	double t0 = smp_now();
	for (int i = 0; i < s->n; i++) {
		struct smp_vcpu *c = &s->cpu[i];
		pthread_mutex_lock(&s->lock);   /* a vCPU that ends now must not kick one half-started */
		int e = pthread_create(&c->thread, NULL, smp_thread, c);
		c->started = e == 0;
		if (e == 0 && s->first_end >= 0)
			smp_kick_others(s, s->first_end);
		pthread_mutex_unlock(&s->lock);
		if (e != 0) {
			vcpu_end(c->v, END_HOST_ERROR, "pthread_create: %s", strerror(e));
			smp_vcpu_ended(s, i);
		}
	}
	if (r->vm.cfg.sandbox) {        /* set-up is done: this thread holds every KVM fd */
		int fds[VCPUS_MAX];
		char serr[256];
		for (int i = 0; i < s->n; i++)
			fds[i] = s->cpu[i].v->fd;
		if (sandbox_enter_main(&r->vm, fds, s->n, serr, sizeof(serr)) != 0)
			vlog("sandbox: main thread: %s", serr);  /* the vCPU threads end with it */
	}
	for (int i = 0; i < s->n; i++)
		if (s->cpu[i].started)
			pthread_join(s->cpu[i].thread, NULL);
	r->wall_seconds = smp_now() - t0;
	if (r->live)
		live_stop(r->live);
	coalesced_drain(&r->vcpu);              /* writes queued after the last exits (one ring per VM) */
	iodev_quiesce(&r->vm);                  /* the report reads devices and console at rest */
	kvmstats_sample(&r->vm.stats, true);
	memlab_finish(&r->vcpu);                /* --translate and the guest's requests, as in run.c */

	r->regs_valid = ioctl(r->vcpu.fd, KVM_GET_REGS, &r->regs) == 0 &&
			ioctl(r->vcpu.fd, KVM_GET_SREGS, &r->sregs) == 0;
	/* Every vCPU halted: success.  Otherwise the first vCPU that ended the VM decides. */
	const struct vcpu *d = s->first_end >= 0 ? s->cpu[s->first_end].v : &r->vcpu;
	r->exit_code = end_exit_code(d->end, d->exit_status);
	return XC_OK;
}

void smp_teardown(struct run *r)
{
	struct smp *s = r->smp;

	for (int i = 1; i < s->n; i++)
		if (s->cpu[i].v) {
			vcpu_destroy(s->cpu[i].v);
			free(s->cpu[i].v);
		}
	pthread_mutex_destroy(&s->lock);
	free(s);
	r->smp = NULL;
}

/* Online CPUs as the kernel lists them ("0-1"), "" if unreadable. */
static void smp_online(char *buf, size_t n)
{
	FILE *f = fopen(CPU_ONLINE_PATH, "r");

	buf[0] = '\0';
	if (f) {
		if (!fgets(buf, (int)n, f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
}

int smp_check_pins(const int *pin, int npin, char *err, size_t errlen)
{
	char online[256];

	smp_online(online, sizeof(online));
	for (int i = 0; i < npin; i++)
		if (online[0] && !cpulist_contains(online, pin[i])) {
			snprintf(err, errlen, "--pin: CPU %d is not an online CPU of this host (online: %s)",
				 pin[i], online);
			return -1;
		}
	return 0;
}

void smp_report_text(const struct run *r, FILE *out)
{
	const struct smp *s = r->smp;

	fprintf(out, "vCPUs:    %d thread%s in process %d (ps -L -p %d)\n", s->n, s->n == 1 ? "" : "s",
		(int)getpid(), (int)getpid());
	for (int i = 0; i < s->n; i++) {
		const struct smp_vcpu *c = &s->cpu[i];
		const struct vcpu *v = c->v;
		fprintf(out, "  vCPU %d: thread %d", i, (int)c->tid);
		if (c->cpu >= 0)
			fprintf(out, " pinned to CPU %d", c->cpu);
		fprintf(out, ", %llu exits", (unsigned long long)v->ctr.total_exits);
		for (uint32_t k = 0; k < EXIT_REASON_MAX; k++)
			if (v->ctr.reason[k].count)
				fprintf(out, " %s %llu", exit_reason_name(k), (unsigned long long)v->ctr.reason[k].count);
		fprintf(out, "; ended %s: %s\n", end_name(v->end), v->end_detail);
		const char *mc = irqchip_mp_state_name(v->created_mp_state), *mf = irqchip_mp_state_name(v->final_mp_state);
		if (mc && mf)           /* KVM_GET_MP_STATE: only with a LAPIC in KVM */
			fprintf(out, "          mp_state %s when created, %s at the end\n", mc, mf);
		if (v->run_delay_ns >= 0)       /* an overcommitted host: runnable, but no CPU free */
			fprintf(out, "          on a host CPU %.1f ms, waiting for one %.1f ms (schedstat run delay)\n",
				(v->cpu_user + v->cpu_sys) * 1e3, v->run_delay_ns / 1e6);
		for (int k = 0; i > 0 && k < v->nreports; k++)
			fprintf(out, "          report %s = %llu\n", v->reports[k].text,
				(unsigned long long)v->reports[k].value);
	}
}

bool smp_vcpu_at(const struct run *r, int i, struct smp_vcpu_info *out)
{
	const struct smp *s = r->smp;

	if (!s) {       /* one vCPU, run on the main thread: its tid is the process id */
		if (i != 0)
			return false;
		*out = (struct smp_vcpu_info){ &r->vcpu, getpid(), -1, r->wall_seconds };
		return true;
	}
	if (i < 0 || i >= s->n)
		return false;
	*out = (struct smp_vcpu_info){ s->cpu[i].v, s->cpu[i].tid, s->cpu[i].cpu, s->cpu[i].wall_seconds };
	return true;
}
