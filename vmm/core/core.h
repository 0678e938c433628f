/*
 * vmm/core/core.h - the core's vocabulary: exit codes, payloads, /dev/kvm, the host,
 * the one door into guest memory, how a run ends, exit dispatch, logging.
 *
 * Everything else builds on these; the structs that hold a whole VM (struct
 * vm, vcpu, run) embed every layer's state and live in vmm/core/vm.h, last.
 */
#ifndef KVMLAB_CORE_H
#define KVMLAB_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/kvm.h>

#include "vmm/abi.h"

/* ---- end.c: kvmlab's exit codes, the one list (docs/json-schema.md, "Exit codes") ----
 * X(NAME, code, summary, meaning): the enum below, `kvmlab --help`, `kvmlab
 * --exit-codes [--json]` and report_text's "result:" line are all generated
 * from it; the tests read it from `kvmlab --exit-codes --json`. */
#define XC_LIST(X) \
	X(OK,              0, "ok", "the guest halted, or wrote 0 to the exit port") \
	X(GUEST_FAIL,      1, "guest reported failure", "exit status != 0, or a FAIL report") \
	X(USAGE,           2, "usage error", "a bad option or option value") \
	X(GUEST_CRASH,     3, "guest crashed", "triple fault, KVM internal error, entry failure, unhandled exit") \
	X(TIMEOUT,         4, "timed out", "--timeout elapsed before the guest finished") \
	X(EXIT_LIMIT,      5, "exit limit reached", "--max-exits (or kvmlab trace --max-steps) reached") \
	X(PROTOCOL,        6, "guest protocol error", "a bad report record, or misuse of a kvmlab port") \
	X(HOST,            7, "host error", "no usable /dev/kvm, a missing required capability, a failing ioctl, standard output not writable") \
	X(PAYLOAD_IO,      8, "payload unreadable", "the payload cannot be opened or read, or is not a regular file") \
	X(PAYLOAD_TRUNC,   9, "payload truncated", "shorter than the 64-byte header or than hdr_size") \
	X(PAYLOAD_MAGIC,  10, "payload bad magic", "not a kvmlab payload") \
	X(PAYLOAD_VERSION, 11, "payload ABI version unsupported", "a guest ABI version this kvmlab does not speak") \
	X(PAYLOAD_MODE,   12, "payload bad CPU mode", "an unknown CPU mode in the header") \
	X(PAYLOAD_LOAD,   13, "payload bad load address", "unaligned, overlapping kvmlab's structures, or out of range") \
	X(PAYLOAD_SIZE,   14, "payload does not fit", "the payload does not fit in guest RAM (--mem, min_mem_kib)") \
	X(PAYLOAD_ENTRY,  15, "payload bad entry point", "the entry point lies outside the payload") \
	X(PAYLOAD_FIELD,  16, "payload bad header field", "another header field is invalid (hdr_size, flags, name, description)") \
	X(SANDBOX,        17, "sandbox violation", "--sandbox: a thread made a forbidden system call") \
	X(INTERRUPTED,    18, "interrupted", "SIGINT or SIGTERM ended the run; the report is complete") \
	X(MIGRATION_STREAM, 19, "migration stream invalid", "a snapshot or migration stream is truncated, malformed or of another version or ABI; the guest did not run") \
	X(DOMAIN_XML,     20, "domain XML invalid", "--domain: the file is unreadable, malformed XML, or outside kvmlab's subset of libvirt's domain XML (the line and element are named)")

enum kvmlab_exit_code {
#define X(name, code, summary, meaning) XC_##name = code,
	XC_LIST(X)
#undef X
};
const char *xc_summary(int code);       /* "ok", "host error", ...; "?" if no such code */
/* xc_print (vmm/report/lists.c) prints the list. */


/* ---- payload.c: the payload header, validated as untrusted input ---- */
struct payload {
	const char *path;
	uint8_t *data;                  /* whole file */
	size_t size;
	struct payload_hdr hdr;
	char name[KVMLAB_NAME_MAX];     /* NUL terminated copy */
	const char *desc;               /* points into data, or "" */
};
/* Checks that need only the file.  Returns XC_OK or an XC_PAYLOAD_* code and
 * writes a one-line reason into err. */
