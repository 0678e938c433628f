/*
 * precopy_live.c - live pre-copy migration (热迁移) of a running guest to
 * `kvmlab receive`, as QEMU's RAM migration does it, small enough to read:
 *
 *   round 0      every RAM page, while the guest runs;
 *   round i > 0  the pages KVM_GET_DIRTY_LOG reports dirtied since the round
 *                before (with KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, reading the log
 *                does not re-protect the pages: KVM_CLEAR_DIRTY_LOG does, for the
 *                bits we took; api.rst 4.37, 4.117);
 *   stop-and-copy once the pages left would cross the link at the measured
 *                bandwidth within --max-downtime, or after --migrate-max-rounds:
 *                the vCPUs park (pause.c), the last dirty pages and every vCPU's
 *                state follow, and the destination answers MIG_ACK_MAGIC just
 *                before it runs the guest.
 *
 * Downtime is measured from the moment every source vCPU has stopped to that
 * answer; total time from the first byte to it.  If the connection fails or
 * the destination refuses, the source guest runs on to its normal end and one
 * line says why.  --auto-converge throttles the vCPUs (pause.c) more each
 * round that did not converge.  The simulated model (vmm/mem/precopy.c) is
 * run on the measured dirty counts, for the report to set beside this.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "kvmlab.h"

#define LIVE_STOP_TIMEOUT_S     5       /* the vCPUs must park within this */
/* A slot's bits start on a bitmap word: KVM_GET_DIRTY_LOG writes whole words (api.rst 4.37). */
_Static_assert(GPA_HOTPLUG / MIG_PAGE % 64 == 0, "the hotplug slot's dirty bits must start a word");

static double live_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void live_sleep(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Each migrated slot's dirty log (re-protected with manual protect), added to
 * the pages still to send in l->bitmap.  Returns how many those are, or -1 with err. */
static int64_t live_harvest(struct mig_live *l, char *err, size_t errlen)
{
	struct vm *vm = &l->r->vm;
	int64_t n = 0;

	mig_vhost_harvest(vm, l->bitmap, l->bm_pages); /* a vhost-user back-end's writes (its own log) */
	for (int k = 0; k < l->nslots; k++) {
		const struct live_slot *ls = &l->slot[k];
		uint64_t w0 = ls->gpa / MIG_PAGE / 64, nw = (ls->npages + 63) / 64;
		struct kvm_dirty_log log = { .slot = ls->id, .dirty_bitmap = l->log + w0 };

		pthread_mutex_lock(&vm->memlab->lock);  /* a guest's own harvest (port 0xF8) takes it too */
		int rc = ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log);
		if (rc == 0 && vm->memlab->manual_protect) {
			struct kvm_clear_dirty_log clr = { .slot = ls->id, .first_page = 0,
							   .num_pages = (uint32_t)ls->npages, .dirty_bitmap = l->log + w0 };
			rc = ioctl(vm->fd, KVM_CLEAR_DIRTY_LOG, &clr);
		}
		pthread_mutex_unlock(&vm->memlab->lock);
		if (rc != 0) {
			snprintf(err, errlen, "KVM_GET_DIRTY_LOG/KVM_CLEAR_DIRTY_LOG (slot %u): %s", ls->id, strerror(errno));
			return -1;
		}
		for (uint64_t w = w0; w < w0 + nw; w++) {
			/* The devices' writes, which the log does not hold (devstate.c). */
			l->bitmap[w] |= l->log[w] | __atomic_exchange_n(&l->devdirty[w], 0, __ATOMIC_RELAXED);
			n += __builtin_popcountll(l->bitmap[w]);
		}
	}
	return n;
}

/* Every page of every migrated slot is to be sent (round 0). */
static void live_mark_all(struct mig_live *l)
{
	for (int k = 0; k < l->nslots; k++) {
		uint64_t w0 = l->slot[k].gpa / MIG_PAGE / 64, np = l->slot[k].npages;
		memset(l->bitmap + w0, 0xff, np / 64 * sizeof(uint64_t));
		if (np % 64)            /* no bit past the slot's end: the count must be exact */
			l->bitmap[w0 + np / 64] = (1ULL << (np % 64)) - 1;
	}
}

