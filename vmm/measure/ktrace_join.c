/*
 * ktrace_join.c - KVM's events, cut into one row per KVM_RUN ioctl.
 *
 * A KVM_RUN starts at sys_enter_ioctl (cmd KVM_RUN) and ends at the thread's
 * next sys_exit_ioctl; kvm_userspace_exit just before that says why it went
 * back to user space.  Inside, each kvm_entry..kvm_exit pair is time in guest
 * mode (VMX/SVM only: PVM emits neither), the rest of the ioctl is kernel mode,
 * and the time from sys_exit_ioctl to the thread's next KVM_RUN is user mode.
 * Pure: no tracefs, so tests/unit can feed it synthetic events.
 */
#include <stdlib.h>
#include <string.h>

#include "kvmlab.h"

#define TIDS_MAX (VCPUS_MAX + 8)

struct tid_state {
	int32_t tid;
	long cur;               /* index of the open KVM_RUN, -1 none */
	long prev;              /* the last closed one, for its user time */
	uint64_t entry_ts;      /* kvm_entry not yet matched by a kvm_exit, 0 none */
};

static int ev_cmp(const void *a, const void *b)
{
	const struct ktrace_event *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;  /* qsort is not stable: keep input order */
}

static void count_reason(struct ktrace_count *t, uint32_t *n, uint32_t max, uint32_t *other, uint32_t code)
{
	for (uint32_t i = 0; i < *n; i++)
		if (t[i].code == code) {
			t[i].count++;
			return;
		}
	if (*n < max) {
		t[*n].code = code;
		t[(*n)++].count = 1;
	} else {
		(*other)++;
	}
}

static struct tid_state *tid_find(struct tid_state *ts, int *n, int32_t tid)
{
	for (int i = 0; i < *n; i++)
		if (ts[i].tid == tid)
			return &ts[i];
	if (*n == TIDS_MAX)
		return NULL;
	ts[*n] = (struct tid_state){ .tid = tid, .cur = -1, .prev = -1 };
	return &ts[(*n)++];
}

static void run_close(struct ktrace_krun *k, uint64_t t)
{
	k->t_ret = t;
	k->kernel = t - k->t_enter > k->guest ? t - k->t_enter - k->guest : 0;
}

int ktrace_join(struct ktrace_event *ev, size_t n, struct ktrace_result *res)
{
	struct tid_state ts[TIDS_MAX];
	int nts = 0;
	size_t cap = 0;

	/* The ring buffer is per CPU and a thread may migrate: order by time, ties in input order. */
	for (size_t i = 0; i < n; i++)
		ev[i].seq = (uint32_t)i;
	qsort(ev, n, sizeof(*ev), ev_cmp);
	for (size_t i = 0; i < n; i++) {
		const struct ktrace_event *e = &ev[i];
		struct tid_state *s = tid_find(ts, &nts, e->tid);
		struct ktrace_krun *k;

		if (e->kind < KT_KINDS)
			res->counts[e->kind]++;
		if (!s)
			continue;
		k = s->cur >= 0 ? &res->runs[s->cur] : NULL;
		switch (e->kind) {
		case KT_RUN_ENTER:
			if (k)                  /* its sys_exit_ioctl was lost */
				run_close(k, e->ts);
			if (res->nruns == cap) {
				size_t nc = cap ? cap * 2 : 256;
				struct ktrace_krun *nr = realloc(res->runs, nc * sizeof(*nr));
				if (!nr)
					return -1;
				res->runs = nr;
				cap = nc;
			}
			if (s->prev >= 0) {
				struct ktrace_krun *p = &res->runs[s->prev];
				p->user = e->ts - p->t_ret;
				p->user_known = true;
				res->user += p->user;
			}
			s->cur = (long)res->nruns++;
			res->runs[s->cur] = (struct ktrace_krun){ .tid = e->tid, .t_enter = e->ts, .user_reason = -1 };
			s->entry_ts = 0;
			continue;
		case KT_RUN_RET:
			if (!k)                 /* the return of another ioctl (only KVM_RUN enters are kept) */
				continue;
			run_close(k, e->ts);
			res->guest += k->guest;
			res->kernel += k->kernel;
			s->prev = s->cur;
			s->cur = -1;
			continue;
		default:
			break;
		}
		if (!k) {
			res->outside++;
			continue;
		}
		k->counts[e->kind]++;
		switch (e->kind) {
		case KT_ENTRY:
			s->entry_ts = e->ts;
			res->guest_seen = true;
			break;
		case KT_EXIT:
			if (s->entry_ts) {
				k->guest += e->ts - s->entry_ts;
				s->entry_ts = 0;
			}
			k->nexits++;
			res->isa = e->isa;
			count_reason(k->reasons, &k->nreasons, KTRACE_RUN_REASONS, &k->reasons_other, e->code);
			count_reason(res->reasons, &res->nreasons, KTRACE_REASONS_MAX, &res->reasons_other, e->code);
			break;
		case KT_USER_EXIT:
			k->user_reason = e->code;
			k->user_errno = e->err;
			if (e->err == -4)       /* -EINTR: a signal (the watchdog, SIGINT) */
				res->interrupted++;
			else if (e->code < 64)
				res->user_reasons[e->code]++;
			break;
		default:
			break;
		}
	}
	return 0;
}

void ktrace_result_free(struct ktrace_result *res)
{
	free(res->runs);
	res->runs = NULL;
	res->nruns = 0;
}