int  payload_parse(const uint8_t *buf, size_t len, struct payload *p, char *err, size_t errlen);
/* Checks against the machine: RAM size.  Same contract. */
int  payload_check_fit(const struct payload *p, uint64_t mem, char *err, size_t errlen);
/* Reads and parses a file; p->data is malloc'd (payload_free). */
int  payload_load(const char *path, struct payload *p, char *err, size_t errlen);
void payload_free(struct payload *p);      /* frees p->data; safe on a zeroed payload */
/* The payload catalogue: $KVMLAB_PAYLOADS, else ../share/kvmlab/payloads beside the
 * binary (an installed kvmlab), else payloads/ beside it (the build tree). */
const char *payload_dir(void);
/* A PAYLOAD argument: a file as given, else the catalogue entry payload_dir()/ARG[.bin]
 * ("hello-long", "bench/cpuid").  Returns arg or buf. */
const char *payload_resolve(const char *arg, char *buf, size_t n);
/* Guest RAM when --mem is not given: MEM_DEFAULT, or more if the header's
 * min_mem_kib or the caller's own need asks for it, rounded up to a page.
 * May exceed MEM_MAX: the caller decides whether that is an error. */
uint64_t payload_default_mem(const struct payload *p, uint64_t need);
/* "real", "protected", "long" for an enum payload_mode; "unknown" otherwise. */
const char *mode_name(int mode);


/* ---- kvm.c: /dev/kvm, API version and capabilities ---- */
/* The capabilities kvmlab probes, in the order `kvmlab info` lists them: the one
 * list (KVM_CAP_NAME, whether kvmlab refuses to start without it, what kvmlab
 * uses it for).  The enum, cap_table, `kvmlab --capabilities` and the table in
 * docs/backends.md come from it (api.rst 4.4 KVM_CHECK_EXTENSION). */
#define CAP_LIST(X) \
	X(IRQCHIP,                   false, "in-kernel interrupt controller (devices handled in the kernel)") \
	X(HLT,                       false, "hlt exits to kvmlab and ends the run") \
	X(USER_MEMORY,               true,  "guest RAM from our own mmap") \
	X(READONLY_MEM,              false, "ROM slots whose writes become MMIO exits") \
	X(COALESCED_MMIO,            false, "batched MMIO writes without exits") \
	X(IOEVENTFD,                 false, "doorbells completed inside KVM") \
	X(IMMEDIATE_EXIT,            true,  "watchdog stops KVM_RUN without a race") \
	X(GET_TSC_KHZ,               false, "cycles to nanoseconds") \
	X(BINARY_STATS_FD,           false, "KVM's own exit and fault counters") \
	X(EXIT_ON_EMULATION_FAILURE, false, "instruction bytes on emulation failure") \
	X(SET_GUEST_DEBUG,           false, "single-step tracing") \
	X(X86_USER_SPACE_MSR,        false, "MSR accesses exit to kvmlab") \
	X(X86_MSR_FILTER,            false, "choose which MSRs exit") \
	X(MANUAL_DIRTY_LOG_PROTECT2, false, "dirty log cleared by kvmlab") \
	X(DIRTY_LOG_RING,            false, "dirty pages through a ring") \
	X(EXT_CPUID,                 false, "KVM_GET_SUPPORTED_CPUID / KVM_SET_CPUID2") \
	X(NR_VCPUS,                  false, "recommended vCPU count") \
	X(MAX_VCPUS,                 false, "largest vCPU count") \
	X(X86_DISABLE_EXITS,         false, "let hlt/pause run without exits") \
	X(SYNC_MMU,                  false, "guest RAM may be remapped under a running VM") \
	X(SPLIT_IRQCHIP,             false, "--irqchip split: only the LAPIC in the kernel") \
	X(MP_STATE,                  false, "tell a vCPU halted in the kernel from a running one") \
	X(TSC_DEADLINE_TIMER,        false, "the LAPIC timer's TSC-deadline mode") \
	X(IRQFD,                     false, "device interrupts through an eventfd, no ioctl (virtio console)") \
	X(SIGNAL_MSI,                false, "--irqchip split: kvmlab's IOAPIC sends its interrupts as MSIs")