/* The set bits of every migrated slot as RAM sections.  Pages sent,
 * MIG_WRITE_STOPPED (the run ended meanwhile: live_after_chunk), or -1. */
static int64_t live_write_dirty(struct mig_live *l, struct mig_out *out,
				bool (*after_chunk)(void *arg, uint64_t bytes), void *arg)
{
	int64_t sent = 0;

	for (int k = 0; k < l->nslots; k++) {
		const struct live_slot *ls = &l->slot[k];
		int64_t n = mig_write_bitmap(out, &l->r->vm.mem, l->bitmap + ls->gpa / MIG_PAGE / 64, ls->npages,
					     ls->gpa, after_chunk, arg);
		if (n < 0)
			return n;
		sent += n;
	}
	memset(l->bitmap, 0, (l->bm_pages + 63) / 64 * sizeof(uint64_t));      /* sent: nothing pending */
	return sent;
}

/* A migration carries the slot table it reads at its start, so from the trigger
 * on no slot may change: memctl answers a hotplug request MEMCTL_EMIGRATING
 * (as QEMU refuses memory hotplug while it migrates).  Thawed if the guest runs on. */
static void live_freeze(struct vm *vm, bool frozen)
{
	if (!vm->memlab)
		return;
	pthread_mutex_lock(&vm->memlab->lock);
	vm->memlab->slots_frozen = frozen;
	pthread_mutex_unlock(&vm->memlab->lock);
}

/* Freezes the slots and records the ones migrated (RAM, and hotplugged memory
 * if the guest has it): under mem_lab.lock, which every slot change holds. */
static void live_take_slots(struct mig_live *l)
{
	struct vm *vm = &l->r->vm;
	static const uint32_t ids[MIG_LIVE_SLOTS] = { SLOT_RAM, SLOT_HOTPLUG };

	pthread_mutex_lock(&vm->memlab->lock);
	vm->memlab->slots_frozen = true;
	l->nslots = 0;
	for (int k = 0; k < MIG_LIVE_SLOTS; k++) {
		const struct mem_slot *s = memslots_by_id(&vm->mem, ids[k]);
		if (s && s->gpa / MIG_PAGE + s->size / MIG_PAGE <= l->bm_pages)
			l->slot[l->nslots++] = (struct live_slot){ s->id, s->gpa, s->size / MIG_PAGE };
	}
	pthread_mutex_unlock(&vm->memlab->lock);
}

static uint64_t live_total_pages(const struct mig_live *l)
{
	uint64_t n = 0;

	for (int k = 0; k < l->nslots; k++)
		n += l->slot[k].npages;
	return n;
}

static bool live_over(struct mig_live *l)
{
	pthread_mutex_lock(&l->lock);
	bool over = l->over;
	pthread_mutex_unlock(&l->lock);
	return over;
}

/* --bandwidth: after each section, sleep until the round's bytes fit the rate,
 * in slices of LIVE_PACE_SLICE_S, and stop (true) once the run has ended: a
 * Ctrl-C or a timeout ends the vCPU at once, and a slow link must not keep
 * the process for the rest of a round that nothing will receive. */
#define LIVE_PACE_SLICE_S 0.02
struct live_pace {
	double t0, rate;                /* round start; bytes/s, 0 = unlimited */
	uint64_t bytes;
	struct mig_live *l;
};
static bool live_after_chunk(void *arg, uint64_t bytes)
{
	struct live_pace *pc = arg;

	pc->bytes += bytes;
	if (pc->rate > 0) {
		double due = pc->t0 + (double)pc->bytes / pc->rate;
		for (double now = live_now(); due > now; now = live_now()) {
			if (live_over(pc->l))
				return true;
			live_sleep(due - now < LIVE_PACE_SLICE_S ? due - now : LIVE_PACE_SLICE_S);
		}
	}
	if (pc->l->pause.throttle_pct)          /* auto-converge: the tick is each chunk or 10 ms */
		mig_pause_kick(&pc->l->pause);
	return live_over(pc->l);
}

