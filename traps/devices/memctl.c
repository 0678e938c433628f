/*
 * memctl.c - port 0xF8 (PORT_MEMCTL): the guest asks kvmlab about memory.
 *
 * OUT dword: bits 0-7 a request (enum memctl_op), bits 8-31 its argument.
 * IN dword:  the status of this vCPU's last request (enum memctl_status).
 * The guest uses it to mark the boundaries kvmlab should measure at (a
 * fault pass, a dirty-logging round), to ask for memory hotplug, and to
 * have an address translated while its page tables are the current ones.  The
 * argument is guest-controlled and checked before use.
 *
 * With --vcpus any vCPU thread may be here: one request at a time, under
 * mem_lab.lock (marks, rounds, dirty rings, translations, hotplug).  A
 * hotplug then also takes the slot lock exclusive (memregion.c); the order
 * is always mem_lab.lock, then the slot lock.  While a migration runs
 * (mem_lab.slots_frozen, set under that lock) a hotplug request is refused
 * with MEMCTL_EMIGRATING and changes nothing (docs/migration.md).
 *
 * MEMCTL_MIGRATION_WAIT is the one request that may take long: while a live
 * migration of this VM runs here (from its trigger, which freezes the slots,
 * to its end), the vCPU waits in this handler, outside KVM_RUN, until the
 * migration's stop request parks it (pause.c; the OUT is completed first) or
 * the migration ends without it.  A guest that must not finish before its
 * migration asks this before its last rounds (payloads/lib/rounds.inc,
 * MIGRATION_WAIT_AT): the race between a busy guest and a slow pre-copy then
 * has one outcome on any host.  It waits without mem_lab.lock, which the
 * migration takes.  MEMCTL_MIGRATION_PENDING is its non-waiting sibling, for
 * a guest that must keep busy while it is migrated (payloads/mem/migrate-dirty):
 * MEMCTL_MIGRATING from the start of a run with --migrate-to until the
 * migration thread is done, however it ended; 0 without one (a destination).
 */
#include <string.h>
#include <sys/ioctl.h>

#include "kvmlab.h"

#define MEMCTL_WAIT_POLL_MS     5       /* a waiting vCPU looks again whether the migration ended */

static uint32_t hotplug_add(struct vcpu *v, struct mem_lab *ml, uint32_t mib)
{
	struct vm *vm = v->vm;
	char err[256];

	if (mib == 0 || mib > HOTPLUG_MAX_MIB || memslots_by_id(&vm->mem, SLOT_HOTPLUG)) {
		warnx_("memctl: hotplug of %u MiB refused (1..%d MiB, one hotplug slot at a time)", mib, HOTPLUG_MAX_MIB);
		return MEMCTL_EREFUSED;
	}
	/* Whoever maps guest memory itself (a vhost-user back-end) learns of the
	 * slot before the guest can put a buffer there, or the slot goes again
	 * (memregion.c's listeners). */
	if (memregion_hotplug(vm, (uint64_t)mib << 20, err, sizeof(err)) != XC_OK) {
		warnx_("memctl: hotplug: %s", err);
		return MEMCTL_EHOST;
	}
	ml->hotplug_adds++;
	return MEMCTL_OK;
}

static uint32_t hotplug_remove(struct vcpu *v, struct mem_lab *ml)
{
	char err[256];

	if (!memslots_by_id(&v->vm->mem, SLOT_HOTPLUG))
		return MEMCTL_EREFUSED;
	/* A listener (a vhost-user back-end) drops the slot first (memregion.c). */
	if (memregion_remove(v->vm, SLOT_HOTPLUG, err, sizeof(err)) != XC_OK) {
		warnx_("memctl: unplug: %s", err);
		return MEMCTL_EHOST;
	}
	ml->hotplug_removes++;
	return MEMCTL_OK;
}

/* The GVA is in the guest's RDI: a 64-bit address does not fit in the argument. */
static uint32_t translate_now(struct vcpu *v, struct mem_lab *ml)
{
	struct kvm_regs regs;

	if (ml->nxl_guest >= TRANSLATE_MAX || ioctl(v->fd, KVM_GET_REGS, &regs) != 0)
		return MEMCTL_EREFUSED;
	struct xlate *x = &ml->xl[TRANSLATE_MAX + ml->nxl_guest++];
	translate_gva(v, regs.rdi, x);
	x->guest_asked = true;
	return x->valid ? MEMCTL_OK : MEMCTL_EREFUSED;
}

