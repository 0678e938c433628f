/*
 * watchdog.c - bound every run in time.
 *
 * A guest can loop forever, and on some hosts KVM_RUN itself never returns
 * (PVM livelocks on vmcall: shared/HOST.md).  A POSIX timer sends a signal
 * to the vCPU thread; the handler sets kvm_run.immediate_exit, so KVM_RUN
 * returns -EINTR now if it is running, or at once if it was about to start
 * (api.rst, "immediate_exit": this closes the race a bare signal leaves).
 *
 * SIGINT and SIGTERM end a run the same way, from outside: the handler
 * (on whichever thread the kernel picked) records the signal, sets
 * immediate_exit on every armed vCPU and re-sends the signal to each vCPU
 * thread (tgkill, own tgid) so a thread inside KVM_RUN leaves it; the run
 * loop sees watchdog_stop_signal() when KVM_RUN returns EINTR (and once
 * before its first entry) and ends the run as "interrupted" with the whole
 * report, as a timeout does.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "kvmlab.h"

#define WATCHDOG_SIGNAL (SIGRTMIN + 1)

static __thread struct vcpu *wd_vcpu;      /* the vCPU this thread runs */
static __thread timer_t wd_timer;
static __thread bool wd_armed;

/* Armed vCPUs, for the stop handler: written by their own threads only. */
static struct vcpu *volatile wd_all[VCPUS_MAX];
static volatile pid_t wd_tids[VCPUS_MAX];
volatile sig_atomic_t watchdog_stop_sig;   /* SIGINT/SIGTERM received, or 0 (vm.h) */

static void watchdog_stop(int sig)
{
	if (watchdog_stop_sig) {        /* the re-sent copy: just leave KVM_RUN */
		if (wd_vcpu)
			wd_vcpu->run->immediate_exit = 1;
		return;
	}
	watchdog_stop_sig = sig;
	/* Pairs with the run loop's fence before its one read of the flag: a vCPU
	 * armed too late for this loop to see it sees the flag (vcpu.c). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (int i = 0; i < VCPUS_MAX; i++) {
		struct vcpu *v = wd_all[i];
		if (!v)
			continue;
		v->run->immediate_exit = 1;     /* a vCPU about to enter KVM_RUN returns at once */
		if (wd_tids[i])
			syscall(SYS_tgkill, getpid(), wd_tids[i], sig);
	}
}

int watchdog_catch_stop(char *err, size_t errlen)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = watchdog_stop;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;                        /* no SA_RESTART: KVM_RUN must see EINTR */
	if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0) {
		snprintf(err, errlen, "sigaction(SIGINT/SIGTERM): %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void watchdog_fire(int sig)
{
	struct vcpu *v = wd_vcpu;

	(void)sig;
	if (v) {
		v->run->immediate_exit = 1;
		v->timed_out = 1;
	}
}

int watchdog_arm(struct vcpu *v, double seconds, char *err, size_t errlen)
{
	struct sigaction sa;
	struct sigevent sev;
	struct itimerspec its;

	wd_vcpu = v;
	if (v->id >= 0 && v->id < VCPUS_MAX) {
		wd_tids[v->id] = (pid_t)syscall(SYS_gettid);
		wd_all[v->id] = v;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = watchdog_fire;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;                        /* no SA_RESTART: KVM_RUN must see EINTR */
	if (sigaction(WATCHDOG_SIGNAL, &sa, NULL) < 0) {
		snprintf(err, errlen, "sigaction: %s", strerror(errno));
		return -1;
	}
	if (seconds <= 0)
		return 0;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;     /* signal this vCPU's thread, not the process */
	sev.sigev_signo = WATCHDOG_SIGNAL;
	sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &sev, &wd_timer) < 0) {
		snprintf(err, errlen, "timer_create: %s", strerror(errno));
		return -1;
	}
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)seconds;
	its.it_value.tv_nsec = (long)((seconds - (double)its.it_value.tv_sec) * 1e9);
	if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
		its.it_value.tv_nsec = 1;
	/* Re-fire every 50 ms in case a signal lands outside KVM_RUN. */
	its.it_interval.tv_nsec = 50 * 1000 * 1000;
	if (timer_settime(wd_timer, 0, &its, NULL) < 0) {
		snprintf(err, errlen, "timer_settime: %s", strerror(errno));
		timer_delete(wd_timer);
		return -1;
	}
	wd_armed = true;
	return 0;
}

void watchdog_disarm(void)
{
	if (wd_armed)
		timer_delete(wd_timer);
	wd_armed = false;
	if (wd_vcpu && wd_vcpu->id >= 0 && wd_vcpu->id < VCPUS_MAX) {
		wd_all[wd_vcpu->id] = NULL;     /* the stop handler must not touch a freed vCPU */
		wd_tids[wd_vcpu->id] = 0;
	}
	wd_vcpu = NULL;
}
