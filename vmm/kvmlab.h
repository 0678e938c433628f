/*
 * kvmlab.h - every type and cross-file function of kvmlab, grouped by file.
 *
 * Read this first: it is the map of the program.  The layers are
 *   main.c/cmd_*.c   command line
 *   vm.c, vcpu.c     the VM and its vCPUs (the ioctl sequence of api.rst)
 *   modes.c          CPU modes as data
 *   exit.c           exit dispatch table: KVM_EXIT_* -> traps/
 *   traps/           one file per kind of exit or device
 */
#ifndef KVMLAB_H
#define KVMLAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <sys/types.h>

#include "abi.h"

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

/* ---- parse.c: strict parsing of option values (pure, unit-tested) ---- */
int  parse_u64(const char *s, uint64_t *out);             /* 0 ok, -1 bad */
int  parse_size(const char *s, uint64_t *out);            /* "4M", "256K", "1G", bytes */
int  parse_seconds(const char *s, double *out);           /* "10", "0.5" */
int  parse_mem(const char *s, uint64_t *out);             /* a size, MEM_MIN..MEM_MAX, 4 KiB multiple */
/* Prints "kvmlab CMD: <message> (see kvmlab CMD --help)" and returns XC_USAGE. */
int  usage_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

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
void payload_free(struct payload *p);
/* A PAYLOAD argument: a file as given, else the catalogue entry payload_dir()/ARG[.bin]
 * ("hello-long", "bench/cpuid").  Returns arg or buf. */
const char *payload_resolve(const char *arg, char *buf, size_t n);
const char *payload_dir(void);          /* $KVMLAB_PAYLOADS, else payloads/ next to the binary */
/* Guest RAM when --mem is not given: MEM_DEFAULT, or more if the header's
 * min_mem_kib or the caller's own need asks for it, rounded up to a page.
 * May exceed MEM_MAX: the caller decides whether that is an error. */
uint64_t payload_default_mem(const struct payload *p, uint64_t need);
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
void kvm_close(struct kvm *k);
bool kvm_has(const struct kvm *k, enum cap_id c);

/* ---- host.c: what kind of host KVM is (backend, paging, nesting) ---- */
struct host_info {
	char backend[16];               /* "kvm_intel", "kvm_amd", "kvm_pvm", "unknown" */
	char paging[32];                /* "ept", "npt", "shadow", "unknown" */
	bool tdp;                       /* two-dimensional paging on */
	bool host_is_guest;             /* CPUID.1:ECX[31] on the host */
	char cpu_model[64];
	char kernel[80];
};
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
};
/* Returns a host pointer to [gpa, gpa+len) if the whole range lies inside ONE
 * memory slot, else NULL.  Overflow-safe for every gpa and len. */
void *gmem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len);
/* Copies out of / into guest RAM; 0 on success, -1 if out of range. */
int  gmem_read(const struct guest_mem *m, uint64_t gpa, void *dst, uint64_t len);
int  gmem_write(const struct guest_mem *m, uint64_t gpa, const void *src, uint64_t len);

/* ---- samples.c: a bounded store of per-exit round-trip times ---- */
#define SAMPLES_MAX       65536         /* per exit reason: exact percentiles up to here */
struct sample_store {
	uint64_t *v;                    /* cycles; malloc'd, grows to SAMPLES_MAX */
	uint32_t n, cap;                /* values held, slots allocated */
	uint64_t seen;                  /* values offered (n == min(seen, SAMPLES_MAX)) */
	uint64_t rng;                   /* reservoir sampling state (deterministic) */
};
/* Keeps every value up to SAMPLES_MAX, then a uniform reservoir of that size
 * (Vitter's algorithm R).  Returns -1 only when memory runs out. */
int  samples_add(struct sample_store *s, uint64_t x);
void samples_free(struct sample_store *s);
bool samples_exact(const struct sample_store *s);       /* no value was dropped */

/* ---- summary.c: order statistics and spread (pure, unit-tested) ---- */
struct summary {
	uint64_t n;
	double min, median, p99, max, mean;
	double cv;                      /* sample standard deviation / mean; 0 when n < 2 */
};
/* Summarise v; summary_double sorts v in place, summary_u64 leaves it alone.
 * All fields are 0 when n == 0. */
void summary_u64(uint64_t *v, size_t n, struct summary *out);
void summary_double(double *v, size_t n, struct summary *out);
/* Nearest-rank percentile (p in [0,100]) of sorted v[0..n-1], n >= 1. */
double percentile_sorted(const double *v, size_t n, double p);

/* ---- counters.c: kvmlab's own accounting, kept in the run loop ---- */
#define EXIT_REASON_MAX   64            /* > every KVM_EXIT_* in linux/kvm.h */
#define MSR_KEYS_MAX      64
#define HIST_BUCKETS      40            /* log2 buckets of TSC cycles */
#define PORT_KEYS_MAX     256
#define MMIO_KEYS_MAX     256
struct exit_counter {
	uint64_t count;
	uint64_t tsc_sum, tsc_min, tsc_max;  /* KVM_RUN round trip that ended in this exit */
	uint64_t hist[HIST_BUCKETS];         /* hist[i]: round trips in [2^i, 2^(i+1)) cycles */
};
struct access_key {
	uint64_t addr;                  /* port or GPA */
	uint32_t size;                  /* bytes per element */
	uint8_t  write;                 /* 1 = out / write */
	uint8_t  claimed;               /* a device answered */
	uint64_t count;                 /* exits */
	uint64_t elems;                 /* elements transferred (string I/O moves several per exit) */
};
struct counters {
	struct exit_counter reason[EXIT_REASON_MAX];
	struct exit_counter other;      /* reasons >= EXIT_REASON_MAX */
	struct access_key port[PORT_KEYS_MAX];
	int nports;
	uint64_t port_overflow;         /* distinct keys beyond PORT_KEYS_MAX */
	struct access_key mmio[MMIO_KEYS_MAX];
	int nmmio;
	uint64_t mmio_overflow;
	uint64_t total_exits;
	uint64_t kvm_run_calls;         /* includes EINTR returns */
	uint64_t eintr;
	/* Exit accounting (docs/measurement.md): exact round trips per reason,
	 * per-MSR counts, coalesced MMIO writes drained from the ring. */
	struct sample_store sample[EXIT_REASON_MAX + 1];  /* [EXIT_REASON_MAX]: "other" */
	struct access_key msr[MSR_KEYS_MAX];
	int nmsr;
	uint64_t msr_overflow;
	uint64_t coalesced;             /* writes KVM queued in the coalesced-MMIO ring */
	uint64_t vmm_cycles;            /* TSC cycles in kvmlab between one KVM_RUN and the next */
};
void counters_exit(struct counters *c, uint32_t reason, uint64_t cycles);
void counters_free(struct counters *c);     /* the sample stores */
/* Counts one access; returns 1 if this (addr, size, direction) is new. */
/* Counts one access; returns 1 if this (addr, size, direction) is new. */
int  counters_access(struct access_key *keys, int *n, int max, uint64_t *overflow,
		     uint64_t addr, uint32_t size, bool write, bool claimed, uint64_t elems);
unsigned hist_bucket(uint64_t cycles);