enum cap_id {
#define X(name, required, why) CAP_##name,
	CAP_LIST(X)
#undef X
	CAP_COUNT
};
struct cap_desc {
	int kvm_cap;                    /* KVM_CAP_* */
	const char *name;               /* without the KVM_CAP_ prefix */
	const char *why;                /* what kvmlab uses it for */
	bool required;
};
extern const struct cap_desc cap_table[CAP_COUNT];
struct kvm {
	int fd;                         /* /dev/kvm */
	int api_version;
	int run_size;                   /* KVM_GET_VCPU_MMAP_SIZE */
	int cap[CAP_COUNT];             /* KVM_CHECK_EXTENSION results, 0 = absent */
};
/* Opens /dev/kvm and probes; returns XC_OK or XC_HOST with a how-to-fix message. */
int  kvm_open(struct kvm *k, char *err, size_t errlen);
void kvm_close(struct kvm *k);                      /* closes /dev/kvm */
bool kvm_has(const struct kvm *k, enum cap_id c);   /* KVM_CHECK_EXTENSION said > 0 */


/* ---- host.c: what kind of host KVM is (backend, paging, nesting) ---- */
struct host_info {
	char backend[16];               /* "kvm_intel", "kvm_amd", "kvm_pvm", "unknown" */
	char paging[32];                /* "ept", "npt", "shadow", "unknown" */
	bool tdp;                       /* two-dimensional paging on */
	bool host_is_guest;             /* CPUID.1:ECX[31] on the host */
	char cpu_model[64];
	char kernel[80];
};
/* Fills h from /sys, /proc and CPUID; fields it cannot learn say "unknown". Never fails. */
void host_probe(struct host_info *h);

/* ---- facts.c, facts_cpuid.c, expect.c: host facts and the expectations table (expect.def) ---- */
#define FACTS_MAX        200
#define FACT_NAME_MAX    64
#define FACT_VALUE_MAX   64
enum fact_type { FACT_BOOL, FACT_INT, FACT_STR };
struct fact {                           /* one guest-visible host fact and how it was found */
	char name[FACT_NAME_MAX];       /* "vendor", "cpuid_fault", "param.kvm.tdp_mmu", ... */
	enum fact_type type;
	bool known;                     /* false: could not be probed (JSON null) */
	int64_t i;                      /* FACT_BOOL / FACT_INT */
	char s[FACT_VALUE_MAX];         /* FACT_STR */
	char source[160];               /* cpuid leaf, sysfs path, ioctl, probe VM ... */
};
struct host_facts {
	struct fact f[FACTS_MAX];
	int n;
};
/* Probes every fact the host itself can tell (docs/backends.md, "Host facts"); the
 * facts only a guest shows are added by facts_guest (vmm/measure/facts_guest.c). */
void facts_probe(struct host_facts *hf, const struct host_info *h, struct kvm *k);
/* Which CPUID registers the host rewrites after KVM_SET_CPUID2 (facts_cpuid.c). */
void facts_cpuid_set(struct host_facts *hf, struct kvm *k);
/* Hyper-V CPUID leaves, Xen HVM support and VMX capability MSRs KVM offers (facts_hv.c). */
void facts_hypervisors(struct host_facts *hf, struct kvm *k);
/* NUMA nodes, IOMMU groups and units, VFIO, SR-IOV devices (facts_platform.c). */
void facts_platform(struct host_facts *hf);
void facts_set_bool(struct host_facts *hf, const char *name, bool v, const char *source);
void facts_set_int(struct host_facts *hf, const char *name, int64_t v, const char *source);
void facts_set_str(struct host_facts *hf, const char *name, const char *v, const char *source);
void facts_set_unknown(struct host_facts *hf, const char *name, enum fact_type t, const char *source);
const struct fact *facts_find(const struct host_facts *hf, const char *name);   /* NULL: no such fact */
/* "true"/"false", decimal, the string, or "unknown": the form conditions compare against. */
void facts_value_text(const struct fact *f, char *out, size_t n);
struct expect_row {                     /* one EXPECT(...) of expect.def */
	const char *id, *area, *cases, *expect, *when, *kind, *reason, *cite, *fixed;
};
extern const struct expect_row expect_table[];
extern const int expect_count;
#define EXPECT_KEYS_MAX 256
/* Does the condition (expect.def syntax) hold over these facts?  Unknown facts are false. */
bool expect_when_holds(const struct host_facts *hf, const char *when);
/* The first row of area that lists case c (or "*") whose condition holds; kind, if not
 * NULL, restricts to rows of that kind.  NULL when none applies. */
