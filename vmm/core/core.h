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

/* kvmlab's own exit codes (docs/json-schema.md, "Exit codes"; kvmlab --help). */
enum kvmlab_exit_code {
	XC_OK            = 0,   /* guest halted, or wrote status 0 to the exit port */
	XC_GUEST_FAIL    = 1,   /* guest reported failure: exit status != 0 or a FAIL report */
	XC_USAGE         = 2,   /* bad command line */
	XC_GUEST_CRASH   = 3,   /* triple fault, internal error, entry failure, unhandled exit */
	XC_TIMEOUT       = 4,   /* watchdog fired (--timeout) */
	XC_EXIT_LIMIT    = 5,   /* --max-exits reached */
	XC_PROTOCOL      = 6,   /* guest broke the guest ABI (bad report record, ...) */
	XC_HOST          = 7,   /* no usable /dev/kvm, missing capability, failing ioctl */
	XC_PAYLOAD_IO    = 8,   /* payload file cannot be opened or read */
	XC_PAYLOAD_TRUNC = 9,   /* file shorter than the header or than hdr_size */
	XC_PAYLOAD_MAGIC = 10,  /* not a kvmlab payload */
	XC_PAYLOAD_VERSION = 11,/* ABI version this kvmlab does not speak */
	XC_PAYLOAD_MODE  = 12,  /* unknown CPU mode */
	XC_PAYLOAD_LOAD  = 13,  /* load address unaligned, overlapping kvmlab, or out of range */
	XC_PAYLOAD_SIZE  = 14,  /* payload does not fit in guest RAM */
	XC_PAYLOAD_ENTRY = 15,  /* entry point outside the payload */
	XC_PAYLOAD_FIELD = 16,  /* other header field invalid (hdr_size, flags, name, desc) */
	XC_SANDBOX       = 17,  /* --sandbox: a thread made a forbidden system call (sandbox.c) */
};

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
/* A PAYLOAD argument: a file as given, else the catalogue entry payload_dir()/ARG[.bin]
 * ("hello-long", "bench/cpuid").  Returns arg or buf. */
const char *payload_resolve(const char *arg, char *buf, size_t n);
/* The payload catalogue: $KVMLAB_PAYLOADS, else payloads/ next to the binary. */
const char *payload_dir(void);
/* Guest RAM when --mem is not given: MEM_DEFAULT, or more if the header's
 * min_mem_kib or the caller's own need asks for it, rounded up to a page.
 * May exceed MEM_MAX: the caller decides whether that is an error. */
uint64_t payload_default_mem(const struct payload *p, uint64_t need);
/* "real", "protected", "long" for an enum payload_mode; "unknown" otherwise. */
const char *mode_name(int mode);


/* ---- kvm.c: /dev/kvm, API version and capabilities ---- */
enum cap_id {
	CAP_IRQCHIP, CAP_HLT, CAP_USER_MEMORY, CAP_READONLY_MEM, CAP_COALESCED_MMIO,
	CAP_IOEVENTFD, CAP_IMMEDIATE_EXIT, CAP_GET_TSC_KHZ, CAP_BINARY_STATS_FD,
	CAP_EXIT_ON_EMULATION_FAILURE, CAP_SET_GUEST_DEBUG, CAP_X86_USER_SPACE_MSR,
	CAP_X86_MSR_FILTER, CAP_MANUAL_DIRTY_LOG_PROTECT2, CAP_DIRTY_LOG_RING,
	CAP_EXT_CPUID, CAP_NR_VCPUS, CAP_MAX_VCPUS, CAP_X86_DISABLE_EXITS, CAP_SYNC_MMU,
	CAP_COUNT
};
struct cap_desc {
	int kvm_cap;                    /* KVM_CAP_* */
	const char *name;
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
/* Copies out of / into guest RAM; 0 on success, -1 if out of range. */
int  gmem_read(const struct guest_mem *m, uint64_t gpa, void *dst, uint64_t len);
int  gmem_write(const struct guest_mem *m, uint64_t gpa, const void *src, uint64_t len);


/* ---- the run: how it ended and everything reported about it ---- */
enum end_kind {
	END_NONE = 0,
	END_HLT,                /* hlt with no interrupt source */
	END_EXIT_PORT,          /* guest wrote to PORT_EXIT */
	END_REPORT_FAIL,        /* guest sent a FAIL report */
	END_SHUTDOWN,           /* triple fault */
	END_INTERNAL_ERROR,     /* KVM could not go on (emulation failure, ...) */
	END_FAIL_ENTRY,         /* hardware refused VM entry */
	END_UNHANDLED,          /* an exit reason kvmlab has no handler for */
	END_PROTOCOL,           /* guest broke the ABI */
	END_TIMEOUT,            /* watchdog */
	END_EXIT_LIMIT,         /* --max-exits */
	END_HOST_ERROR,         /* KVM_RUN or another ioctl failed */
	END_STOPPED,            /* --vcpus: another vCPU ended the VM (vmm/core/smp.c) */
	END_KIND_COUNT
};
const char *end_name(enum end_kind k);          /* "hlt", "exit_port", ... (docs/json-schema.md) */
/* The kvmlab exit code of a run that ended with k (status: the exit port's value). */
int  end_exit_code(enum end_kind k, uint32_t status);


/* ---- exit.c: the dispatch table ---- */
enum action {
	ACT_CONTINUE,                   /* re-enter the guest */
	ACT_DONE,                       /* the run ended as the guest intended (end set) */
	ACT_FAIL,                       /* the run ended badly (end set) */
};
struct vcpu;
typedef enum action (*exit_handler)(struct vcpu *v);
const char *exit_reason_name(uint32_t reason); /* "IO", "HLT", ...; "UNKNOWN_REASON" if unnamed */
exit_handler exit_lookup(uint32_t reason);     /* NULL: unhandled */
/* One exit: lookup, handler (or the unhandled handler), count.  Returns the action. */
enum action exit_dispatch(struct vcpu *v, uint64_t cycles);


/* ---- log.c: the two error tiers' output (setup dies, library code warns) ---- */
extern int log_verbose;                 /* --verbose: vlog prints */
/* Prints "kvmlab: <message>" on stderr and exits with code. */
void die(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
void vlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));  /* --verbose only */
/* Prints "kvmlab: <message>" on stderr and goes on. */
void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