/* ---- kvmstats.c: KVM's binary statistics (KVM_GET_STATS_FD, api.rst 4.133) ---- */
struct kvm_stat {
	char name[48];
	uint32_t flags;                 /* KVM_STATS_TYPE_* | UNIT | BASE */
	uint64_t before, after;
};
struct kvm_stats {
	int fd;                         /* -1: not available */
	struct kvm_stat *stat;
	int n;
	uint32_t data_offset;
	uint32_t *offset;               /* per stat: offset of its value in the data block */
};
/* Opens the stats fd of a VM or vCPU fd; on failure st->fd = -1 and the run goes on. */
void kvmstats_open(struct kvm_stats *st, int owner_fd);
int  kvmstats_sample(struct kvm_stats *st, bool after);   /* 0 ok */
void kvmstats_close(struct kvm_stats *st);
const struct kvm_stat *kvmstats_find(const struct kvm_stats *st, const char *name);
/* after - before for cumulative stats; after for instant/peak. */
uint64_t kvmstats_delta(const struct kvm_stat *s);

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
	END_STOPPED,            /* --vcpus: another vCPU ended the VM (vmm/smp.c) */
	END_KIND_COUNT
};
const char *end_name(enum end_kind k);
int  end_exit_code(enum end_kind k, uint32_t status);

struct report_entry {
	int kind;                       /* enum report_kind */
	char text[REPORT_TEXT_MAX + 1];
	uint64_t value;
	uint64_t rip;                   /* where the guest sent it */
};

#define CONSOLE_CAP   (64u << 10)       /* bytes of console output kept for JSON */
struct console {
	char *buf;
	size_t len;                     /* bytes kept */
	uint64_t total;                 /* bytes written by the guest */
	bool echo;                      /* copy to stdout as it arrives */
	uint64_t limit;                 /* --console-limit: bytes accepted; later ones are dropped */
	uint64_t dropped;               /* bytes beyond limit: neither echoed nor kept */
};
#define CONSOLE_LIMIT_DEFAULT (1ULL << 20)      /* docs/security.md, "Console output" */

/* ---- exit.c: the dispatch table ---- */
enum action {
	ACT_CONTINUE,                   /* re-enter the guest */
	ACT_DONE,                       /* the run ended as the guest intended (end set) */
	ACT_FAIL,                       /* the run ended badly (end set) */
};
struct vcpu;
typedef enum action (*exit_handler)(struct vcpu *v);
const char *exit_reason_name(uint32_t reason);
exit_handler exit_lookup(uint32_t reason);     /* NULL: unhandled */
/* One exit: lookup, handler (or the unhandled handler), count.  Returns the action. */
enum action exit_dispatch(struct vcpu *v, uint64_t cycles);

/* ---- traps/pio.c: the port bus ---- */
struct io_req {
	uint16_t port;
	uint8_t size;                   /* 1, 2 or 4 */
	bool out;
	uint32_t count;                 /* string I/O: elements in data */
	uint8_t *data;                  /* count * size bytes inside kvm_run */
};
typedef enum action (*pio_handler)(struct vcpu *v, struct io_req *io, void *opaque);
struct pio_range {
	uint16_t first;
	uint16_t count;                 /* ports first .. first+count-1 */
	const char *name;
	pio_handler handler;
	void *opaque;
};
#define PIO_RANGES_MAX 32
struct pio_bus {
	struct pio_range range[PIO_RANGES_MAX];
	int n;
};
/* Registers a port range.  Returns 0, or -1 (with err) if empty, wrapping past
 * 0xFFFF, overlapping a registered range, or the bus is full. */
int  pio_register(struct pio_bus *b, const struct pio_range *r, char *err, size_t errlen);
const struct pio_range *pio_find(const struct pio_bus *b, uint16_t port);
enum action trap_io(struct vcpu *v);

/* ---- traps/mmio.c: the MMIO bus ---- */
struct mmio_req {
	uint64_t gpa;
	uint32_t len;                   /* 1..8 */
	bool write;
	uint8_t *data;                  /* inside kvm_run */
	bool coalesced;                 /* replayed from the coalesced-MMIO ring, not an exit */
};
typedef enum action (*mmio_handler)(struct vcpu *v, struct mmio_req *m, void *opaque);
struct mmio_range {
	uint64_t base, size;
	const char *name;
	mmio_handler handler;
	void *opaque;
};
#define MMIO_RANGES_MAX 32
struct mmio_bus {
	struct mmio_range range[MMIO_RANGES_MAX];
	int n;
};
int  mmio_register(struct mmio_bus *b, const struct mmio_range *r, char *err, size_t errlen);
const struct mmio_range *mmio_find(const struct mmio_bus *b, uint64_t gpa, uint32_t len);
enum action trap_mmio(struct vcpu *v);

/* ---- traps/console.c, traps/exitport.c, traps/report.c: the guest protocol ---- */
enum action console_io(struct vcpu *v, struct io_req *io, void *opaque);
enum action exitport_io(struct vcpu *v, struct io_req *io, void *opaque);
enum action report_io(struct vcpu *v, struct io_req *io, void *opaque);
/* Reads and validates one record at gpa (pure: unit-tested).  0, or -1 with err. */
int  report_read(const struct guest_mem *m, uint64_t gpa, struct report_entry *out,
		 char *err, size_t errlen);

/* ---- traps/hlt.c, shutdown.c, entry_fail.c, internal_error.c ---- */
enum action trap_hlt(struct vcpu *v);
enum action trap_shutdown(struct vcpu *v);
enum action trap_fail_entry(struct vcpu *v);
enum action trap_internal_error(struct vcpu *v);
enum action trap_unhandled(struct vcpu *v);
const char *internal_suberror_name(uint32_t suberror);
const char *entry_failure_name(uint64_t hw_reason);

/* ==== I/O devices (docs/io.md): UART, virtio-mmio, doorbells, coalesced MMIO ==== */
#include <pthread.h>
struct vm;
struct json;

/* traps/console.c: appends n bytes to a console stream (and echoes them). */
void console_put(struct console *con, const uint8_t *p, uint32_t n);

/* ---- traps/uart16550.c: a 16550 UART at COM1 (register model is pure) ---- */
#define UART_FIFO_SIZE 16               /* 16550 transmit/receive FIFO depth (datasheet) */
struct uart {
	uint8_t ier, lcr, mcr, scr, fcr;
	uint16_t divisor;               /* DLL/DLM, reached with LCR.DLAB = 1 */
	const uint8_t *input;           /* bytes the guest reads from RBR (--uart-input) */
	size_t input_len, input_pos;
	uint8_t out[UART_FIFO_SIZE * 16]; /* bytes written to THR and not yet taken by uart_take */
	size_t out_len;
	uint64_t tx_bytes, rx_bytes, reg_reads, reg_writes;
	uint32_t fnv;                   /* FNV-1a of every byte transmitted */
};
void    uart_reset(struct uart *u, const uint8_t *input, size_t input_len);
/* One register access at offset 0..7 from the base port.  Pure: no I/O. */
uint8_t uart_read(struct uart *u, unsigned off);
void    uart_write(struct uart *u, unsigned off, uint8_t val);
/* Moves transmitted bytes to dst (at most n); returns how many. */
size_t  uart_take(struct uart *u, uint8_t *dst, size_t n);
enum action uart_io(struct vcpu *v, struct io_req *io, void *opaque);