/* The throttle ticks while the sender waits for the socket too: a thread. */
static void *live_throttle_thread(void *arg)
{
	struct mig_live *l = arg;

	for (;;) {
		pthread_mutex_lock(&l->lock);
		bool over = l->over || !l->attempted;
		pthread_mutex_unlock(&l->lock);
		pthread_mutex_lock(&l->pause.lock);
		bool stop = l->pause.stop;
		int pct = l->pause.throttle_pct;
		if (pct)
			for (int i = 0; i < l->pause.n; i++)
				l->pause.throttle_due[i] = true;
		pthread_mutex_unlock(&l->pause.lock);
		if (over || pct < 0)
			break;
		if (pct && !stop)
			mig_pause_kick(&l->pause);
		live_sleep(LIVE_THROTTLE_TICK_MS / 1000.0);
	}
	return NULL;
}

static void live_fail(struct mig_live *l, const char *fmt, const char *why)
{
	snprintf(l->warn, sizeof(l->warn), fmt, why);
}

/* The whole migration, on its own thread, once the trigger came. */
static void live_migrate(struct mig_live *l)
{
	struct vm *vm = &l->r->vm;
	double rate = l->bandwidth * 1024 * 1024;
	double budget_s = l->max_downtime_ms / 1000.0;
	char err[512];
	struct mig_addr a;
	pthread_t throttle;
	bool throttling = false;

	l->attempted = true;
	live_take_slots(l);             /* before the first page is read, and the LAYOUT written */
	uint64_t npages = live_total_pages(l);
	if (mig_addr_parse(l->to, &a, err, sizeof(err)) != 0) {  /* checked by setup: cannot fail */
		live_fail(l, "%s", err);
		return;
	}
	/* Pre-copy sends RAM while a vhost-user back-end writes it: no log, no migration.
	 * (Post-copy sends RAM only after the ring stopped: it needs none.) */
	if (!l->postcopy && mig_vhost_log_start(vm, err, sizeof(err)) != 0) {
		live_fail(l, "%s: the guest runs on here", err);
		return;
	}
	int fd = mig_connect(&a, MIG_IO_TIMEOUT_S, err, sizeof(err));
	if (fd < 0 || mig_set_timeouts(fd, err, sizeof(err)) != 0) {
		live_fail(l, "%s", err);
		if (fd >= 0)
			close(fd);
		mig_vhost_log_end(vm);
		return;
	}
	struct mig_out out = { .fd = fd };
	struct mig_config cfg = { .vcpus = (uint32_t)l->pause.n, .irqchip = vm->cfg.irqchip, .mem = vm->mem.size };
	double t_start = live_now();

	if (l->auto_converge)
		throttling = pthread_create(&throttle, NULL, live_throttle_thread, l) == 0;
	mig_virtio_track(vm, l->devdirty, l->bm_pages); /* before round 0 reads the first page */
	if (live_harvest(l, err, sizeof(err)) < 0) {    /* round 0 sends all: the log starts now */
		live_fail(l, "%s", err);
		goto out;
	}
	memset(l->bitmap, 0, (l->bm_pages + 63) / 64 * sizeof(uint64_t));
	if (mig_write_header(&out) != 0 || mig_write_section(&out, MIG_SEC_CONFIG, &cfg, sizeof(cfg)) != 0 ||
	    mig_write_layout(&out, &vm->mem) != 0)
		goto write_failed;

	if (l->postcopy) {              /* postcopy.c: state first, RAM on demand */
		mig_postcopy_run(l, fd, &out, t_start);
		goto out;
	}
	int64_t pending = (int64_t)npages;
	for (int round = 0;; round++) {
		struct live_round *rd = &l->round[round];
		struct live_pace pc = { .t0 = live_now(), .rate = rate, .l = l };
		int64_t sent;

		rd->throttle_pct = l->pause.throttle_pct;
		if (round == 0) {       /* every page, whatever the log says, but those in the balloon */
			live_mark_all(l);
			mig_balloon_skip(vm, l->bitmap, l->bm_pages);
		}
		gmem_hold(&vm->mem);    /* the slots are frozen; the lock is the rule all the same */
		sent = live_write_dirty(l, &out, live_after_chunk, &pc);
		gmem_release(&vm->mem);
		if (sent == MIG_WRITE_STOPPED) {
			live_fail(l, "%s", "the run ended during pre-copy (the guest finished, a timeout or a stop signal): nothing migrated");
			goto out;
		}
		if (sent < 0)
			goto write_failed;
		rd->pages = (uint64_t)sent;
		rd->bytes = pc.bytes;
		rd->seconds = live_now() - pc.t0;
		l->nrounds = round + 1;
		if (rd->seconds > 0 && rd->bytes)
			l->bandwidth_measured = (double)rd->bytes / rd->seconds;

		pending = live_harvest(l, err, sizeof(err));
		if (pending < 0) {
			live_fail(l, "%s", err);
			goto out;
		}
		if (round + 1 <= LIVE_ROUNDS_MAX)
			l->round[round + 1].dirty_rate = rd->seconds > 0 ? (double)pending / rd->seconds : 0;
		/* Would the rest cross the link within the downtime budget? */
		double bw = l->bandwidth_measured > 0 ? l->bandwidth_measured : 1;
		if ((double)pending * MIG_PAGE / bw <= budget_s) {
			l->converged = true;
			break;
		}
		if (round + 1 >= l->max_rounds)
			break;          /* not converged: stop anyway (QEMU would go on; the round limit ends it) */
		if (l->auto_converge) {         /* throttle harder each round that did not converge */
			pthread_mutex_lock(&l->pause.lock);
			int pct = l->pause.throttle_pct ? l->pause.throttle_pct + LIVE_THROTTLE_STEP : LIVE_THROTTLE_INITIAL;
			l->pause.throttle_pct = pct > LIVE_THROTTLE_MAX ? LIVE_THROTTLE_MAX : pct;
			pthread_mutex_unlock(&l->pause.lock);
		}
		if (live_over(l)) {
			live_fail(l, "%s", "the guest ended during pre-copy: nothing to migrate");
			goto out;
		}
	}

	/* Stop-and-copy: the vCPUs park, the last pages and the state follow. */
	double t_stop = live_now();     /* downtime starts with the request: parking is part of it */
	if (mig_pause_stop(&l->pause, LIVE_STOP_TIMEOUT_S, err, sizeof(err)) != 0) {
		mig_pause_release(&l->pause, false);
		live_fail(l, "%s", err);
		goto out;
	}
	uint64_t before = out.bytes;
	/* The devices first: a chain they finish now dirties pages the harvest must see. */
	if (mig_check_savable(vm, err, sizeof(err)) != 0 || live_harvest(l, err, sizeof(err)) < 0) {
		mig_virtio_resume(vm);
		mig_vhost_resume(vm);
		mig_pause_release(&l->pause, false);
		live_fail(l, "%s", err);
		goto out;
	}
	gmem_hold(&vm->mem);
	int64_t last = live_write_dirty(l, &out, NULL, NULL);
	int64_t rom = last < 0 ? -1 : mig_write_rom(&out, &vm->mem);
	gmem_release(&vm->mem);
	last = rom < 0 ? -1 : last + rom;
	struct smp_vcpu_info vi;
	if (last < 0 || !smp_vcpu_at(l->r, 0, &vi) ||
	    mig_write_state(&out, (struct vcpu *)vi.v, l->pause.state, l->pause.n, l->payload, err, sizeof(err)) != 0) {
		mig_virtio_resume(vm);
		mig_vhost_resume(vm);
		mig_pause_release(&l->pause, false);
		live_fail(l, "the connection failed in stop-and-copy (%s): the guest runs on here",
			  out.err ? strerror(out.err) : err);
		goto out;
	}
	l->stop_pages = (uint64_t)last;
	l->stop_bytes = out.bytes - before;
	l->stop_seconds = live_now() - t_stop;

	/* The destination's answer: it has the whole guest and runs it now. */
	char why[128];
	if (mig_read_ack(fd, why, sizeof(why)) != 0) {
		mig_virtio_resume(vm);        /* the guest runs on here, and so does its network */
		mig_vhost_resume(vm);
		mig_pause_release(&l->pause, false);
		live_fail(l, "the destination did not take the guest (no acknowledgement: %s): the guest runs on here", why);
		goto out;
	}
	double t_ack = live_now();
	l->downtime_seconds = t_ack - t_stop;
	l->total_seconds = t_ack - t_start;
	l->total_bytes = out.bytes;
	l->completed = true;
	/* The vCPUs end without running again: RAM is as it was sent, and its checksum
	 * (a whole pass over RAM) stays out of the downtime. */
	gmem_hold(&vm->mem);
	l->checksum = mig_ram_checksum(&vm->mem);
	gmem_release(&vm->mem);
	mig_pause_release(&l->pause, true);
	goto out;

write_failed:
	if (out.err == EAGAIN)
		snprintf(l->warn, sizeof(l->warn), "the connection failed during pre-copy (no progress for %d s): "
			 "the guest runs on here", MIG_IO_TIMEOUT_S);
	else
		snprintf(l->warn, sizeof(l->warn), "the connection failed during pre-copy (%s): the guest runs on here",
			 out.err ? strerror(out.err) : "a page outside guest RAM");
out:
	mig_virtio_track(vm, NULL, 0);
	mig_vhost_log_end(vm);
	if (throttling) {
		pthread_mutex_lock(&l->pause.lock);
		l->pause.throttle_pct = -1;     /* the tick thread's sign to end */
		pthread_mutex_unlock(&l->pause.lock);
		pthread_join(throttle, NULL);
		pthread_mutex_lock(&l->pause.lock);
		l->pause.throttle_pct = 0;
		pthread_mutex_unlock(&l->pause.lock);
	}
	close(fd);
	for (int i = 0; i < l->nrounds; i++)
		l->ram_pages += l->round[i].pages;
	l->ram_pages += l->stop_pages;
	/* The model on what the guest really did: round i's dirty count is round i+1's pages. */
	uint64_t dirty[LIVE_ROUNDS_MAX + 1];
	int nd = 0;
	for (int i = 1; i < l->nrounds; i++)
		dirty[nd++] = l->round[i].pages;
	dirty[nd++] = l->stop_pages;
	l->model_budget = (uint64_t)(l->max_downtime_ms / 1000.0 *
				     (l->bandwidth_measured > 0 ? l->bandwidth_measured : 1) / MIG_PAGE);
	precopy_simulate(&l->model, npages, l->model_budget ? l->model_budget : 1, dirty, nd);
}

