/*
 * vmm/mem/mem.h - memory features: guest memory as KVM slots with chosen backings,
 * ROM and hotplug, the page-table walk and the four addresses, dirty
 * logging and the pre-copy simulation (docs/memory.md).  The one door into
 * guest memory itself, gmem_ptr, is the core's (vmm/core/core.h).
 */
#ifndef KVMLAB_MEM_H
#define KVMLAB_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/kvm.h>

#include "vmm/core/core.h"

struct vm;
struct vcpu;
struct json;
struct host_info;
struct report_ctx;

/* ---- memslots.c, backing.c, memregion.c: guest memory as KVM slots (docs/memory.md) ---- */
enum backing_kind {
	BACKING_ANON,                   /* anonymous 4 KiB pages, MAP_NORESERVE */
	BACKING_THP,                    /* anonymous + madvise(MADV_HUGEPAGE): transparent huge pages */
	BACKING_HUGETLB,                /* MAP_HUGETLB: 2 MiB pages reserved in hugetlbfs */
	BACKING_MEMFD,                  /* memfd_create + MAP_SHARED: file-like, shareable */
	BACKING_COUNT
};
enum mem_policy { POLICY_IGNORE, POLICY_FAIL };
enum dirty_mode { DIRTY_OFF, DIRTY_BITMAP, DIRTY_RING };
#define SLOT_RAM          0             /* default layout, docs/memory.md */
#define SLOT_ROM          1
#define SLOT_HOTPLUG      2
#define TRANSLATE_MAX     16
enum memopt {                           /* which memory option memopts_parse parses (opt_table.c rows) */
	MEMOPT_BACKING = 0x100, MEMOPT_BACKING_FALLBACK, MEMOPT_ROM, MEMOPT_ROM_WRITE, MEMOPT_UNMAPPED,
	MEMOPT_DIRTY_LOG, MEMOPT_PRECOPY_BUDGET, MEMOPT_TRANSLATE, MEMOPT_NUMA_NODE,
};
struct mem_config {
	int backing;                    /* enum backing_kind */
	bool backing_fallback;          /* hugetlb unavailable: use anonymous pages instead of failing */
	uint64_t rom_gpa, rom_size;     /* rom_size 0: no ROM slot */
	int rom_policy, unmapped_policy;/* enum mem_policy */
	int dirty;                      /* enum dirty_mode */
	uint64_t precopy_budget;        /* pages per pre-copy round, 0 = no simulation */
	uint64_t translate[TRANSLATE_MAX];
	int ntranslate;
	bool ksm;                       /* --ksm: guest RAM is MADV_MERGEABLE (traps/devices/ksmctl.c) */
	bool numa_bind;                 /* --numa-node N given */
	int numa_node;
};
/* numa.c: --numa-node.  Whether /sys/devices/system/node/nodeN exists. */
int  numa_node_exists(int node);
/* mbind(MPOL_BIND) of slot s to node, before the guest runs.  XC_OK, or XC_HOST with err. */
int  numa_bind(const struct mem_slot *s, int node, char *err, size_t errlen);
struct numa_count { uint64_t asked, resident, on_node; };
/* Where the slot's pages are after the run (move_pages, the first 1 GiB): 0, or -1. */
int  numa_where(const struct mem_slot *s, int node, struct numa_count *out);
/* One memory option into mc: 0, or -1 with err. */
int  memopts_parse(int opt, const char *arg, struct mem_config *mc, char *err, size_t errlen);
const char *backing_name(int kind);     /* "anon", "thp", "hugetlb", "memfd"; "unknown" */
int  backing_parse(const char *s);      /* enum backing_kind, or -1 */
/* Maps size bytes of the kind into *hva (and *fd for memfd).  XC_OK, or XC_HOST
 * with err saying what to do (e.g. how to reserve huge pages). */
int  backing_map(int kind, uint64_t size, struct mem_slot *s, char *err, size_t errlen);
void backing_unmap(struct mem_slot *s);         /* munmap (and close the memfd) */
/* Pure table logic (unit-tested): 0, or -1 with err. */
int  memslots_check(const struct guest_mem *m, const struct mem_slot *s, char *err, size_t errlen);
int  memslots_add(struct guest_mem *m, const struct mem_slot *s, char *err, size_t errlen);
int  memslots_remove(struct guest_mem *m, uint32_t id);        /* 0, or -1: no such slot */
const struct mem_slot *memslots_find(const struct guest_mem *m, uint64_t gpa);   /* NULL: hole */
const struct mem_slot *memslots_by_id(const struct guest_mem *m, uint32_t id);  /* NULL: none */
/* Maps backing for s, registers it with KVM, adds it to vm->mem.  XC_OK or XC_HOST. */
int  memregion_add(struct vm *vm, struct mem_slot *s, char *err, size_t errlen);
/* The hotplug slot (slot 2 at GPA_HOTPLUG, anonymous, size bytes): the one
 * description memctl's guest request and a restored stream both use.  XC_OK or XC_HOST. */