/* ---- traps/virtqueue.c: split virtqueues (virtio 1.1 section 2.7), pure ---- */
#define VIRTQ_NUM_MAX         256       /* QueueNumMax kvmlab offers */
#define VIRTQ_CHAIN_BYTES_MAX (1u << 20) /* kvmlab's cap on one chain's buffers: bounds the work per doorbell */
enum virtq_err {
	VQ_OK = 0,
	VQ_ERR_NUM,             /* queue size zero, not a power of two, or > QueueNumMax */
	VQ_ERR_RING_ADDR,       /* a ring is misaligned or not wholly inside guest RAM */
	VQ_ERR_AVAIL_IDX,       /* avail->idx ran more than a queue size ahead */
	VQ_ERR_HEAD_INDEX,      /* avail->ring[] names a descriptor >= queue size */
	VQ_ERR_NEXT_INDEX,      /* desc.next >= queue size */
	VQ_ERR_CHAIN_LOOP,      /* chain longer than the queue: a loop */
	VQ_ERR_BUF_ADDR,        /* a buffer not wholly inside guest RAM (incl. wrap) */
	VQ_ERR_INDIRECT,        /* VIRTQ_DESC_F_INDIRECT without VIRTIO_F_INDIRECT_DESC */
	VQ_ERR_ORDER,           /* device-readable descriptor after a device-writable one */
	VQ_ERR_CHAIN_BYTES,     /* chain's buffers exceed VIRTQ_CHAIN_BYTES_MAX */
	VQ_ERR_REQUEST,         /* a device request without its header or status byte */
	VQ_ERR_COUNT
};
const char *virtq_err_name(int e);
struct virtq {
	uint16_t num;                   /* QueueNum */
	bool ready;                     /* QueueReady */
	uint64_t desc, avail, used;     /* GPAs of the three parts */
	uint16_t last_avail;            /* next avail ring slot the device consumes */
	uint16_t used_idx;              /* device's copy of used->idx */
};
struct virtq_seg {
	uint64_t gpa;
	uint32_t len;
	bool write;                     /* device-writable */
};
struct virtq_chain {
	uint16_t head;
	int nseg;
	struct virtq_seg seg[VIRTQ_NUM_MAX];
	uint64_t readable, writable;    /* bytes */
};
/* VQ_OK if num and the three rings are valid for guest RAM m. */
int  virtq_check(const struct guest_mem *m, const struct virtq *q, uint16_t num_max);
/* Takes the next available chain: 1 = popped into c, 0 = ring empty, <0 = -VQ_ERR_*.
 * Every descriptor is copied once and then validated (no double fetch). */
int  virtq_pop(const struct guest_mem *m, struct virtq *q, struct virtq_chain *c);
/* Returns a chain to the driver: used ring entry, then used->idx (release). 0 or -VQ_ERR_*. */
int  virtq_push(const struct guest_mem *m, struct virtq *q, uint16_t head, uint32_t len);
/* Sets used->flags (VIRTQ_USED_F_NO_NOTIFY: "don't kick me, I poll"). */
int  virtq_set_used_flags(const struct guest_mem *m, const struct virtq *q, uint16_t flags);

/* ---- traps/virtio_mmio.c + virtio_console.c + virtio_blk.c: virtio devices over virtio-mmio ---- */
#define VIRTIO_QUEUES_MAX 2
#define VIRTIO_CON_QUEUES 2             /* receiveq0, transmitq0 (virtio 1.1 5.3.2) */
#define VIRTIO_CON_TXQ    1
#define VIRTIO_CONFIG_MAX 16            /* bytes of device configuration space kvmlab models */
struct virtio_dev;
/* What makes a virtio device a console or a block device: the transport is the same. */
struct virtio_type {
	const char *name;
	uint32_t device_id;             /* virtio 1.1 5: 3 console, 2 block, 0 = no device */
	int nqueues;
	int work_queue;                 /* the queue whose chains the device consumes */
	/* One chain, lock held: 0 with *written = bytes the device wrote, or -VQ_ERR_*. */
	int (*chain)(struct virtio_dev *d, const struct virtq_chain *c, uint32_t *written);
};
extern const struct virtio_type virtio_console_type, virtio_blk_type, virtio_none_type;
/* A block device's backing file (traps/virtio_blk.c, virtio 1.1 5.2). */
struct vblk {
	int fd;                         /* -1: no disk */
	uint64_t sectors;               /* capacity in 512-byte sectors */
	uint64_t reads, writes, flushes, get_ids, ioerr, unsupported;
	uint64_t bytes_read, bytes_written;
};
#define VIRTIO_OUT_CAP    (64u << 10)   /* bytes of device output kept for JSON */
enum io_notify {
	IO_NOTIFY_EXIT = 0,             /* QueueNotify is an MMIO exit to kvmlab */
	IO_NOTIFY_IOEVENTFD,            /* QueueNotify completes in KVM; an I/O thread wakes */
	IO_NOTIFY_POLL,                 /* VIRTQ_USED_F_NO_NOTIFY; the I/O thread polls */
};
const char *io_notify_name(int n);
int  io_notify_parse(const char *s);    /* -1 if unknown */
struct virtio_dev {
	pthread_mutex_t lock;           /* vCPU thread vs I/O thread */
	const struct guest_mem *mem;
	uint64_t dev_features, drv_features;
	uint32_t dev_feat_sel, drv_feat_sel, queue_sel;
	uint32_t status, isr, generation;
	struct virtq q[VIRTIO_QUEUES_MAX];
	bool poll;                      /* device polls: tells the driver not to notify */
	int error;                      /* first virtq_err of the run (kept across resets), or VQ_OK */
	char error_detail[160];
	uint64_t errors, resets, notifies, chains, bytes, polls;
	uint32_t fnv;                   /* FNV-1a of every byte received */
	char out[VIRTIO_OUT_CAP];
	size_t out_len;
	bool echo;
	struct virtq_chain chain;       /* scratch for virtq_pop */
	const struct virtio_type *type;
	uint8_t config[VIRTIO_CONFIG_MAX];      /* device configuration space (read-only) */
	struct vblk blk;
};
/* A console (virtio_init), a block device on fd with `sectors` of capacity, or the
 * empty slot of virtio-mmio (device id 0) when fd < 0. */
void virtio_init(struct virtio_dev *d, const struct guest_mem *mem, bool poll, bool echo);
void virtio_init_blk(struct virtio_dev *d, const struct guest_mem *mem, int fd, uint64_t sectors);
/* Register accesses at offset off of the virtio-mmio window (virtio 1.1 4.2.2).
 * *notify is set when the write was QueueNotify.  Thread-safe. */
uint32_t virtio_mmio_read(struct virtio_dev *d, uint64_t off, uint32_t len);
void virtio_mmio_write(struct virtio_dev *d, uint64_t off, uint32_t len, uint32_t val, bool *notify);
/* Processes every available chain of every ready queue; returns chains done.  Thread-safe. */
int  virtio_process(struct virtio_dev *d);
/* Called with d->lock held: the device is broken until the driver resets it. */
void virtio_fail(struct virtio_dev *d, int err, const char *what);
/* The console's work: one chain of transmitq0.  Lock held.  0 or -VQ_ERR_*. */
int  virtio_console_tx(struct virtio_dev *d, const struct virtq_chain *c);
enum action virtio_mmio_io(struct vcpu *v, struct mmio_req *m, void *opaque);
enum action virtio_blk_mmio_io(struct vcpu *v, struct mmio_req *m, void *opaque);