static void *live_thread(void *arg)
{
	struct mig_live *l = arg;
	double deadline = live_now() + l->after;

	/* Wait for the trigger: --migrate-after's time, or the report (live_report_hook). */
	pthread_mutex_lock(&l->lock);
	while (!l->over && !l->go) {
		if (!l->at && live_now() >= deadline)
			break;
		mig_cond_wait_ms(&l->cond, &l->lock, 2);
	}
	bool over = l->over;
	pthread_mutex_unlock(&l->lock);
	if (!over) {
		live_migrate(l);
		/* Every way it failed, the early ones too (no connection): the guest runs on
		 * here, may hotplug again, and a migration wait (memctl.c) returns. */
		if (!l->completed)
			live_freeze(&l->r->vm, false);
	}
	/* MEMCTL_MIGRATION_PENDING answers 0 from now on (memctl.c). */
	__atomic_store_n(&l->pause.ended, true, __ATOMIC_RELEASE);
	return NULL;
}

static void live_start_hook(struct run *r, void *arg)
{
	struct mig_live *l = arg;
	char err[256];

	l->r = r;
	if (mig_pause_init(&l->pause, r->vm.cfg.vcpus > 0 ? r->vm.cfg.vcpus : 1, r->vm.cfg.irqchip != IRQ_NONE,
			   err, sizeof(err)) != 0) {
		snprintf(l->warn, sizeof(l->warn), "%s", err);
		return;
	}
	/* Room for RAM and for the hotplug slot the guest may add before the trigger
	 * (at most HOTPLUG_MAX_MIB at GPA_HOTPLUG): 80 KiB a bitmap for the default layout. */
	uint64_t top = GPA_HOTPLUG + ((uint64_t)HOTPLUG_MAX_MIB << 20);
	l->bm_pages = (r->vm.mem.size > top ? r->vm.mem.size : top) / MIG_PAGE;
	l->bitmap = calloc((l->bm_pages + 63) / 64, sizeof(uint64_t));
	l->log = calloc((l->bm_pages + 63) / 64, sizeof(uint64_t));
	l->devdirty = calloc((l->bm_pages + 63) / 64, sizeof(uint64_t));
	if (!l->bitmap || !l->log || !l->devdirty || !r->vm.memlab) {
		snprintf(l->warn, sizeof(l->warn), "out of memory for the dirty bitmap");
		return;
	}
	r->vm.pause = &l->pause;        /* before any vCPU runs: the run loop looks at it */
	l->started = pthread_create(&l->thread, NULL, live_thread, l) == 0;
	if (!l->started)
		snprintf(l->warn, sizeof(l->warn), "pthread_create: cannot start the migration thread");
}

