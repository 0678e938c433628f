/*
 * dirty.c - dirty-page tracking (脏页), the heart of live migration.
 *
 * With KVM_MEM_LOG_DIRTY_PAGES on a slot, KVM write-protects its pages (in
 * the EPT/NPT or in the shadow page tables) and notes each page the guest
 * writes.  kvmlab collects the notes one of two ways (api.rst 4.37, 4.117, 8.29):
 *   bitmap  KVM_GET_DIRTY_LOG copies one bit per page; with
 *           KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 reading does not re-protect,
 *           KVM_CLEAR_DIRTY_LOG does, for exactly the bits handed back;
 *   ring    KVM_CAP_DIRTY_LOG_RING: a per-vCPU ring of (slot, page) entries
 *           shared with KVM; kvmlab marks harvested entries and calls
 *           KVM_RESET_DIRTY_RINGS to re-protect them.
 * Pages written by kvmlab itself (loading the payload) are not logged: only
 * guest writes go through KVM's MMU.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvmlab.h"
#include "x86.h"

uint64_t dirty_bitmap_pages(const uint64_t *bm, uint64_t npages, uint64_t base_gpa,
			    uint64_t *out, uint64_t max)
{
	uint64_t n = 0;

	for (uint64_t w = 0; w * 64 < npages; w++) {
		uint64_t bits = bm[w];
		while (bits) {
			uint64_t page = w * 64 + (uint64_t)__builtin_ctzll(bits);
			bits &= bits - 1;
			if (page >= npages)     /* bits past the slot's end mean nothing */
				break;
			if (n < max)
				out[n] = base_gpa + page * PAGE_SIZE;
			n++;
		}
	}
	return n;
}

static int harvest_bitmap(struct vm *vm, uint64_t *list, uint64_t *n, char *err, size_t errlen)
{
	struct mem_lab *ml = vm->memlab;
	const struct mem_slot *s = memslots_by_id(&vm->mem, SLOT_RAM);
	uint64_t npages = s->size / PAGE_SIZE;
	struct kvm_dirty_log log = { .slot = SLOT_RAM, .dirty_bitmap = ml->bitmap };

	if (ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log) < 0) {
		snprintf(err, errlen, "KVM_GET_DIRTY_LOG (slot 0): %s", strerror(errno));
		return -1;
	}
	*n = dirty_bitmap_pages(ml->bitmap, npages, s->gpa, list, DIRTY_LIST_MAX);
	if (ml->manual_protect && *n) {
		/* Re-protect exactly what we saw; num_pages may end mid-word only at the slot's end. */
		struct kvm_clear_dirty_log clr = {
			.slot = SLOT_RAM, .first_page = 0, .num_pages = (uint32_t)npages, .dirty_bitmap = ml->bitmap,
		};
		if (ioctl(vm->fd, KVM_CLEAR_DIRTY_LOG, &clr) < 0) {
			snprintf(err, errlen, "KVM_CLEAR_DIRTY_LOG (slot 0): %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Every vCPU has its own ring (api.rst 8.29): a round is the pages any vCPU
 * wrote, so all rings are collected, then one KVM_RESET_DIRTY_RINGS
 * re-protects the collected entries of all of them.  Collecting another
 * vCPU's ring while it runs is what the API expects: KVM publishes an entry
 * with its DIRTY flag, user space answers with RESET. */
static int harvest_ring(struct vm *vm, uint64_t *list, uint64_t *n, char *err, size_t errlen)
{
	struct mem_lab *ml = vm->memlab;
	const struct mem_slot *s = memslots_by_id(&vm->mem, SLOT_RAM);
	uint64_t got = 0;

	for (int r = 0; r < ml->nrings; r++) {
		if (!ml->ring[r].gfn)
			continue;
		for (;;) {
			struct kvm_dirty_gfn *e = &ml->ring[r].gfn[ml->ring[r].next % ml->ring_entries];
			/* Acquire: the entry's slot/offset are valid once the flag says DIRTY (api.rst 8.29). */
			if (!(__atomic_load_n(&e->flags, __ATOMIC_ACQUIRE) & KVM_DIRTY_GFN_F_DIRTY))
				break;
			if (e->slot == SLOT_RAM && e->offset < s->size / PAGE_SIZE && got < DIRTY_LIST_MAX)
				list[got++] = s->gpa + e->offset * PAGE_SIZE;
			__atomic_store_n(&e->flags, KVM_DIRTY_GFN_F_RESET, __ATOMIC_RELEASE);
			ml->ring[r].next++;
		}
	}
	if (ioctl(vm->fd, KVM_RESET_DIRTY_RINGS, 0) < 0) {
		snprintf(err, errlen, "KVM_RESET_DIRTY_RINGS: %s", strerror(errno));
		return -1;
	}
	/* The ring lists writes in order, a page possibly more than once: sort, unique. */
	qsort(list, got, sizeof(*list), cmp_u64);
	uint64_t u = 0;
	for (uint64_t i = 0; i < got; i++)
		if (u == 0 || list[u - 1] != list[i])
			list[u++] = list[i];
	*n = u;
	return 0;
}

/* Caller holds mem_lab.lock (memctl.c, dirty_ring_full.c). */
int dirty_harvest(struct vcpu *v, uint32_t round, char *err, size_t errlen)
{
	struct vm *vm = v->vm;
	struct mem_lab *ml = vm->memlab;
	uint64_t n = 0;
	int rc;

	if (vm->cfg.memcfg.dirty == DIRTY_OFF) {
		snprintf(err, errlen, "dirty logging is off (run with --dirty-log bitmap|ring)");
		return -1;
	}
	rc = vm->cfg.memcfg.dirty == DIRTY_RING ? harvest_ring(vm, ml->scratch, &n, err, errlen)
						: harvest_bitmap(vm, ml->scratch, &n, err, errlen);
	if (rc != 0)
		return -1;
	if (ml->nrounds >= (int)(sizeof(ml->rounds) / sizeof(ml->rounds[0]))) {
		ml->rounds_dropped++;
		return 0;
	}
	struct dirty_round *d = &ml->rounds[ml->nrounds];
	uint64_t keep = n < DIRTY_LIST_MAX ? n : DIRTY_LIST_MAX;
	d->gpa = malloc((keep ? keep : 1) * sizeof(uint64_t));
	if (!d->gpa) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(d->gpa, ml->scratch, keep * sizeof(uint64_t));
	d->round = round;
	d->npages = n;
	d->nlisted = keep;
	ml->nrounds++;
	return 0;
}