/* ---- traps/sink.c: a write-only sink, coalesced MMIO with --coalesced-mmio ---- */
struct sink {
	uint64_t writes, bytes, exits, drained;
	uint32_t fnv;
};
enum action sink_mmio(struct vcpu *v, struct mmio_req *m, void *opaque);

/* ---- traps/ioparam.c: workload parameters for I/O payloads (port 0xE0) ---- */
enum ioparam_id { IOPARAM_TOTAL = 0, IOPARAM_CHUNK, IOPARAM_BATCH, IOPARAM_COUNT };
enum action ioparam_io(struct vcpu *v, struct io_req *io, void *opaque);

/* ---- vmm/iodev.c: the I/O devices of one VM, and the I/O thread ---- */
/* getopt_long values of `kvmlab run`'s I/O options (0x100 + is memopts'). */
enum io_opt {
	IOOPT_UART_INPUT = 0x200, IOOPT_UART_INPUT_FILE, IOOPT_VIRTIO_NOTIFY, IOOPT_COALESCED,
	IOOPT_BLK, IOOPT_BLK_SIZE, IOOPT_TOTAL, IOOPT_CHUNK, IOOPT_BATCH,
};
struct io_config {
	int notify;                     /* enum io_notify */
	bool coalesced;                 /* register the sink as coalesced MMIO */
	const uint8_t *uart_input;
	size_t uart_input_len;
	uint32_t param[IOPARAM_COUNT];  /* 0 = default */
	const char *blk_path;           /* --blk FILE: backing file of the virtio block device */
	uint64_t blk_size;              /* --blk-size: grow the file (sparse) to this many bytes */
};
struct iodev {
	pthread_mutex_t lock;           /* UART, sink, ioparam: vCPU threads (--vcpus) share them */
	struct uart uart;
	struct virtio_dev virtio;
	struct virtio_dev blk;          /* virtio-blk at GPA_VIRTIO_BLK (device id 0 without --blk) */
	struct sink sink;
	uint32_t param[IOPARAM_COUNT];
	uint32_t param_sel;
	int notify;
	bool coalesced;
	int efd, stopfd;                /* ioeventfd, and the thread's stop signal */
	pthread_t thread;
	bool thread_on;
	volatile int stop;
	uint64_t thread_wakeups;
	/* --sandbox: the thread installs its own filter first and reports back. */
	pthread_cond_t ready_cv;        /* with lock */
	bool ready;
	bool sandbox_on;                /* vm_config.sandbox */
	int sandbox_rc;                 /* 0, or -1 with sandbox_err */
	char sandbox_err[200];
};
/* traps/uart16550.c: reads --uart-input-file (at most 1 MiB) into a malloc'd buffer; 0 or -1. */
int  uart_input_load(const char *path, uint8_t **buf, size_t *len);
/* Parses and range-checks one workload parameter into param[id]; 0 or -1. */
int  io_param_parse(int id, const char *s, uint32_t *param);
int  iodev_setup(struct vm *vm, char *err, size_t errlen);   /* 0 or -1 */
void iodev_stop(struct vm *vm);
void iodev_json(struct json *j, const struct vm *vm);
/* One line per I/O device the guest touched, for report_text. */
void iodev_text(FILE *out, const struct vm *vm);

/* ---- vmm/cmd_iobench.c: `kvmlab iobench` ---- */
int  cmd_iobench(int argc, char **argv);

struct vm;
/* ---- traps/benchdev.c: the targets of kvmlab bench (docs/guest-abi.md, "Bench device") ---- */
struct benchdev {
	uint64_t port_scratch;          /* PORT_BENCH_SCRATCH: last OUT, returned by IN */
	uint64_t mmio_scratch;          /* GPA_BENCH_MMIO: last write, returned by reads */
	int doorbell_fd;                /* eventfd behind PORT_BENCH_DOORBELL, -1 = none */
	bool coalesced;                 /* GPA_BENCH_COALESCED is a coalesced zone */
	uint64_t doorbell_rings;        /* eventfd count read at teardown */
	uint64_t msr_scratch;           /* MSR_KVMLAB_SCRATCH (traps/msr.c) */
};
enum action benchdev_param_io(struct vcpu *v, struct io_req *io, void *opaque);
enum action benchdev_scratch_io(struct vcpu *v, struct io_req *io, void *opaque);
enum action benchdev_mmio(struct vcpu *v, struct mmio_req *m, void *opaque);
/* In-kernel paths (ioeventfd, coalesced MMIO): best effort, absent caps leave
 * the ports/addresses as ordinary exits to kvmlab. */
void benchdev_setup(struct vm *vm);
uint64_t benchdev_doorbell_read(struct vm *vm);     /* eventfd count so far (drains it) */
void benchdev_teardown(struct vm *vm);
/* Processes every write KVM queued in the coalesced-MMIO ring (api.rst 4.66). */
void coalesced_drain(struct vcpu *v);

/* ---- traps/msr.c: MSR exits through KVM's MSR filter (api.rst 4.97, 7.21) ---- */
#define MSR_KVMLAB_SCRATCH   0x400000E0U    /* read/write scratch register, emulated by kvmlab */
#define MSR_KVMLAB_EXITS     0x400000E1U    /* read-only: MSR exits handled so far */
/* Enables KVM_CAP_X86_USER_SPACE_MSR and filters kvmlab's MSRs plus
 * cfg.msr_exit[] to user space.  0, or -1 with err naming the ioctl; a host
 * without the capabilities is not an error (msr_filtered() then says false). */
int  msr_setup(struct vm *vm, char *err, size_t errlen);
enum action trap_rdmsr(struct vcpu *v);
enum action trap_wrmsr(struct vcpu *v);
const char *msr_name(uint32_t index);   /* kvmlab's own MSRs, else NULL */

/* ---- machine.c: the devices of the kvmlab machine, in one table ---- */
struct vm;
int  machine_setup(struct vm *vm, char *err, size_t errlen);
void machine_teardown(struct vm *vm);

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
enum memopt {                           /* getopt codes of the memory options: memopts.c */
	MEMOPT_BACKING = 0x100, MEMOPT_BACKING_FALLBACK, MEMOPT_ROM, MEMOPT_ROM_WRITE, MEMOPT_UNMAPPED,
	MEMOPT_DIRTY_LOG, MEMOPT_PRECOPY_BUDGET, MEMOPT_TRANSLATE,
};
struct mem_config;
extern const char memopts_help[];
/* One memory option into mc: 0, or -1 with err. */
int  memopts_parse(int opt, const char *arg, struct mem_config *mc, char *err, size_t errlen);
struct mem_config {
	int backing;                    /* enum backing_kind */
	bool backing_fallback;          /* hugetlb unavailable: use anonymous pages instead of failing */
	uint64_t rom_gpa, rom_size;     /* rom_size 0: no ROM slot */
	int rom_policy, unmapped_policy;/* enum mem_policy */
	int dirty;                      /* enum dirty_mode */
	uint64_t precopy_budget;        /* pages per pre-copy round, 0 = no simulation */
	uint64_t translate[TRANSLATE_MAX];
	int ntranslate;
};
const char *backing_name(int kind);
int  backing_parse(const char *s);      /* enum backing_kind, or -1 */
/* Maps size bytes of the kind into *hva (and *fd for memfd).  XC_OK, or XC_HOST
 * with err saying what to do (e.g. how to reserve huge pages). */