const struct expect_row *expect_lookup(const struct host_facts *hf, const char *area, const char *c,
				       const char *kind);
/* One stderr line when the table says guest CPL-3 CPUID bypasses the VMM's table here. */
void expect_warn_cpuid_cpl3(const struct host_info *h, struct kvm *k);


/* ---- guestmem.c: the only way to touch guest memory ---- */
#define MEMSLOTS_MAX 8                   /* kvmlab uses slots 0 (RAM), 1 (ROM), 2 (hotplug) */
struct mem_slot {                       /* one KVM memory slot (api.rst 4.35); memslots.c */
	uint32_t id;                    /* KVM slot number */
	uint32_t flags;                 /* KVM_MEM_READONLY | KVM_MEM_LOG_DIRTY_PAGES */
	uint64_t gpa, size;             /* page aligned */
	uint8_t *hva;                   /* host mapping of [gpa, gpa+size) */
	uint64_t map_size;              /* bytes mapped at hva (>= size: huge-page rounding) */
	const char *name;               /* "ram", "rom", "hotplug" */
	int backing;                    /* enum backing_kind */
	int memfd;                      /* BACKING_MEMFD: the file; else -1 */
	bool window;                    /* allowed in the MMIO window (ROM by design) */
};
/* Who maps guest memory besides kvmlab (a vhost-user back-end maps it itself,
 * docs/io.md): memregion.c tells it of every slot it adds, after the slot is
 * in (leaving -1), and of every slot it removes, before (leaving = the slot's
 * id).  changed returns 0, or -1 with err; it runs without the slot lock. */
struct mem_listener {
	const char *name;
	int (*changed)(void *opaque, int leaving, char *err, size_t errlen);
	void *opaque;
};
#define MEM_LISTENERS_MAX 4
struct guest_mem {
	uint8_t *hva;                   /* host mapping of guest RAM, GPA 0 (slot 0) */
	uint64_t size;                  /* bytes */
	/* Every slot, RAM included.  With nslots == 0 the table is just the
	 * range [0, size) at hva above (how unit tests build a guest_mem). */
	struct mem_slot slot[MEMSLOTS_MAX];
	int nslots;
	/* The slot lock: slot[] and every mapping behind it.  Readers that run
	 * while other threads do (vCPUs, the I/O thread) hold it shared around
	 * every use of a gmem_ptr pointer; memregion.c holds it exclusive while
	 * it changes a slot (docs/memory.md, "Who may hold a pointer").  Never
	 * held across KVM_RUN, never taken twice by one thread. */
	pthread_rwlock_t lock;
	/* Post-copy's pager (vmm/migrate/uffd.c) while it runs, else NULL: gmem_discard
	 * calls it instead of madvise, so that a page given back to the host is not
	 * filled later with the source's old bytes.  It applies advice itself; 0 or -1. */
	int (*discard_hook)(void *arg, uint8_t *hva, uint64_t gpa, uint64_t len, int advice);
	void *discard_arg;
	const struct mem_listener *listener[MEM_LISTENERS_MAX];     /* memregion_listen */
	int nlisteners;
};
void gmem_init(struct guest_mem *m);    /* the lock, writer-preferring: an unplug cannot starve */
void gmem_hold(const struct guest_mem *m);      /* shared: pointers stay valid until gmem_release */
void gmem_release(const struct guest_mem *m);
void gmem_change_begin(struct guest_mem *m);    /* exclusive: waits until no reader holds a pointer */
void gmem_change_end(struct guest_mem *m);
/* Returns a host pointer to [gpa, gpa+len) if the whole range lies inside ONE
 * memory slot, else NULL.  Overflow-safe for every gpa and len.  While other
 * threads run, call it and use the pointer between gmem_hold and gmem_release. */
