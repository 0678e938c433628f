/*
 * pause.c - stopping the vCPUs of a running VM for the stop-and-copy phase of
 * a live migration, and slowing them down (auto-converge).
 *
 * A vCPU thread is inside KVM_RUN most of the time.  To stop it, the
 * migration thread sets `stop`, sets immediate_exit in its kvm_run and sends
 * it a signal: KVM_RUN returns EINTR (api.rst 4.10, immediate_exit), the run
 * loop comes round to mig_pause_point, and the vCPU parks there.  Parked, it
 * first completes a pending I/O with KVM_RUN + immediate_exit (the state read
 * next must not sit in the middle of an OUT), then saves its own state on its
 * own thread, then waits for the migration's decision: end as migrated, or
 * run on (the destination did not take the guest).  Throttling works the same
 * way: a tick kicks the vCPUs every LIVE_THROTTLE_TICK_MS and each sleeps
 * pct / (100 - pct) ticks, as QEMU's cpu_throttle does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kvmlab.h"

#define MIG_KICK_SIGNAL (SIGRTMIN + 3)  /* smp.c kicks with SIGRTMIN + 2, the watchdog + 1 */

static double pause_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The signal only has to interrupt KVM_RUN; `stop` and throttle_due say why. */
static void pause_kick_handler(int sig)
{
	(void)sig;
}

void mig_cond_wait_ms(pthread_cond_t *c, pthread_mutex_t *m, long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);     /* pthread_cond_timedwait's clock */
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(c, m, &ts);
}

int mig_pause_init(struct mig_pause *p, int n, bool irqchip, char *err, size_t errlen)
{
	struct sigaction sa;

	memset(p, 0, sizeof(*p));
	p->n = n;
	p->irqchip = irqchip;
	p->state = calloc((size_t)n, sizeof(*p->state));
	if (!p->state) {
		snprintf(err, errlen, "out of memory for %d vCPU states", n);
		return -1;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = pause_kick_handler;    /* no SA_RESTART: KVM_RUN must see EINTR */
	sigemptyset(&sa.sa_mask);
	if (sigaction(MIG_KICK_SIGNAL, &sa, NULL) != 0) {
		snprintf(err, errlen, "sigaction(SIGRTMIN+3): %s", strerror(errno));
		return -1;
	}
	return 0;
}

void mig_pause_destroy(struct mig_pause *p)
{
	if (!p->state)
		return;
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p->state);
	p->state = NULL;
}

void mig_pause_join(struct vcpu *v)
{
	struct mig_pause *p = v->vm->pause;

	if (v->id < 0 || v->id >= p->n)
		return;
	pthread_mutex_lock(&p->lock);
	p->tid[v->id] = (pid_t)syscall(SYS_gettid);
	p->joined[v->id] = true;
	pthread_mutex_unlock(&p->lock);
}