int  backing_map(int kind, uint64_t size, struct mem_slot *s, char *err, size_t errlen);
void backing_unmap(struct mem_slot *s);
/* Pure table logic (unit-tested): 0, or -1 with err. */
int  memslots_check(const struct guest_mem *m, const struct mem_slot *s, char *err, size_t errlen);
int  memslots_add(struct guest_mem *m, const struct mem_slot *s, char *err, size_t errlen);
int  memslots_remove(struct guest_mem *m, uint32_t id);        /* 0, or -1: no such slot */
const struct mem_slot *memslots_find(const struct guest_mem *m, uint64_t gpa);   /* NULL: hole */
const struct mem_slot *memslots_by_id(const struct guest_mem *m, uint32_t id);
struct vm;
/* Maps backing for s, registers it with KVM, adds it to vm->mem.  XC_OK or XC_HOST. */
int  memregion_add(struct vm *vm, struct mem_slot *s, char *err, size_t errlen);
int  memregion_remove(struct vm *vm, uint32_t id, char *err, size_t errlen);
void memregion_remove_all(struct vm *vm);
/* ---- cpuid.c: the guest's CPUID table, edited (--cpuid, --hide-hypervisor) ---- */
#define CPUID_OVERRIDES_MAX     32
#define CPUID_LEAF_VENDOR       0x0U            /* SDM Vol. 2A, CPUID: max leaf, vendor string */
#define CPUID_LEAF_FEATURES     0x1U            /* family/model/stepping, feature bits */
#define CPUID_1_ECX_HYPERVISOR  (1U << 31)      /* "running under a hypervisor" (SDM Vol. 2A Table 3-10) */
#define CPUID_LEAF_HV_FIRST     0x40000000U     /* hypervisor range, Linux kvm/x86/cpuid.rst */
#define CPUID_LEAF_HV_LAST      0x4FFFFFFFU
enum cpuid_reg { CPUID_EAX, CPUID_EBX, CPUID_ECX, CPUID_EDX, CPUID_REG_COUNT };
struct cpuid_override {                 /* --cpuid LEAF[.SUBLEAF]:REG=VALUE */
	uint32_t leaf, subleaf;         /* subleaf 0 when not given */
	bool has_subleaf;
	int reg;                        /* enum cpuid_reg */
	uint32_t value;
};
struct cpuid_config {
	struct cpuid_override ov[CPUID_OVERRIDES_MAX];
	int n;
	bool hide_hypervisor;           /* clear CPUID.1:ECX[31], drop leaves 0x40000000-0x4FFFFFFF */
};
/* Parses one --cpuid value (pure: unit-tested).  0, or -1 with a one-line err. */
int  cpuid_parse_override(const char *s, struct cpuid_override *o, char *err, size_t errlen);
/* Appends o; -1 with err if the same leaf.subleaf:reg is already set or the list is full. */
int  cpuid_config_add(struct cpuid_config *c, const struct cpuid_override *o, char *err, size_t errlen);
/* Edits a KVM_GET_SUPPORTED_CPUID table in place (room for max entries):
 * hide first, then the overrides in order; an override of a leaf the table
 * lacks adds that leaf.  0, or -1 with err when the table is full. */
int  cpuid_apply(struct kvm_cpuid2 *t, uint32_t max, const struct cpuid_config *c, char *err, size_t errlen);
const char *cpuid_reg_name(int reg);

/* ---- vm.c ---- */
#define MSR_EXIT_MAX 8                  /* --msr-exit indexes per run */
struct vm_config {
	uint64_t mem;                   /* guest RAM bytes */
	double timeout;                 /* seconds, 0 = none */
	uint64_t max_exits;             /* 0 = no limit */
	bool echo_console;
	bool verbose;                   /* log every ioctl */
	struct io_config io;            /* I/O devices (docs/io.md) */
	struct trace *trace;            /* kvmlab trace: single-step vCPU 0 (vmm/trace.c); NULL = off */
	int vcpus;                      /* --vcpus N: 1..VCPUS_MAX threads (vmm/smp.c); 0 = one vCPU, no thread */
	int pin[VCPUS_MAX];             /* --pin: host CPU for vCPU i (the first npin entries) */
	int npin;                       /* entries in pin, 0 = no --pin */
	struct mem_config memcfg;       /* slots, backing, dirty logging: memory.c */
	/* Exit accounting and bench (docs/measurement.md). */
	uint32_t msr_exit[MSR_EXIT_MAX];        /* --msr-exit: extra MSRs sent to kvmlab */
	int nmsr_exit;
	uint32_t bench_iters, bench_repeat;     /* what the bench ports answer; 0 = default */
	bool hlt_continue;                      /* hlt exits re-enter the guest (bench hlt) */
	void (*report_hook)(struct vcpu *v, const struct report_entry *e, void *arg);
	void *report_hook_arg;
	uint64_t console_limit;         /* --console-limit, 0 = CONSOLE_LIMIT_DEFAULT */
	bool sandbox;                   /* --sandbox: seccomp filter before the first KVM_RUN */
	struct cpuid_config cpuid;      /* edits to KVM's supported CPUID (cpuid.c) */
	uint64_t entry_arg;             /* --arg: RBX at entry (docs/guest-abi.md) */
};
struct mem_lab;
struct vm {
	struct kvm *kvm;
	int fd;
	struct guest_mem mem;
	struct pio_bus pio;
	struct mmio_bus mmio;
	struct kvm_stats stats;         /* per-VM binary stats */
	struct vm_config cfg;
	struct iodev *io;               /* I/O devices (vmm/iodev.c) */
	struct mem_lab *memlab;         /* memory lab state (NULL: none): memlab.c */
	struct benchdev bench;          /* traps/benchdev.c */
};
int  vm_create(struct vm *vm, struct kvm *k, const struct vm_config *cfg, char *err, size_t errlen);
int  vm_load(struct vm *vm, const struct payload *p, char *err, size_t errlen);
void vm_destroy(struct vm *vm);

/* ---- modes.c: CPU modes as data ---- */
/* Builds the GDT / page tables the mode needs in guest memory and sets the
 * vCPU's registers for the payload's entry.  0, or -1 with err naming the ioctl. */
int  mode_setup(struct vcpu *v, const struct payload *p, char *err, size_t errlen);
const char *mode_of_sregs(const struct kvm_sregs *s);   /* "real", "protected", "long" */

