/*
 * memlab.c - the memory features of one run, from VM creation to teardown.
 *
 * Order matters and follows api.rst: dirty-log capabilities are enabled on
 * the VM before the first slot (manual protect) and before the first vCPU
 * (dirty ring, 4.117 KVM_CAP_DIRTY_LOG_RING); slots come next (RAM, then the
 * optional ROM); the ring is mapped once the vCPU exists; translations are
 * taken when the guest has stopped, with its page tables still in place.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>
#include <x86intrin.h>

#include "kvmlab.h"
#include "x86.h"

#define DIRTY_RING_BYTES_MAX (64u << 10)        /* 4096 entries of 16 bytes */

/* The KVM stats that explain a page fault's cost, vCPU's first then the VM's. */
const char *const mark_stat_names[MARK_STATS_MAX] = {
	"pf_taken", "pf_fixed", "pf_guest", "pf_spurious", "pf_emulate", "pf_fast",
	"pf_mmio_spte_created", "exits", "insn_emulation", "tlb_flush", "invlpg",
	"mmu_shadow_zapped", "mmu_pte_write", "mmu_pde_zapped", "mmu_flooded", "mmu_recycled",
	"mmu_cache_miss", "mmu_unsync", "pages_4k", "pages_2m", "pages_1g", "remote_tlb_flush",
};

static int enable_cap(struct vm *vm, uint32_t cap, uint64_t arg, const char *name, char *err, size_t errlen)
{
	struct kvm_enable_cap c = { .cap = cap, .args = { arg } };

	uint64_t t0 = setup_clock();
	int rc = ioctl(vm->fd, KVM_ENABLE_CAP, &c);

	setup_record(&vm->setup, "dirty logging", "KVM_ENABLE_CAP", t0);
	if (rc < 0) {
		snprintf(err, errlen, "KVM_ENABLE_CAP(%s): %s", name, strerror(errno));
		return -1;
	}
	vlog("ioctl(vm, KVM_ENABLE_CAP, %s, 0x%llx)", name, (unsigned long long)arg);
	return 0;
}

int memlab_create(struct vm *vm, char *err, size_t errlen)
{
	const struct mem_config *mc = &vm->cfg.memcfg;
	struct mem_lab *ml = calloc(1, sizeof(*ml));

	if (!ml || !(ml->scratch = malloc(DIRTY_LIST_MAX * sizeof(uint64_t)))) {
		free(ml);
		snprintf(err, errlen, "out of memory");
		return XC_HOST;
	}
	vm->memlab = ml;
	pthread_mutex_init(&ml->lock, NULL);
	if (mc->dirty == DIRTY_BITMAP) {
		ml->bitmap = calloc((vm->cfg.mem / PAGE_SIZE + 63) / 64, sizeof(uint64_t));
		if (!ml->bitmap) {
			snprintf(err, errlen, "out of memory");
			return XC_HOST;
		}
		/* Manual protect: reading the log no longer re-protects; KVM_CLEAR_DIRTY_LOG does. */
		if (kvm_has(vm->kvm, CAP_MANUAL_DIRTY_LOG_PROTECT2)) {
			if (enable_cap(vm, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE,
				       "MANUAL_DIRTY_LOG_PROTECT2", err, errlen) != 0)
				return XC_HOST;
			ml->manual_protect = true;
		}
	}
	if (mc->dirty == DIRTY_RING) {
		int max = vm->kvm->cap[CAP_DIRTY_LOG_RING];     /* the largest ring, in bytes */
		if (max <= 0) {
			snprintf(err, errlen, "--dirty-log ring needs KVM_CAP_DIRTY_LOG_RING, which this KVM lacks "
				 "(use --dirty-log bitmap)");
			return XC_HOST;
		}
		uint32_t bytes = (uint32_t)max < DIRTY_RING_BYTES_MAX ? (uint32_t)max : DIRTY_RING_BYTES_MAX;
		if (enable_cap(vm, KVM_CAP_DIRTY_LOG_RING, bytes, "DIRTY_LOG_RING", err, errlen) != 0)
			return XC_HOST;
		ml->ring_entries = bytes / sizeof(struct kvm_dirty_gfn);
	}
	return XC_OK;
}

/* ROM contents: every 8-byte word holds its own GPA, so a guest read proves
 * which byte of which slot it reached. */
static void rom_fill(const struct mem_slot *s)
{
	uint64_t *w = (uint64_t *)s->hva;

	for (uint64_t i = 0; i < s->size / 8; i++)
		w[i] = s->gpa + i * 8;
}