void *gmem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len);
/* gmem_ptr for a write made on the guest's behalf (device DMA, a used ring):
 * NULL also when the range is in a read-only slot (the --rom slot). */
void *gmem_ptr_writable(const struct guest_mem *m, uint64_t gpa, uint64_t len);
/* Copies out of / into guest RAM; 0 on success, -1 if out of range (gmem_write:
 * or in a read-only slot, which only the VMM itself fills). */
int  gmem_read(const struct guest_mem *m, uint64_t gpa, void *dst, uint64_t len);
int  gmem_write(const struct guest_mem *m, uint64_t gpa, const void *src, uint64_t len);
/* The VMM's own write, which may fill a read-only slot (a restored stream's ROM
 * pages); never for a write the guest or a device directs.  0, or -1 if out of range. */
int  gmem_load(const struct guest_mem *m, uint64_t gpa, const void *src, uint64_t len);
/* Gives the host pages behind [gpa, gpa+len) back (madvise MADV_DONTNEED; MADV_REMOVE for
 * memfd backing): the guest reads zeros there afterwards.  The range must be page aligned,
 * inside one writable slot; call under gmem_hold.  0, or -1 (out of range, read-only, or
 * the backing refused: errno says which). */
int  gmem_discard(const struct guest_mem *m, uint64_t gpa, uint64_t len);
/* Resident bytes of [gpa, gpa+len) inside one slot (mincore); -1 if out of range.  Under gmem_hold. */
int64_t gmem_resident(const struct guest_mem *m, uint64_t gpa, uint64_t len);


/* ---- end.c: how a run ends ----
 * X(KIND, name, exit code, flags): the one table of end kinds.  The exit code
 * of END_EXIT_PORT is XC_OK only for status 0 (end_exit_code). */
#define END_BY_GUEST    (1u << 0)       /* the guest ended the run as it meant to (ACT_DONE) */
#define END_AT_INSN     (1u << 1)       /* a guest instruction caused it (trace prints it as the last step) */
#define END_VCPU_ONLY   (1u << 2)       /* --vcpus: ends this vCPU, not the VM (smp.c) */
#define END_SILENT      (1u << 3)       /* the exit code says it all: `run --quiet` adds no line */
#define END_LIST(X) \
	X(NONE,           "none",           XC_HOST,        0) \
	X(HLT,            "hlt",            XC_OK,          END_BY_GUEST | END_AT_INSN | END_VCPU_ONLY | END_SILENT) \
	X(EXIT_PORT,      "exit_port",      XC_OK,          END_BY_GUEST | END_AT_INSN | END_SILENT) \
	X(REPORT_FAIL,    "check_failed",   XC_GUEST_FAIL,  END_BY_GUEST | END_AT_INSN) \
	X(SHUTDOWN,       "shutdown",       XC_GUEST_CRASH, END_AT_INSN)   /* triple fault */ \
	X(INTERNAL_ERROR, "internal_error", XC_GUEST_CRASH, END_AT_INSN)   /* emulation failure, ... */ \
	X(FAIL_ENTRY,     "entry_failure",  XC_GUEST_CRASH, 0)             /* hardware refused VM entry */ \
	X(UNHANDLED,      "unhandled_exit", XC_GUEST_CRASH, END_AT_INSN)   /* no handler for the exit */ \
	X(PROTOCOL,       "protocol_error", XC_PROTOCOL,    END_AT_INSN)   /* the guest broke the ABI */ \
	X(TIMEOUT,        "timeout",        XC_TIMEOUT,     0)             /* the watchdog */ \
	X(EXIT_LIMIT,     "exit_limit",     XC_EXIT_LIMIT,  0)             /* --max-exits, --max-steps */ \
	X(HOST_ERROR,     "host_error",     XC_HOST,        0)             /* KVM_RUN or another ioctl failed */ \
	X(STOPPED,        "stopped",        XC_OK,          END_VCPU_ONLY) /* another vCPU ended the VM: it decides */ \
	X(INTERRUPTED,    "interrupted",    XC_INTERRUPTED, 0)             /* SIGINT/SIGTERM (vmm/core/watchdog.c) */ \
	X(MIGRATED,       "migrated",       XC_OK,          END_VCPU_ONLY) /* live migration: the guest runs on elsewhere (vmm/migrate/) */