/* ---- vcpu.c: one vCPU and its run loop ---- */
struct vcpu {
	struct vm *vm;
	int id;
	int fd;
	struct kvm_run *run;
	int run_size;
	struct kvm_stats stats;         /* per-vCPU binary stats */
	struct counters ctr;
	struct console con;
	struct report_entry *reports;
	int nreports, reports_cap;
	enum end_kind end;
	uint32_t exit_status;           /* END_EXIT_PORT: the guest's status */
	char end_detail[512];           /* one line: what happened */
	uint64_t end_rip;
	uint64_t end_linear;            /* CS.base + RIP: differs from RIP in real mode */
	bool end_rip_valid;
	char end_insn[64];              /* disassembly at RIP for abnormal ends, "" if unknown */
	volatile int timed_out;         /* set by the watchdog signal */
	struct console *con_shared;     /* --vcpus: all vCPUs print into vCPU 0's console, serialised */
	volatile int kicked;            /* --vcpus: another vCPU ended the VM; leave KVM_RUN */
	int kicked_by;                  /* which vCPU did */
	struct kvm_coalesced_mmio_ring *coalesced;  /* in the kvm_run mapping, or NULL */
};
int  vcpu_create(struct vcpu *v, struct vm *vm, int id, char *err, size_t errlen);
/* Runs until an action other than ACT_CONTINUE; v->end says why. */
void vcpu_run(struct vcpu *v);
void vcpu_destroy(struct vcpu *v);
/* Records how the run ended: the one place end/detail/rip are set. */
enum action vcpu_end(struct vcpu *v, enum end_kind k, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define REPORTS_MAX 65536
/* Appends a report; -1 when REPORTS_MAX are already stored. */
int  vcpu_add_report(struct vcpu *v, const struct report_entry *r);
uint64_t vcpu_rip(struct vcpu *v);      /* current RIP, 0 if KVM_GET_REGS fails */
/* Disassembles the instruction at CS:rip through the guest's page tables; 0 or -1. */
int  vcpu_insn_at(struct vcpu *v, uint64_t rip, const struct kvm_sregs *sr, char *out, size_t n);

/* ---- watchdog.c: --timeout through a signal and immediate_exit ---- */
int  watchdog_arm(struct vcpu *v, double seconds, char *err, size_t errlen);
void watchdog_disarm(void);

/* ---- calibrate.c: does this host run guest instructions natively? ---- */
#define CAL_LOOP_INSNS 3                /* nop; dec ecx; jnz */
struct calibration {
	bool ran;
	uint64_t loop_iters;
	uint64_t insn_emulation;        /* delta of the vCPU stat, or 0 */
	bool emulated;                  /* insn_emulation grew with the loop */
	bool have_stat;                 /* the insn_emulation stat exists */
	double cycles_per_iter;         /* host TSC cycles / iteration of a 3-instruction loop */
	uint64_t tsc_khz;
	char note[160];
};
void calibrate(struct kvm *k, struct calibration *c);

/* ---- run.c: one complete run of a payload (create, load, run, tear down) ---- */
struct run {
	struct vm vm;
	struct vcpu vcpu;
	struct kvm_regs regs;           /* at the end of the run */
	struct kvm_sregs sregs;
	bool regs_valid;
	double wall_seconds;            /* vcpu_run only, not setup */
	uint64_t tsc_khz;               /* KVM_GET_TSC_KHZ, 0 = unknown */
	int exit_code;                  /* enum kvmlab_exit_code */
	struct smp *smp;                /* --vcpus/--pin: all vCPUs and their threads (vmm/smp.c), else NULL */
};
/* Sets up a VM for p and runs it to the end.  Returns XC_OK when the guest
 * ran (r->exit_code says how it ended), else an error code with err set;
 * either way call run_teardown. */
int  run_payload(struct run *r, struct kvm *k, const struct payload *p,
		 const struct vm_config *cfg, char *err, size_t errlen);
void run_teardown(struct run *r);

/* ---- report_json.c / report_text.c: one run, for machines and for people ---- */
#define JSON_SCHEMA_VERSION 2         /* 2: exit accounting (percentiles, MSRs), bench */
#define EXIT_TIMING_METHOD "host TSC: lfence; rdtsc before the KVM_RUN ioctl, rdtsc after it returns"
#define PERCENTILE_METHOD "nearest rank over every round trip up to samples_max per reason, then a uniform reservoir"

#define KVMLAB_VERSION "0.1.0"
struct report_ctx {
	const struct payload *payload;
	const struct host_info *host;
	const struct kvm *kvm;
	const struct run *run;
};
void report_json(const struct report_ctx *c, FILE *out);
void report_text(const struct report_ctx *c, FILE *out);
struct json;
void json_host(struct json *j, const struct host_info *h, const struct kvm *k);

/* ---- disasm.c: instruction bytes to text (libcapstone) ---- */
/* Decodes one instruction for a 16/32/64-bit CPU; returns its length or -1. */
int  disasm_one(const uint8_t *bytes, size_t n, int bits, uint64_t addr, char *out, size_t outlen);
int  sregs_bits(const struct kvm_sregs *s);     /* 16, 32 or 64: the current code size */

/* ---- json.c: a streaming JSON writer with unsigned 64-bit numbers ---- */
#define JSON_DEPTH_MAX 16
struct json {
	FILE *out;
	int depth;
	int count[JSON_DEPTH_MAX];      /* members written at each level */
	bool pending_key;
};
void json_obj(struct json *j);
void json_obj_end(struct json *j);
void json_arr(struct json *j);
void json_arr_end(struct json *j);
void json_key(struct json *j, const char *k);
void json_str(struct json *j, const char *s);           /* NULL -> null */
void json_str_n(struct json *j, const char *s, size_t n);
void json_u64(struct json *j, uint64_t v);
void json_i64(struct json *j, int64_t v);
void json_hex(struct json *j, uint64_t v);               /* "0x..." string */
void json_double(struct json *j, double v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* ---- log.c ---- */
extern int log_verbose;
void die(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
void vlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));  /* --verbose only */
void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- sandbox.c: seccomp-bpf allowlist per thread (run --sandbox, docs/security.md) ---- */
struct sandbox_rule;
struct sandbox_thread {
	const char *name;               /* "vcpu" */
	const char *what;               /* what the thread does */
	const struct sandbox_rule *rules;
	size_t nrules;
};
const struct sandbox_thread *sandbox_threads(int *n);
const char *sandbox_rule_text(const struct sandbox_rule *r, char *buf, size_t n);
const char *sandbox_rule_why(const struct sandbox_rule *r);
const struct sandbox_rule *sandbox_rule_at(const struct sandbox_thread *t, size_t i);
/* Installs the vCPU thread's filter (call after setup, before the first
 * KVM_RUN).  0, or -1 with err; a later forbidden call exits with XC_SANDBOX. */
int  sandbox_enter(struct vcpu *v, char *err, size_t errlen);
/* The same for the I/O thread (vmm/iodev.c), from its own table; it holds no KVM fd. */
int  sandbox_enter_io(char *err, size_t errlen);
/* ---- sensitive.c: the sensitive-instruction catalogue as data ---- */
enum sens_class { SC_REFERENCE, SC_PRIVILEGED, SC_SENSITIVE_UNPRIV, SC_ALWAYS_INTERCEPTED, SC_COUNT };
enum sens_value { SV_NONE, SV_HEX, SV_ZF, SV_RFLAGS, SV_VENDOR };   /* how to show probe.value */
struct sens_insn {
	const char *name;               /* as payloads/cpu/probe.asm reports it */
	enum sens_class cls;
	bool robin_irvine;              /* in Robin & Irvine's sensitive-unprivileged list */
	enum sens_value value;
	const char *vmx;                /* what makes it exit in VMX non-root (SDM Vol. 3C ch. 26) */
	const char *svm;                /* the SVM intercept (APM Vol. 2 ch. 15) */
	const char *expect[2];          /* guest-visible outcome under KVM on VT-x/SVM: CPL 0, CPL 3 */
	struct sens_value_expect {      /* and the value it sees, where the architecture fixes it */
		bool set;
		uint64_t mask, value;   /* (observed & mask) == value */
	} expect_value[2];
};
extern const struct sens_insn sens_table[];
extern const int sens_count;
#define SENS_PROBE_ID(row, cpl) (2 * (row) + ((cpl) == 3))   /* probe.asm's row order */
const char *sens_class_name(enum sens_class c);
const char *exc_name(uint64_t vector);                  /* "#GP", "#UD", ... */
/* "#GP(0)", "#PF(0x2)", "#UD": the outcome text of a fault. */
void sens_fault_outcome(char *out, size_t n, uint64_t vector, uint64_t error);
int  cmd_sensitive(int argc, char **argv);

/* ---- cmd_run.c, cmd_list.c, cmd_info.c ---- */
int  cmd_run(int argc, char **argv);
int  cmd_list(int argc, char **argv);
int  cmd_info(int argc, char **argv);

/* ---- trace.c, traps/debug.c: single-stepping with KVM_SET_GUEST_DEBUG (api.rst 4.38) ---- */
enum bp_role {
	BP_START,                       /* --start: single-stepping begins here */
	BP_STOP,                        /* --stop: single-stepping ends here, the guest runs on */
	BP_BREAK,                       /* --break: report the hit, step over, go on */
};
struct trace_bp {
	uint64_t addr;                  /* linear address (DR0-DR3 compare linear addresses) */
	enum bp_role role;
	bool armed;                     /* its DR7 enable bit is set */
	uint64_t hits;
};
struct trace_insn {                     /* one instruction, read before it runs */
	const char *mode;               /* mode_of_sregs */
	int bits;                       /* decoding width: 16, 32 or 64 */
	uint16_t cs;
	uint64_t rip, linear;
	uint8_t bytes[15];
	int len;                        /* 0: bytes unreadable */
	char text[64];                  /* capstone disassembly, "" if undecodable */
};
struct trace_hit {                      /* one --break hit */
	int bp;                         /* index into trace.bp (= DR number) */
	uint64_t hit;                   /* 1 = first hit of this breakpoint */
	uint64_t after_step;            /* steps traced before it */
	struct trace_insn at;
	struct kvm_regs regs;
};
#define DEBUG_BREAKPOINTS_MAX 4         /* DR0-DR3: x86.h DEBUG_BREAKPOINTS */
#define TRACE_HITS_MAX   1024           /* --break hits kept for the report (more are counted) */
#define TRACE_MAX_STEPS_DEFAULT 10000
struct trace {
	/* options (cmd_trace.c) */
	uint64_t max_steps;             /* 0 = no limit */
	bool show_regs;                 /* --regs: changed registers per step */
	FILE *out;                      /* text lines, or NULL */
	struct json *json;              /* JSON step objects, or NULL */
	struct trace_bp bp[DEBUG_BREAKPOINTS_MAX];
	int nbp;
	/* state (trace.c) */
	bool stepping;                  /* KVM_GUESTDBG_SINGLESTEP is on for tracing */
	int over;                       /* breakpoint being stepped over, -1 none */
	uint64_t steps;                 /* instructions traced */
	uint64_t debug_exits;           /* KVM_EXIT_DEBUG seen */
	bool have_pending;
	struct trace_insn pending;      /* the instruction about to run */
	struct kvm_regs prev_regs;
	struct kvm_sregs prev_sregs;
	uint64_t prev_reason[EXIT_REASON_MAX];  /* exit counts at the previous step */
	uint64_t prev_console;          /* console bytes at the previous step */
	struct trace_hit *hits;
	int nhits;
	uint64_t hits_dropped;
};
/* Arms single-stepping and breakpoints on v before its first KVM_RUN; 0 or -1 with err. */
int  trace_attach(struct vcpu *v, struct trace *t, char *err, size_t errlen);
/* Called by traps/debug.c: the guest finished one instruction (DR6.BS). */
enum action trace_on_step(struct vcpu *v, struct trace *t);
/* Called by traps/debug.c: the guest reached breakpoint bp (DR6.B<bp>). */
enum action trace_on_break(struct vcpu *v, struct trace *t, int bp);
/* exit.c, after any other exit while stepping: completes the instruction that
 * caused it (KVM_RUN with immediate_exit) so that it is traced as one step. */
enum action trace_after_exit(struct vcpu *v, struct trace *t, enum action a);
/* After the run: emits the instruction that ended it (hlt, the exit-port out, ...). */
void trace_finish(struct vcpu *v, struct trace *t);
void trace_free(struct trace *t);
const char *trace_bp_role(enum bp_role r);     /* "start", "stop", "break" */
enum action trap_debug(struct vcpu *v);
int  cmd_trace(int argc, char **argv);

/* ---- smp.c: --vcpus N, each vCPU a POSIX thread with its own KVM_RUN loop ---- */
struct smp;
struct smp_vcpu {
	struct smp *smp;
	int index;
	struct vcpu *v;                 /* vCPU 0 is &run.vcpu; others are allocated */
	pthread_t thread;
	bool started;
	pid_t tid;                      /* gettid(): what ps -L and taskset show */
	int cpu;                        /* pinned host CPU, -1 = not pinned */
	double wall_seconds;
};
struct smp {
	int n;
	struct smp_vcpu cpu[VCPUS_MAX];
	int first_end;                  /* the vCPU whose end decided the run, -1 until one ends */
	pthread_mutex_t lock;           /* guards first_end and cpu[].started */
};
/* Creates vCPUs 1..n-1 next to r->vcpu (already set up), runs all n as threads
 * until every one has ended, and fills r like run_payload does.  Same contract. */
int  smp_run(struct run *r, const struct payload *p, char *err, size_t errlen);
void smp_teardown(struct run *r);
void smp_report_text(const struct run *r, FILE *out);
void smp_json(struct json *j, const struct run *r);
/* Before any VM: does the payload leave room for the stacks of vcpus vCPUs?
 * XC_OK, or XC_PAYLOAD_SIZE with err. */
int  smp_check_fit(const struct payload *p, int vcpus, char *err, size_t errlen);
/* Parses "0,1,3" into cpus (at most max); number of entries, or -1 if malformed. */
int  cpulist_parse(const char *s, int *cpus, int max);
/* Is cpu in a sysfs CPU list such as "0-3,6" (/sys/devices/system/cpu/online)? */
bool cpulist_contains(const char *ranges, int cpu);
/* Every --pin CPU must be online (/sys/devices/system/cpu/online); 0, or -1 with err. */
int  smp_check_pins(const int *pin, int npin, char *err, size_t errlen);
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
int  dirty_harvest(struct vcpu *v, uint32_t round, char *err, size_t errlen);
enum action trap_dirty_ring_full(struct vcpu *v);       /* traps/dirty_ring_full.c */

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
	const struct mem_slot *slot;    /* NULL: GPA is a hole (MMIO) */
	uint32_t slot_id;
	const char *slot_name;
	uint64_t hva;
	bool host_present;              /* pagemap bit 63 */
	uint64_t pfn;                   /* 0 when hidden */
	bool pfn_hidden;
	uint64_t host_page_size;        /* 0 = unknown */
	const char *host_page_how;      /* how host_page_size was found */
	bool guest_asked;               /* MEMCTL_TRANSLATE, not --translate at the end */
};
void translate_gva(struct vcpu *v, uint64_t gva, struct xlate *x);
/* Opens /proc/self/pagemap and /proc/kpageflags once, before any sandbox. */
void translate_open_host_files(void);