/* The VM-wide requests (hotplug, dirty rounds) act on v->vm; the lab's own state is ml. */
static uint32_t memctl_do(struct vcpu *v, struct mem_lab *ml, uint32_t op, uint32_t arg)
{
	char err[256];

	switch (op) {
	case MEMCTL_MARK:
		return memlab_mark(v, arg) == 0 ? MEMCTL_OK : MEMCTL_EREFUSED;
	case MEMCTL_DIRTY_ROUND:
		if (dirty_harvest(v, arg, err, sizeof(err)) != 0) {
			warnx_("memctl: dirty round %u: %s", arg, err);
			return v->vm->cfg.memcfg.dirty == DIRTY_OFF ? MEMCTL_EREFUSED : MEMCTL_EHOST;
		}
		return MEMCTL_OK;
	case MEMCTL_HOTPLUG_ADD:
	case MEMCTL_HOTPLUG_REMOVE:
		/* A migration carries the slot table it read at its start: as QEMU refuses
		 * memory hotplug while it migrates, the guest is told to ask again later. */
		if (ml->slots_frozen) {
			ml->hotplug_busy++;
			return MEMCTL_EMIGRATING;
		}
		return op == MEMCTL_HOTPLUG_ADD ? hotplug_add(v, ml, arg) : hotplug_remove(v, ml);
	case MEMCTL_TRANSLATE:
		return translate_now(v, ml);
	case MEMCTL_MIGRATION_PENDING:
		/* vm->pause is set before any vCPU runs, for the whole run (precopy_live.c). */
		return v->vm->pause && !__atomic_load_n(&v->vm->pause->ended, __ATOMIC_ACQUIRE) ?
		       MEMCTL_MIGRATING : MEMCTL_OK;
	}
	return MEMCTL_EBADOP;
}

static uint32_t migration_wait(struct vcpu *v, struct mem_lab *ml)
{
	bool waited = false;

	for (;;) {
		pthread_mutex_lock(&ml->lock);
		/* slots_frozen alone also holds on a post-copy destination: only a VM
		 * with a migration of its own to stop it (vm->pause) waits. */
		bool running = ml->slots_frozen && v->vm->pause;
		if (running && !waited) {
			ml->migration_waits++;
			vlog("memctl: vCPU %d waits for its migration (MEMCTL_MIGRATION_WAIT)", v->id);
		}
		pthread_mutex_unlock(&ml->lock);
		if (!running || vcpu_leave_due(v))     /* a timeout, a kick or Ctrl-C ends the wait too */
			break;
		waited = true;
		if (mig_pause_wait_stop(v, MEMCTL_WAIT_POLL_MS))
			break;
	}
	return waited ? MEMCTL_WAITED : MEMCTL_OK;
}

enum action memctl_io(struct vcpu *v, struct io_req *io, void *opaque)
{
	struct mem_lab *ml = opaque;
	uint32_t word;

	if (io->size != 4 || io->count != 1 || !ml)
		return vcpu_end(v, END_PROTOCOL, "guest protocol error: memctl port 0x%x takes one 32-bit IN or OUT "
				"(got %u byte%s x%u)", PORT_MEMCTL, io->size, io->size > 1 ? "s" : "", io->count);
	if (!io->out) {
		memcpy(io->data, &v->memctl_status, sizeof(v->memctl_status));
		return ACT_CONTINUE;
	}
	memcpy(&word, io->data, sizeof(word));
	pthread_mutex_lock(&ml->lock);
	ml->memctl_requests++;
	if ((word & MEMCTL_OP_MASK) == MEMCTL_MIGRATION_WAIT) {
		pthread_mutex_unlock(&ml->lock);
		v->memctl_status = migration_wait(v, ml);
		return ACT_CONTINUE;
	}
	v->memctl_status = memctl_do(v, ml, word & MEMCTL_OP_MASK, word >> MEMCTL_ARG_SHIFT);
	pthread_mutex_unlock(&ml->lock);
	return ACT_CONTINUE;
}