enum end_kind {
#define X(kind, name, xc, flags) END_##kind,
	END_LIST(X)
#undef X
	END_KIND_COUNT
};
const char *end_name(enum end_kind k);          /* "hlt", "exit_port", ... (docs/json-schema.md) */
/* The kvmlab exit code of a run that ended with k (status: the exit port's value). */
int  end_exit_code(enum end_kind k, uint32_t status);
bool end_by_guest(enum end_kind k);     /* the guest ended it itself: hlt, exit port, FAIL report */
bool end_at_insn(enum end_kind k);      /* a guest instruction ended it (it ran, or died trying) */
bool end_vcpu_only(enum end_kind k);    /* --vcpus: the other vCPUs run on */
bool end_silent(enum end_kind k);       /* hlt, exit port: the exit code is the whole story */
/* The run succeeded: its exit code is XC_OK. */
bool end_ok(enum end_kind k, uint32_t status);


/* ---- exit.c: the dispatch table ---- */
enum action {
	ACT_CONTINUE,                   /* re-enter the guest */
	ACT_DONE,                       /* the run ended as the guest intended (end set) */
	ACT_FAIL,                       /* the run ended badly (end set) */
	ACT_STEP,                       /* kvmlab trace: re-enter with immediate_exit, so KVM only
					 * completes the instruction that exited (api.rst, "immediate_exit") */
};
struct vcpu;
typedef enum action (*exit_handler)(struct vcpu *v);
const char *exit_reason_name(uint32_t reason); /* "IO", "HLT", ...; "UNKNOWN_REASON" if unnamed */
exit_handler exit_lookup(uint32_t reason);     /* NULL: unhandled */
extern const exit_handler exit_table[];        /* 64 rows (EXIT_REASON_MAX, measure.h) */
/* exit_dispatch (vm.h) under kvmlab trace: lookup, count, handler, then the
 * trace decides whether it was one step (ACT_STEP). */
struct trace;
enum action exit_dispatch_traced(struct vcpu *v, uint64_t cycles, struct trace *trace);


/* ---- setup.c: each set-up step before the first KVM_RUN, timed (`setup` in run --json) ---- */
#define SETUP_STEPS_MAX 48
struct setup_step {
	const char *step;               /* what it is for: "create VM", "MSR filter" */
	const char *ioctl;              /* the call that does it: "KVM_CREATE_VM" */
	uint64_t ns;                    /* how long it took (CLOCK_MONOTONIC) */
};
struct setup_log {                      /* main thread only: set-up runs before any vCPU thread */
	struct setup_step step[SETUP_STEPS_MAX];
	int n;
	int dropped;                    /* steps past SETUP_STEPS_MAX, not recorded */
	bool msr_filter;                /* KVM_X86_SET_MSR_FILTER was installed (traps/msr.c) */
	bool irqchip;                   /* KVM_CREATE_IRQCHIP was made (vm.c) */
};
uint64_t setup_clock(void);             /* CLOCK_MONOTONIC in ns: the t0 of a step */
/* Records step (done by ioctl_name) as having taken from t0 until now, and
 * logs it under --verbose; log may be NULL (logged only). */
void setup_record(struct setup_log *log, const char *step, const char *ioctl_name, uint64_t t0);
uint64_t setup_total_ns(const struct setup_log *log);  /* sum of the recorded steps */

/* The run loop's per-exit path: one section, which vmm/core/hot.ld puts in a
 * page of its own, so an exit's code is one page and a few adjacent lines
 * after KVM_RUN evicted them (docs/measurement.md, "What the accounting costs"). */
#define KVMLAB_HOT __attribute__((hot, section(".text.kvmlab_hot")))
/* ...and on that path the branch predictor has forgotten kvmlab too, so each
 * taken branch costs ~6 cycles: the common case is the fall-through. */
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)


/* ---- log.c: the two error tiers' output (setup dies, library code warns) ---- */
extern int log_verbose;                 /* --verbose: vlog prints */
/* Prints "kvmlab: <message>" on stderr and exits with code. */
void die(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
void vlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));  /* --verbose only */
/* Prints "kvmlab: <message>" on stderr and goes on. */
void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