static void live_report_hook(struct vcpu *v, const struct report_entry *e, void *arg)
{
	struct mig_live *l = arg;

	if (!l->at || strcmp(e->text, l->at) != 0)
		return;
	/* Frozen here, on the vCPU thread, before the guest's next instruction: a
	 * hotplug request it makes after the report is refused, whatever the threads' timing. */
	pthread_mutex_lock(&l->lock);
	if (!l->go)
		live_freeze(v->vm, true);       /* lock order: l->lock, then mem_lab.lock (nowhere reversed) */
	l->go = true;
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->lock);
}

int mig_live_setup(struct mig_live *l, struct vm_config *cfg, const struct payload *p, char *err, size_t errlen)
{
	struct mig_addr a;

	if (mig_addr_parse(l->to, &a, err, errlen) != 0)
		return -1;
	if (cfg->memcfg.dirty == DIRTY_RING) {
		snprintf(err, errlen, "--migrate-to reads the dirty bitmap: not with --dirty-log ring");
		return -1;
	}
	if (l->postcopy && (l->auto_converge || l->bandwidth)) {
		snprintf(err, errlen, "--migrate-mode postcopy: not with --auto-converge or --bandwidth (pre-copy's)");
		return -1;
	}
	if (cfg->sandbox || cfg->trace) {
		snprintf(err, errlen, "--migrate-to: not with --sandbox (the migration thread needs sockets)");
		return -1;
	}
	if (l->max_rounds <= 0 || l->max_rounds > LIVE_ROUNDS_MAX) {
		snprintf(err, errlen, "--migrate-max-rounds: 1..%d", LIVE_ROUNDS_MAX);
		return -1;
	}
	l->payload = p;
	signal(SIGPIPE, SIG_IGN);       /* a receiver gone is EPIPE on the write, said in one line */
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->cond, NULL);
	cfg->memcfg.dirty = DIRTY_BITMAP;       /* KVM_MEM_LOG_DIRTY_PAGES on the RAM slot from the start */
	cfg->start_hook = live_start_hook;
	cfg->start_hook_arg = l;
	cfg->report_hook = live_report_hook;
	cfg->report_hook_arg = l;
	return 0;
}

void mig_live_finish(struct mig_live *l)
{
	pthread_mutex_lock(&l->lock);
	l->over = true;
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->lock);
	if (l->started)
		pthread_join(l->thread, NULL);
	l->started = false;
	if (l->r)
		l->r->vm.pause = NULL;
	mig_pause_destroy(&l->pause);
	free(l->bitmap);
	free(l->log);
	free(l->devdirty);
	l->bitmap = l->log = l->devdirty = NULL;
}