/* l hears of every slot added or removed from now on (struct mem_listener,
 * core.h); l must stay valid until memregion_unlisten.  0, or -1 when
 * MEM_LISTENERS_MAX listen already.  A listener that fails an add undoes it:
 * the slot is taken out again and memregion_add fails with its reason; one
 * that fails a removal is warned about, and the slot goes all the same (the
 * listener's own mapping keeps its pages: kvmlab's memory is not at risk). */
int  memregion_listen(struct guest_mem *m, const struct mem_listener *l);
void memregion_unlisten(struct guest_mem *m, const struct mem_listener *l);
int  memregion_hotplug(struct vm *vm, uint64_t size, char *err, size_t errlen);
/* Unregisters slot id from KVM (size 0), drops it from vm->mem, unmaps it.  XC_OK or an error code. */
int  memregion_remove(struct vm *vm, uint32_t id, char *err, size_t errlen);
/* Teardown: unmaps every slot (the VM fd's close drops them in KVM). */
void memregion_remove_all(struct vm *vm);


/* ---- pagewalk.c: the guest's 4-level page tables, walked in software (pure) ---- */
struct walk_step {
	int level;                      /* 4 = PML4 ... 1 = PT */
	uint64_t table_gpa;             /* the table this entry lives in */
	unsigned index;                 /* 0..511: 9 bits of the GVA */
	uint64_t entry;                 /* the 64-bit entry as read from guest memory */
};
struct walk {
	struct walk_step step[4];
	int nsteps;
	bool ok;                        /* translation found */
	bool unmapped;                  /* !ok because the guest's own tables map nothing there */
	uint64_t gpa, page_size;
	char fault[120];                /* why not, when !ok */
};
/* Walks cr3 -> PML4E -> PDPTE -> PDE [-> PTE] for gva (SDM 4.5).  Every entry
 * is read through gmem_read.  Returns 0 if translated, -1 with w->fault. */
int  pagewalk(const struct guest_mem *m, uint64_t cr3, uint64_t gva, struct walk *w);
const char *pagewalk_level_name(int level);     /* "PML4E", "PDPTE", "PDE", "PTE" */


/* ---- dirty.c: which pages the guest wrote (KVM_GET_DIRTY_LOG, dirty ring) ---- */
#define DIRTY_LIST_MAX 4096             /* page GPAs kept per round */
struct dirty_round {
	uint32_t round;                 /* the guest's number for it */
	uint64_t npages;                /* pages dirtied since the previous harvest */
	uint64_t *gpa;                  /* sorted, first DIRTY_LIST_MAX of them */
	uint64_t nlisted;
};
/* Decodes a KVM dirty bitmap (bit i = page i of the slot) into page GPAs,
 * ascending.  Returns the number of set bits; writes at most max. (pure) */
uint64_t dirty_bitmap_pages(const uint64_t *bm, uint64_t npages, uint64_t base_gpa,
			    uint64_t *out, uint64_t max);
#define DIRTY_ROUND_RING_FULL 0xFFFFFFFFU  /* a harvest forced by KVM_EXIT_DIRTY_RING_FULL */
/* Collects the pages dirtied since the last harvest (bitmap or ring, per --dirty-log)
 * as one more round of vm->memlab.  0, or -1 with err (dirty logging off, ioctl failed). */
int  dirty_harvest(struct vcpu *v, uint32_t round, char *err, size_t errlen);


/* ---- precopy.c: pre-copy live migration, simulated on measured dirty rates (pure) ---- */
#define PRECOPY_ROUNDS_MAX 30
struct precopy {
	uint64_t budget;                /* pages sent per round */
	uint64_t total_pages;           /* RAM pages: all must be sent once */
	int rounds;                     /* rounds of pre-copy before stop-and-copy */
	bool converged;                 /* pending fell to <= budget */
	uint64_t pending[PRECOPY_ROUNDS_MAX + 1];  /* pages to send at the start of each round */
	uint64_t stop_copy_pages;       /* sent with the guest stopped: downtime */
	uint64_t sent_pages;            /* total, stop-and-copy included */
};
/* dirty[i]: pages the guest dirties during round i (cycled if n < rounds). */
void precopy_simulate(struct precopy *pc, uint64_t total_pages, uint64_t budget,
		      const uint64_t *dirty, int n);


