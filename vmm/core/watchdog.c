/*
 * watchdog.c - bound every run in time.
 *
 * A guest can loop forever, and on some hosts KVM_RUN itself never returns
 * (PVM livelocks on vmcall: shared/HOST.md).  A POSIX timer sends a signal
 * to the vCPU thread; the handler sets kvm_run.immediate_exit, so KVM_RUN
 * returns -EINTR now if it is running, or at once if it was about to start
 * (api.rst, "immediate_exit": this closes the race a bare signal leaves).
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
	wd_vcpu = NULL;
}