/* ---- traps/memholes.c: ROM writes and unclaimed MMIO, by policy ---- */
/* Called for an MMIO exit no device claimed.  Returns true and sets *a when
 * the access was a ROM write or the --unmapped policy decides the outcome. */
bool memholes_unclaimed(struct vcpu *v, const struct mmio_req *m, enum action *a);
const char *policy_name(int p);
int  policy_parse(const char *s);       /* enum mem_policy or -1 */

/* ---- memctl.c: port PORT_MEMCTL, the guest's requests about memory ---- */
enum action memctl_io(struct vcpu *v, struct io_req *io, void *opaque);

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
struct mem_lab {
	bool backing_fell_back;         /* hugetlb asked for, anonymous used */
	bool manual_protect;            /* KVM_CLEAR_DIRTY_LOG in use */
	uint64_t *bitmap;               /* DIRTY_BITMAP: one bit per RAM page */
	struct kvm_dirty_gfn *ring;     /* DIRTY_RING: the vCPU's ring, mmap'd */
	uint32_t ring_entries, ring_next;
	uint64_t ring_full_exits;
	struct dirty_round rounds[64];
	int nrounds;
	uint64_t rounds_dropped;
	struct mem_mark marks[MARKS_MAX];
	int nmarks;
	uint64_t rom_writes, unmapped_accesses;
	uint64_t hotplug_adds, hotplug_removes, memctl_requests;
	uint32_t memctl_status;         /* answer to IN from PORT_MEMCTL */
	struct xlate xl[2 * TRANSLATE_MAX];     /* --translate at the end, then the guest's requests */
	int nxl, nxl_guest;
	uint64_t *scratch;              /* DIRTY_LIST_MAX GPAs for a harvest */
};
int  memlab_create(struct vm *vm, char *err, size_t errlen);
int  memlab_add_slots(struct vm *vm, char *err, size_t errlen);
int  memlab_vcpu_ready(struct vcpu *v, char *err, size_t errlen);  /* after KVM_CREATE_VCPU */
void memlab_finish(struct vcpu *v);     /* end of run: last harvest, --translate */
void memlab_destroy(struct vm *vm);
int  memlab_mark(struct vcpu *v, uint32_t id);          /* 0, or -1 when MARKS_MAX are taken */
struct report_ctx;
void memlab_json(struct json *j, const struct report_ctx *c);
/* The mechanism behind a guest page fault on this host, in words. */
const char *memlab_fault_mechanism(const struct host_info *h, bool emulated);
void memlab_text(FILE *out, const struct report_ctx *c);
/* ---- bench_derive.c: where an operation was handled, from counters (pure) ---- */
enum bench_where { WHERE_NONE, WHERE_KERNEL, WHERE_KVMLAB };
#define BENCH_MOVES_MAX 96
struct bench_move {                     /* one counter's movement per operation */
	char name[48];                  /* "kvmlab.exits", "kvmlab.IO", "kvm.exits", ... */
	double per_op;                  /* (op phase - empty phase) / (N x samples) */
};
struct bench_verdict {
	enum bench_where where;
	bool emulated;                  /* the op went through KVM's instruction emulator */
	char evidence[96];              /* the counter that decided, e.g. "kvmlab.exits 1.00/op" */
};
/* Decides from the moves: kvmlab if exits to kvmlab >= 0.5 per op; else the
 * kernel if any kernel work counter (KVM exits, io/mmio/halt exits,
 * hypercalls, page faults, TLB flushes, invlpg, doorbell signals, coalesced
 * writes, host page faults) moved >= 0.5 per op; else none.  emulated: insn_emulation >= 0.5. */
