/*
 * live.c - `run --live SECS`: KVM's own per-vCPU counters while the guest
 * runs, one row every SECS seconds, as kvm_stat shows a VM.
 *
 * kvm_stat reads /sys/kernel/debug/kvm (or KVM's tracepoints) from outside
 * the VMM; kvmlab owns its vCPU fds, so it reads the same counters from
 * each vCPU's binary stats fd (api.rst 4.133 KVM_GET_STATS_FD: a second fd
 * of its own, opened here, so nothing is shared with the run's before/after
 * sample).  A monitor thread wakes every interval, preads the data blocks,
 * sums the vCPUs and prints the rate of each counter on stderr; the samples
 * stay for the JSON report (`live`).  The vCPU threads are never touched:
 * the rates cost the guest nothing but the monitor's CPU.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "kvmlab.h"

/* The columns: kvm_stat's most telling counters that every x86 KVM has
 * (virt/kvm/x86.c kvm_vcpu_stats_desc).  A counter this KVM lacks is left out. */
static const char *const live_names[LIVE_STATS_MAX] = {
	"exits", "io_exits", "mmio_exits", "halt_exits", "irq_exits", "signal_exits",
	"insn_emulation", "irq_injections",
};

static double live_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Cumulative counts since live_start, summed over the vCPUs. */
static void live_read(struct live *l, uint64_t *cum)
{
	memset(cum, 0, sizeof(uint64_t) * LIVE_STATS_MAX);
	for (int v = 0; v < l->nvcpus; v++) {
		struct kvm_stats *st = &l->st[v];
		if (st->fd < 0 || kvmstats_sample(st, true) != 0)
			continue;
		for (int i = 0; i < l->nstats; i++) {
			const struct kvm_stat *s = kvmstats_find(st, l->names[i]);
			if (s)
				cum[i] += kvmstats_delta(s);
		}
	}
}

static void live_header(const struct live *l)
{
	fprintf(l->out, "live: KVM's per-vCPU stats (%d vCPU%s summed), per second over each %.3g s\n",
		l->nvcpus, l->nvcpus == 1 ? "" : "s", l->interval);
	fprintf(l->out, "live: %8s", "t (s)");
	for (int i = 0; i < l->nstats; i++)
		fprintf(l->out, " %14s", l->names[i]);
	fputc('\n', l->out);
}

static void live_take(struct live *l)
{
	if (l->ns == LIVE_SAMPLES_MAX) {
		l->dropped++;
		return;
	}
	struct live_sample *s = &l->s[l->ns];
	const struct live_sample *prev = l->ns ? &l->s[l->ns - 1] : NULL;
	s->t = live_now() - l->t0;
	s->dt = s->t - (prev ? prev->t : 0);
	live_read(l, s->cum);
	fprintf(l->out, "live: %8.3f", s->t);
	for (int i = 0; i < l->nstats; i++) {
		uint64_t d = s->cum[i] - (prev ? prev->cum[i] : 0);
		fprintf(l->out, " %14.0f", s->dt > 0 ? (double)d / s->dt : 0.0);
	}
	fputc('\n', l->out);
	fflush(l->out);
	l->ns++;
}

static void *live_thread(void *arg)
{
	struct live *l = arg;
	struct pollfd pfd = { .fd = l->stopfd, .events = POLLIN };
	int ms = (int)(l->interval * 1000.0 + 0.5);

	for (;;) {
		int n = poll(&pfd, 1, ms > 0 ? ms : 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n != 0)
			break;                  /* live_stop: it takes the last sample */
		live_take(l);
	}
	return NULL;
}

int live_start(struct live *l, double interval, const int *vcpu_fds, int n, char *err, size_t errlen)
{
	memset(l, 0, sizeof(*l));
	l->stopfd = -1;
	l->out = stderr;
	l->interval = interval;
	for (int v = 0; v < n && v < VCPUS_MAX; v++) {
		kvmstats_open(&l->st[v], vcpu_fds[v]);
		l->nvcpus = v + 1;      /* live_free closes the ones opened */
		if (l->st[v].fd < 0) {
			snprintf(err, errlen, "--live: KVM_GET_STATS_FD on vCPU %d failed (KVM_CAP_BINARY_STATS_FD)", v);
			live_free(l);
			return -1;
		}
		kvmstats_sample(&l->st[v], false);
	}
	for (int i = 0; i < LIVE_STATS_MAX; i++)
		if (kvmstats_find(&l->st[0], live_names[i]))
			l->names[l->nstats++] = live_names[i];
	l->s = calloc(LIVE_SAMPLES_MAX, sizeof(*l->s));
	l->stopfd = eventfd(0, EFD_CLOEXEC);
	if (!l->s || l->stopfd < 0) {
		snprintf(err, errlen, "--live: %s", l->s ? strerror(errno) : "out of memory");
		live_free(l);
		return -1;
	}
	l->t0 = live_now();
	live_header(l);
	int e = pthread_create(&l->thread, NULL, live_thread, l);
	if (e != 0) {
		snprintf(err, errlen, "--live: pthread_create: %s", strerror(e));
		live_free(l);
		return -1;
	}
	l->running = true;
	return 0;
}

void live_stop(struct live *l)
{
	uint64_t one = 1;

	if (!l->running)
		return;
	if (write(l->stopfd, &one, sizeof(one)) != sizeof(one))
		vlog("live: cannot wake the monitor: %s", strerror(errno));
	pthread_join(l->thread, NULL);
	l->running = false;
	live_take(l);                   /* the end of the run, however short the last interval */
}

void live_free(struct live *l)
{
	live_stop(l);
	for (int v = 0; v < l->nvcpus; v++)
		kvmstats_close(&l->st[v]);
	if (l->stopfd >= 0)
		close(l->stopfd);
	free(l->s);
	l->s = NULL;
	l->ns = 0;
	l->nvcpus = 0;
	l->stopfd = -1;
}