int memlab_add_slots(struct vm *vm, char *err, size_t errlen)
{
	const struct mem_config *mc = &vm->cfg.memcfg;
	struct mem_slot ram = {
		.id = SLOT_RAM, .gpa = 0, .size = vm->cfg.mem, .name = "ram", .backing = mc->backing,
		.memfd = -1, .flags = mc->dirty != DIRTY_OFF ? KVM_MEM_LOG_DIRTY_PAGES : 0,
	};
	int rc = memregion_add(vm, &ram, err, errlen);

	if (rc != XC_OK && mc->backing == BACKING_HUGETLB && mc->backing_fallback) {
		warnx_("%s; falling back to 4 KiB anonymous pages (--backing-fallback)", err);
		ram.backing = BACKING_ANON;
		vm->memlab->backing_fell_back = true;
		rc = memregion_add(vm, &ram, err, errlen);
	}
	if (rc != XC_OK || mc->rom_size == 0)
		return rc;
	struct mem_slot rom = {
		.id = SLOT_ROM, .gpa = mc->rom_gpa, .size = mc->rom_size, .name = "rom",
		.backing = BACKING_ANON, .memfd = -1, .flags = KVM_MEM_READONLY, .window = true,
	};
	char why[200];
	if (memslots_check(&vm->mem, &rom, why, sizeof(why)) != 0) {  /* a bad --rom is a usage error */
		snprintf(err, errlen, "--rom: %s", why);
		return XC_USAGE;
	}
	rc = memregion_add(vm, &rom, err, errlen);
	if (rc == XC_OK)
		rom_fill(memslots_by_id(&vm->mem, SLOT_ROM));
	return rc;
}

int memlab_vcpu_ready(struct vcpu *v, char *err, size_t errlen)
{
	struct mem_lab *ml = v->vm->memlab;

	if (!ml || v->vm->cfg.memcfg.dirty != DIRTY_RING)
		return 0;
	if (v->id < 0 || v->id >= VCPUS_MAX) {
		snprintf(err, errlen, "vCPU %d: no room for its dirty ring (at most %d vCPUs)", v->id, VCPUS_MAX);
		return -1;
	}
	/* Each vCPU's ring lives in its fd at page KVM_DIRTY_LOG_PAGE_OFFSET (api.rst 8.29).
	 * Mapped before any vCPU thread runs: ring[] and nrings are then read-only. */
	size_t bytes = ml->ring_entries * sizeof(struct kvm_dirty_gfn);
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd,
		       (off_t)KVM_DIRTY_LOG_PAGE_OFFSET * getpagesize());
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "mmap of the vCPU's dirty ring (%zu bytes): %s", bytes, strerror(errno));
		return -1;
	}
	ml->ring[v->id].gfn = p;
	ml->ring[v->id].next = 0;
	if (v->id >= ml->nrings)
		ml->nrings = v->id + 1;
	return 0;
}

static uint64_t stat_now(struct kvm_stats *st, const char *name)
{
	const struct kvm_stat *s = st->fd >= 0 ? kvmstats_find(st, name) : NULL;
	uint64_t v;

	if (!s || pread(st->fd, &v, sizeof(v), st->data_offset + st->offset[s - st->stat]) != sizeof(v))
		return UINT64_MAX;
	return v;
}

/* Caller holds mem_lab.lock (memctl.c). */
int memlab_mark(struct vcpu *v, uint32_t id)
{
	struct mem_lab *ml = v->vm->memlab;
	struct rusage ru;

	if (ml->nmarks >= MARKS_MAX)
		return -1;
	struct mem_mark *mk = &ml->marks[ml->nmarks++];
	mk->id = id;
	mk->tsc = __rdtsc();
	/* The vCPU is this thread: KVM's faults on guest RAM are its page faults. */
	if (getrusage(RUSAGE_THREAD, &ru) == 0) {
		mk->minflt = (uint64_t)ru.ru_minflt;
		mk->majflt = (uint64_t)ru.ru_majflt;
	}
	for (int i = 0; i < MARK_STATS_MAX && mark_stat_names[i]; i++) {
		mk->value[i] = stat_now(&v->stats, mark_stat_names[i]);
		if (mk->value[i] == UINT64_MAX)
			mk->value[i] = stat_now(&v->vm->stats, mark_stat_names[i]);
	}
	return 0;
}

/* After every vCPU thread has returned: nothing else touches ml (the I/O thread never does). */
void memlab_finish(struct vcpu *v)
{
	struct mem_lab *ml = v->vm->memlab;
	const struct mem_config *mc = &v->vm->cfg.memcfg;

	if (!ml)
		return;
	for (int i = 0; i < mc->ntranslate && i < TRANSLATE_MAX; i++)
		translate_gva(v, mc->translate[i], &ml->xl[ml->nxl++]);
	/* The guest's requests sit at xl[TRANSLATE_MAX...]: close the gap. */
	for (int i = 0; i < ml->nxl_guest; i++)
		ml->xl[ml->nxl++] = ml->xl[TRANSLATE_MAX + i];
}

void memlab_destroy(struct vm *vm)
{
	struct mem_lab *ml = vm->memlab;

	if (!ml)
		return;
	for (int i = 0; i < ml->nrounds; i++)
		free(ml->rounds[i].gpa);
	for (int i = 0; i < ml->nrings; i++)
		if (ml->ring[i].gfn)
			munmap(ml->ring[i].gfn, ml->ring_entries * sizeof(struct kvm_dirty_gfn));
	pthread_mutex_destroy(&ml->lock);
	free(ml->bitmap);
	free(ml->scratch);
	free(ml);
	vm->memlab = NULL;
}