void bench_derive(const struct bench_move *m, int n, struct bench_verdict *out);
const char *bench_where_name(enum bench_where w);
/* Net cycles per op of one sample: (op - loop) / iters, may be negative. */
double bench_net(uint64_t op_cycles, uint64_t loop_cycles, uint64_t iters);

/* ---- bench_cases.c, bench_run.c, bench_report.c, cmd_bench.c: `kvmlab bench` ---- */
struct bench_case {
	const char *name;               /* also the payload: bench/<name> */
	const char *what;               /* one line for the table */
	uint32_t bytes_per_iter;        /* guest RAM the case needs per iteration and sample */
	double timeout;                 /* seconds; 0 = the --timeout value */
};
extern const struct bench_case bench_cases[];
extern const int bench_ncases;
enum bench_status { BENCH_OK, BENCH_HANGS, BENCH_INTERNAL_ERROR, BENCH_FAILED };
struct bench_result {
	const struct bench_case *c;
	enum bench_status status;
	char detail[512];               /* how the run ended, when not ok */
	uint64_t iters, samples;        /* N and the number of complete samples */
	uint64_t disturbed;             /* samples during which the vCPU thread was preempted */
	uint64_t used;                  /* samples the statistics are over */
	struct summary net;             /* cycles per op, net of the empty loop */
	double *net_samples;            /* the used samples' net cycles per op, in sample order:
					 * what a rank test compares (scripts/compare); malloc'd, caller frees */
	struct summary loop;            /* cycles per iteration of the empty loop */
	struct bench_move move[BENCH_MOVES_MAX];
	int nmove;
	struct bench_verdict verdict;
	double wall_seconds;
};
struct bench_opts {
	uint32_t iters, repeat;
	double timeout;
	const char *filter;             /* comma-separated fnmatch patterns, NULL = all */
};
/* Runs one case in a fresh VM; the result says how it went (never fatal).
 * r->net_samples is malloc'd when samples were taken: the caller frees it. */
void bench_run_case(struct kvm *k, const struct bench_case *c, const struct bench_opts *o,
		    struct bench_result *r);
struct bench_header {
	const struct host_info *host;
	const struct kvm *kvm;
	const struct calibration *cal;
	const struct bench_opts *opts;
	uint64_t tsc_khz;
	double load1;                   /* 1-minute load average when bench started, -1 unknown */
};
/* bench_spread.c: NULL when the CV is within BENCH_CV_GOAL, else the likeliest reason (pure). */
#define BENCH_CV_GOAL 0.03
const char *bench_spread_reason(const struct bench_result *r);
void bench_report_table(const struct bench_header *h, const struct bench_result *r, int n, FILE *out);
void bench_report_csv(const struct bench_header *h, const struct bench_result *r, int n, FILE *out);
void bench_report_json(const struct bench_header *h, const struct bench_result *r, int n, FILE *out);
const char *bench_status_name(enum bench_status s);
int  cmd_bench(int argc, char **argv);

#endif