/* ---- translate.c: GVA -> GPA -> HVA -> HPA, the four addresses ---- */
struct xlate {
	uint64_t gva;
	bool valid;                     /* KVM_TRANSLATE found a mapping */
	uint64_t gpa;
	bool writeable;
	struct walk walk;               /* kvmlab's own walk of the guest tables */
	bool paging;                    /* CR0.PG: else GVA = GPA */
	uint32_t slot_id;               /* copied: a slot may be gone when this is reported */
	const char *slot_name;          /* NULL: GPA is a hole (MMIO) */
	uint64_t hva;
	bool host_present;              /* pagemap bit 63 */
	uint64_t pfn;                   /* 0 when hidden */
	bool pfn_hidden;
	uint64_t host_page_size;        /* 0 = unknown */
	const char *host_page_how;      /* how host_page_size was found */
	bool guest_asked;               /* MEMCTL_TRANSLATE, not --translate at the end */
};
/* Fills x for gva: KVM_TRANSLATE, kvmlab's own walk, the slot, the host page. Never fails. */
void translate_gva(struct vcpu *v, uint64_t gva, struct xlate *x);
/* Tries once to open /proc/self/pagemap and /proc/kpageflags (before any
 * sandbox); a later translation never retries: what failed stays "unknown". */
void translate_open_host_files(void);


/* ---- memlab.c (lifecycle), memlab_report.c (JSON and text): the memory features of one run ---- */
#define MARKS_MAX 64
#define MARK_STATS_MAX 24
struct mem_mark {
	uint32_t id;                    /* the guest's number */
	uint64_t tsc;                   /* host TSC when kvmlab saw it */
	uint64_t minflt, majflt;        /* host page faults of this thread so far (getrusage) */
	uint64_t value[MARK_STATS_MAX]; /* mark_stat_names[i]; UINT64_MAX = not available */
};
extern const char *const mark_stat_names[MARK_STATS_MAX];
/* Reached by every vCPU thread (memctl, dirty-ring-full and hole exits):
 * lock protects every field below that changes while the guest runs;
 * rom_writes and unmapped_accesses are atomic counters instead. */
struct mem_lab {
	pthread_mutex_t lock;
	bool backing_fell_back;         /* hugetlb asked for, anonymous used */
	bool manual_protect;            /* KVM_CLEAR_DIRTY_LOG in use */
	uint64_t *bitmap;               /* DIRTY_BITMAP: one bit per RAM page */
	struct {                        /* DIRTY_RING: each vCPU's ring, mmap'd (api.rst 8.29) */
		struct kvm_dirty_gfn *gfn;
		uint32_t next;          /* next entry to look at */
	} ring[VCPUS_MAX];
	int nrings;                     /* vCPU ids below this may have a ring */
	uint32_t ring_entries;
	uint64_t ring_full_exits;
	struct dirty_round rounds[64];
	int nrounds;
	uint64_t rounds_dropped;
	struct mem_mark marks[MARKS_MAX];
	int nmarks;
	uint64_t rom_writes, unmapped_accesses;
	uint64_t hotplug_adds, hotplug_removes, memctl_requests;
	uint64_t hotplug_busy;          /* hotplug requests refused while a migration ran */
	uint64_t migration_waits;       /* MEMCTL_MIGRATION_WAIT requests that found a migration running */
	bool slots_frozen;              /* a migration runs: no slot may change (MEMCTL_EMIGRATING) */
	struct xlate xl[2 * TRANSLATE_MAX];     /* --translate at the end, then the guest's requests */
	int nxl, nxl_guest;
	uint64_t *scratch;              /* DIRTY_LIST_MAX GPAs for a harvest */
};
/* Before any slot: vm->memlab, and the dirty-log capabilities --dirty-log needs.  XC_OK or XC_HOST. */
int  memlab_create(struct vm *vm, char *err, size_t errlen);
/* The RAM slot (with --backing) and the --rom slot.  XC_OK or an error code with err. */
int  memlab_add_slots(struct vm *vm, char *err, size_t errlen);
int  memlab_vcpu_ready(struct vcpu *v, char *err, size_t errlen);  /* after KVM_CREATE_VCPU */
void memlab_finish(struct vcpu *v);     /* end of run: last harvest, --translate */
void memlab_destroy(struct vm *vm);     /* frees vm->memlab; safe when NULL */
int  memlab_mark(struct vcpu *v, uint32_t id);          /* 0, or -1 when MARKS_MAX are taken */
/* memlab_json, memlab_text, memlab_fault_mechanism (vmm/report/memlab_report.c) report it. */

#endif