void mig_pause_leave(struct vcpu *v)
{
	struct mig_pause *p = v->vm->pause;

	if (v->id < 0 || v->id >= p->n)
		return;
	pthread_mutex_lock(&p->lock);
	p->left[v->id] = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

/* Called with p->lock held. */
static void pause_kick_locked(struct mig_pause *p)
{
	for (int i = 0; i < p->n; i++)
		if (p->joined[i] && !p->left[i] && !p->parked[i])
			syscall(SYS_tgkill, getpid(), p->tid[i], MIG_KICK_SIGNAL);
}

void mig_pause_kick(struct mig_pause *p)
{
	pthread_mutex_lock(&p->lock);
	pause_kick_locked(p);
	pthread_mutex_unlock(&p->lock);
}

/* Sleeps the throttle's share of a tick (auto-converge); a stop request ends
 * the sleep at once (it is part of the downtime otherwise).  Called with p->lock held. */
static void pause_throttle_locked(struct mig_pause *p, int id, int pct)
{
	long ns = (long)LIVE_THROTTLE_TICK_MS * 1000000L * pct / (100 - pct);
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ns / 1000000000L;
	ts.tv_nsec += ns % 1000000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	while (!p->stop && pthread_cond_timedwait(&p->cond, &p->lock, &ts) != ETIMEDOUT)
		;
	p->throttle_due[id] = false;    /* after the sleep: the ticks during it do not add up */
}

bool mig_pause_point(struct vcpu *v)
{
	struct mig_pause *p = v->vm->pause;
	int id = v->id;
	bool migrated = false;

	if (!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE) && !__atomic_load_n(&p->throttle_due[id], __ATOMIC_ACQUIRE))
		return false;           /* the common case: one load, no lock */
	pthread_mutex_lock(&p->lock);
	if (!p->stop && p->throttle_due[id]) {
		if (p->throttle_pct > 0)
			pause_throttle_locked(p, id, p->throttle_pct);
		p->throttle_due[id] = false;    /* also when throttling has ended meanwhile */
	}
	if (!p->stop) {
		pthread_mutex_unlock(&p->lock);
		v->run->immediate_exit = vcpu_leave_due(v);
		return false;
	}
	pthread_mutex_unlock(&p->lock);

	/* Finish the instruction of the last exit, then read the state (state.c). */
	char err[256] = "";
	int rc = mig_complete_io(v, err, sizeof(err));
	if (rc == 0)
		rc = mig_vcpu_get(v, p->irqchip, &p->state[id], err, sizeof(err));

	pthread_mutex_lock(&p->lock);
	p->state_rc[id] = rc;
	if (rc != 0)
		snprintf(p->state_err, sizeof(p->state_err), "vCPU %d: %s", id, err);
	p->parked[id] = true;
	pthread_cond_broadcast(&p->cond);
	while (p->outcome == PAUSE_WAIT)
		pthread_cond_wait(&p->cond, &p->lock);
	migrated = p->outcome == PAUSE_MIGRATED;
	bool lost = p->outcome == PAUSE_LOST;
	p->parked[id] = false;
	pthread_mutex_unlock(&p->lock);
	if (migrated) {
		vcpu_end(v, END_MIGRATED, "the guest runs on in the destination");
		return true;
	}
	if (lost) {
		vcpu_end(v, END_HOST_ERROR, "%s", p->lost);
		return true;
	}
	v->run->immediate_exit = vcpu_leave_due(v);
	return false;
}

bool mig_pause_wait_stop(struct vcpu *v, long ms)
{
	struct mig_pause *p = v->vm->pause;

	pthread_mutex_lock(&p->lock);
	if (!p->stop)                   /* checked under the lock: a stop broadcast is never missed */
		mig_cond_wait_ms(&p->cond, &p->lock, ms);
	bool stop = p->stop;
	pthread_mutex_unlock(&p->lock);
	return stop;
}

int mig_pause_stop(struct mig_pause *p, double timeout_s, char *err, size_t errlen)
{
	double deadline = pause_now() + timeout_s;
	int rc = -1;

	pthread_mutex_lock(&p->lock);
	p->outcome = PAUSE_WAIT;
	__atomic_store_n(&p->stop, true, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&p->cond);       /* a throttled vCPU asleep wakes and parks */
	for (;;) {
		int parked = 0, left = -1;
		for (int i = 0; i < p->n; i++) {
			parked += p->parked[i];
			if (p->left[i] && left < 0)
				left = i;
		}
		if (left >= 0) {
			snprintf(err, errlen, "vCPU %d ended before it could be stopped (the guest finished first)", left);
			break;
		}
		if (parked == p->n) {
			rc = 0;
			for (int i = 0; i < p->n; i++)
				if (p->state_rc[i] != 0) {
					snprintf(err, errlen, "reading the vCPU state: %s", p->state_err);
					rc = -1;
				}
			break;
		}
		if (pause_now() > deadline) {
			snprintf(err, errlen, "the vCPUs did not stop within %.0f s", timeout_s);
			break;
		}
		/* A vCPU may be between its check and KVM_RUN: kick again each millisecond. */
		pause_kick_locked(p);
		mig_cond_wait_ms(&p->cond, &p->lock, 1);
	}
	p->stopped_at = pause_now();
	pthread_mutex_unlock(&p->lock);
	return rc;
}

void mig_pause_release(struct mig_pause *p, bool migrated)
{
	pthread_mutex_lock(&p->lock);
	p->outcome = migrated ? PAUSE_MIGRATED : PAUSE_RESUME;
	__atomic_store_n(&p->stop, false, __ATOMIC_RELEASE);
	p->throttle_pct = 0;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

void mig_pause_lose(struct mig_pause *p, const char *why)
{
	pthread_mutex_lock(&p->lock);
	snprintf(p->lost, sizeof(p->lost), "%s", why);
	p->outcome = PAUSE_LOST;
	__atomic_store_n(&p->stop, false, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}
