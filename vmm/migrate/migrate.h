/*
 * vmm/migrate/migrate.h - the migration stream (docs/migration.md): a versioned,
 * sectioned byte stream holding a whole VM (memory layout, RAM, every vCPU's
 * state, the guest's CPUID, device state, the payload), written to a file
 * (kvmlab snapshot / restore).  The reader treats the stream as untrusted.
 */
#ifndef KVMLAB_MIGRATE_H
#define KVMLAB_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <sys/types.h>

#include "vmm/core/core.h"

/* ---- stream.c: header and sections, writer and bounds-checked reader ---- */
#define MIG_MAGIC               "KVMLMIG"       /* 8 bytes with the NUL */
#define MIG_STREAM_VERSION      1u              /* bump on any layout change below */
#define MIG_SEC_HDR_SIZE        16u             /* type, reserved, length */
#define MIG_SECTION_MAX         (64u << 20)     /* no section is longer (a RAM chunk is far less) */
#define MIG_PAGE                4096u           /* RAM travels in 4 KiB pages (SDM Vol. 3A 4.3) */
#define MIG_PAGES_PER_CHUNK     256u            /* pages in one RAM section */
#define MIG_SLOTS_MAX           8u              /* <= MEMSLOTS_MAX, checked in stream.c */
#define MIG_VCPUS_MAX           64u
#define MIG_MSRS_MAX            512u
#define MIG_CPUID_MAX           256u
#define MIG_PAYLOAD_MAX         (16u << 20)

enum mig_section {                              /* the section types, in stream order */
	MIG_SEC_END      = 0,                   /* length 0: the stream is complete */
	MIG_SEC_CONFIG   = 1,                   /* what the VM was built with */
	MIG_SEC_LAYOUT   = 2,                   /* the memory slots */
	MIG_SEC_RAM      = 3,                   /* pages by GPA */
	MIG_SEC_CPUID    = 4,                   /* the CPUID table the guest saw */
	MIG_SEC_VCPU     = 5,                   /* one vCPU's complete state */
	MIG_SEC_CLOCK    = 6,                   /* KVM_GET_CLOCK */
	MIG_SEC_UART     = 7,                   /* COM1's registers and FIFO */
	MIG_SEC_PAYLOAD  = 8,                   /* the payload file: the guest's identity */
	MIG_SEC_POSTCOPY = 9,                   /* post-copy: RAM follows after END, on demand (u64 pages) */
	MIG_SEC_VIRTIO   = 10,                  /* one virtio-mmio device's transport and queue state */
	MIG_SEC_IRQCHIP  = 11,                  /* interrupt model kernel: KVM's PICs and IOAPIC (irqstate.c) */
	MIG_SEC_IOAPIC   = 12,                  /* interrupt model split: kvmlab's IOAPIC (irqstate.c) */
	MIG_SEC_BALLOON  = 13,                  /* the pages in the virtio-balloon (u64 GPAs, ascending) */
	MIG_SEC_MEMCTL   = 14,                  /* u32 per vCPU: the status its last memctl request left for IN */
	MIG_SEC_COUNT
};

/* Where a stream comes from: read exactly n bytes, 0, or -1 at the end or an error. */
struct mig_src {
	int (*read)(void *ctx, void *buf, size_t n);
	void *ctx;
};
/* Where it goes: an fd; err records the first failed write (errno). */
struct mig_out {
	int fd;
	int err;                        /* 0, or the errno of the first failing write */
	uint64_t bytes;                 /* written so far */
};

struct mig_config {                     /* MIG_SEC_CONFIG */
	uint32_t vcpus;                 /* 1 .. MIG_VCPUS_MAX */
	uint32_t irqchip;               /* enum irq_model: 0 none, 1 kernel, 2 split (LAPIC state with 1, 2) */
	uint64_t mem;                   /* slot 0's size: --mem */
};
struct mig_slot {                       /* MIG_SEC_LAYOUT, one per slot */
	uint32_t id, flags;             /* KVM slot number, KVM_MEM_READONLY */
	uint64_t gpa, size;             /* page aligned, no overlap, no wrap */
};
#define MIG_VCPU_XSAVE     (1u << 0)    /* the xsave area is valid (KVM_CAP_XSAVE), else fpu */
#define MIG_VCPU_XCRS      (1u << 1)
#define MIG_VCPU_LAPIC     (1u << 2)    /* only with an in-kernel irqchip */
struct mig_vcpu {                       /* MIG_SEC_VCPU: the ioctls of api.rst 4.x, each whole */
	uint32_t id, flags;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_fpu fpu;
	struct kvm_xsave xsave;         /* the legacy 4 KiB KVM_GET_XSAVE area */
	struct kvm_xcrs xcrs;
	struct kvm_debugregs dbg;
	struct kvm_vcpu_events events;
	struct kvm_mp_state mp;
	struct kvm_lapic_state lapic;
	uint32_t nmsrs;
	struct kvm_msr_entry msrs[MIG_MSRS_MAX];
	/* Not part of the VCPU section (it ends at msrs[nmsrs]): the MEMCTL section's
	 * value for this vCPU, written and read beside it. */
	uint32_t memctl_status;
};
#define MIG_UART_THRE_INT  (1u << 0)    /* a THR-empty interrupt is pending (16550 IIR priority 3) */
#define MIG_UART_IRQ_LINE  (1u << 1)    /* IRQ 4 is asserted (what uart_dev.irq_level says); 0 in older streams */
struct mig_uart {                       /* MIG_SEC_UART: struct uart's guest-visible state */
	uint8_t ier, lcr, mcr, scr, fcr, loop_len, overrun;
	uint8_t flags;                  /* MIG_UART_THRE_INT; 0 in streams from before it */
	uint16_t divisor;
	uint8_t loop[16];
	uint32_t fnv;
	uint64_t tx_bytes, rx_bytes;
};
/* MIG_SEC_VIRTIO (devstate.c): a section of its own, versioned, so a stream
 * without it (an idle device) still loads; one per device the driver touched. */
#define MIG_VIRTIO_VERSION      2u      /* 2: config space, net and balloon; version 1 (console, blk) still loads */
enum mig_virtio_which { MIG_VIRTIO_CONSOLE = 0, MIG_VIRTIO_BLK = 1, MIG_VIRTIO_NET = 2, MIG_VIRTIO_BALLOON = 3,
			MIG_VIRTIO_DEVS };
#define MIG_VIRTIO_QUEUES       2u              /* = VIRTIO_QUEUES_MAX, checked in devstate.c */
#define MIG_VIRTIO_NUM_MAX      256u            /* = VIRTQ_NUM_MAX: the QueueNumMax kvmlab offers */
#define MIG_VIRTIO_ERR_MAX      32u             /* > VQ_ERR_COUNT, checked in devstate.c */
#define MIG_VIRTIO_F_VHOST      (1u << 0)       /* blk: a vhost-user back-end served it; q[0]'s
						 * last_avail = used_idx = GET_VRING_BASE's index */
#define MIG_VIRTIO_CONFIG_MAX   16u             /* = VIRTIO_CONFIG_MAX, checked in devstate.c */
#define MIG_BALLOON_DEFLATE_PENDING (1u << 0)   /* mig_vballoon.flags: num_pages becomes deflate_to once met */
struct mig_virtq {
	uint16_t num, last_avail, used_idx;     /* QueueNum; the device's ring positions */
	uint8_t ready, pad;
	uint64_t desc, avail, used;             /* GPAs (virtio 1.1 2.7) */
};
struct mig_virtio {
	uint32_t version;               /* MIG_VIRTIO_VERSION */
	uint32_t which;                 /* enum mig_virtio_which */
	uint32_t device_id;             /* virtio 1.1 5: 3 console, 2 block */
	uint32_t status, isr, generation;       /* Status, InterruptStatus, ConfigGeneration */
	uint32_t dev_feat_sel, drv_feat_sel, queue_sel;
	uint32_t poll;                  /* 1: the device told the driver not to notify (--virtio-notify poll) */
	uint64_t dev_features, drv_features;
	struct mig_virtq q[MIG_VIRTIO_QUEUES];
	uint32_t error;                 /* the first virtq_err of the run (VQ_OK = 0) */
	uint32_t flags;                 /* MIG_VIRTIO_F_*; 0 in streams from before them */
	char error_detail[160];
	uint64_t errors, resets, notifies, chains, bytes;
	uint32_t fnv, pad2;             /* FNV-1a of the bytes the device received */
	/* blk: the backing's identity, and its counters */
	uint64_t blk_sectors, blk_dev, blk_ino;
	char blk_path[256];
	uint64_t blk_reads, blk_writes, blk_flushes, blk_get_ids, blk_ioerr, blk_unsupported;
	uint64_t blk_bytes_read, blk_bytes_written;
	/* version 2 from here (a version 1 section ends above: console and blk only) */
	uint8_t config[MIG_VIRTIO_CONFIG_MAX];  /* device configuration space (net: mac; balloon: num_pages, actual) */
	struct mig_vnet {               /* net: the device's counters */
		uint64_t tx_packets, tx_bytes, tx_errors, rx_packets, rx_bytes, rx_dropped;
	} net;
	struct mig_vballoon {           /* balloon: targets, counters, the run's RSS samples */
		uint32_t num_pages, actual, deflate_to, flags;  /* flags: MIG_BALLOON_DEFLATE_PENDING */
		uint32_t limit, violation;      /* limit: the run's largest num_pages (held never exceeds it) */
		uint64_t held;                  /* pages in the balloon: the BALLOON section's count */
		uint64_t inflated, deflated, released_bytes, config_changes, violation_pfn;
		int64_t rss[3], ram_resident[3];        /* -1: not sampled (on the source) */
	} balloon;
};
/* MIG_SEC_IRQCHIP (irqstate.c): KVM_GET_IRQCHIP's three chips (api.rst 4.26), in
 * chip id order, and KVM_GET_PIT2's state (4.74) when the VM has a PIT. */
#define MIG_IRQCHIP_VERSION     1u
#define MIG_IRQCHIP_CHIPS       3u              /* KVM_IRQCHIP_PIC_MASTER, _PIC_SLAVE, _IOAPIC */
#define MIG_IRQCHIP_PIT         (1u << 0)       /* pit is valid: the VM has KVM_CREATE_PIT2's PIT */
struct mig_irqchip {
	uint32_t version;               /* MIG_IRQCHIP_VERSION */
	uint32_t flags;                 /* MIG_IRQCHIP_PIT */
	struct kvm_irqchip chip[MIG_IRQCHIP_CHIPS];     /* chip[i].chip_id == i */
	struct kvm_pit_state2 pit;      /* all 0 without MIG_IRQCHIP_PIT */
};
/* MIG_SEC_IOAPIC (irqstate.c): kvmlab's IOAPIC (traps/devices/ioapic.c), its
 * registers, its input wires and its counters. */
#define MIG_IOAPIC_VERSION      1u
#define MIG_IOAPIC_PINS         24u             /* = IOAPIC_PINS, checked in irqstate.c */
struct mig_ioapic {
	uint32_t version;               /* MIG_IOAPIC_VERSION */
	uint32_t pins;                  /* MIG_IOAPIC_PINS */
	uint32_t ioregsel;              /* IOREGSEL, bits 7:0 (82093AA 3.1.1) */
	uint32_t id;                    /* IOAPICID bits 27:24, here 0..15 */
	uint32_t wire;                  /* input pins asserted, one bit per pin */
	uint32_t reserved;              /* 0 */
	uint64_t rte[MIG_IOAPIC_PINS];  /* the redirection table (82093AA 3.2.4), Remote IRR included */
	uint64_t messages, eois, masked, undeliverable, ignored, send_errors, route_updates;
	uint64_t pin_messages[MIG_IOAPIC_PINS];
};
#define MIG_VIRTIO_V1_SIZE      offsetof(struct mig_virtio, config)     /* a version 1 section's length */
/* Everything but RAM, as the reader found it (checked). */
struct mig_image {
	uint32_t version, abi;
	struct mig_config cfg;
	struct mig_slot slot[MIG_SLOTS_MAX];
	uint32_t nslots;
	struct kvm_cpuid_entry2 cpuid[MIG_CPUID_MAX];
	uint32_t ncpuid;
	struct mig_vcpu *vcpu;          /* cfg.vcpus entries (malloc'd); have[] says which came */
	bool *vcpu_have;
	struct kvm_clock_data clock;
	bool have_clock, have_uart, have_cpuid;
	struct mig_uart uart;
	struct mig_virtio virtio[MIG_VIRTIO_DEVS];      /* have_virtio[] says which came */
	bool have_virtio[MIG_VIRTIO_DEVS];
	struct mig_irqchip irqchip;     /* MIG_SEC_IRQCHIP, when have_irqchip */
	struct mig_ioapic ioapic;       /* MIG_SEC_IOAPIC, when have_ioapic */
	bool have_irqchip, have_ioapic;
	uint32_t memctl[MIG_VCPUS_MAX]; /* MIG_SEC_MEMCTL, when have_memctl; else 0 (MEMCTL_OK) */
	bool have_memctl;
	uint64_t *balloon;              /* the BALLOON section's GPAs (malloc'd, ascending), nballoon of them */
	uint64_t nballoon;
	bool have_balloon;
	uint8_t *payload;               /* the payload file (malloc'd) */
	uint32_t payload_len;
	uint64_t ram_pages;             /* pages read */
	bool postcopy;                  /* a POSTCOPY section came: RAM follows after END */
	uint64_t postcopy_pages;        /* as many pages as it says */
	/* Where RAM pages go instead of gmem_write (post-copy: UFFDIO_COPY), or NULL. 0 or -1. */
	int (*page_sink)(void *arg, uint64_t gpa, const void *page);
	void *page_sink_arg;
};

struct mig_ram_hdr {                    /* a RAM section starts so: GPA of the first page, page count */
	uint64_t gpa;
	uint32_t npages;                /* 1 .. MIG_PAGES_PER_CHUNK, contiguous, then the pages */
	uint32_t reserved;
};
/* A refused stream: writes "migration stream: " and the message into err (one line,
 * truncated to errlen) and returns -1, so a check can `return mig_fail(...)`. */
int  mig_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
struct mig_image;
/* Is [gpa, gpa+len) inside one slot of img's LAYOUT (overflow-safe) whose flags
 * include flags (0: any slot; KVM_MEM_READONLY: the --rom slot)? */
bool mig_image_holds(const struct mig_image *img, uint64_t gpa, uint64_t len, uint32_t flags);
/* Bytes as they are (a section's header and then its data in parts).  0 or -1. */
int  mig_write_raw(struct mig_out *out, const void *p, size_t n);
/* Writes the stream header (magic, version, ABI).  0, or -1 (out->err). */
/* The --rom slot, whole (RAM sections of at most MIG_PAGES_PER_CHUNK pages): the
 * guest cannot write it (a write is an MMIO exit) and no device may (gmem_write
 * refuses read-only slots), so it is sent once, with the state: in pre-copy's
 * stop-and-copy, before END in post-copy.  Pages sent (0 without a ROM), or -1.
 * The caller holds the slot lock (gmem_hold). */
int64_t mig_write_rom(struct mig_out *out, const struct guest_mem *m);
int  mig_write_header(struct mig_out *out);
/* One section: type, length, then len bytes.  0 or -1. */
int  mig_write_section(struct mig_out *out, uint32_t type, const void *data, uint64_t len);
/* Reads and checks the header and the CONFIG and LAYOUT sections, which must come
 * first: 0, or -1 with a one-line err.  img is then ready for mig_read_rest. */
int  mig_read_begin(const struct mig_src *src, struct mig_image *img, char *err, size_t errlen);
/* Reads every further section up to END, RAM pages into mem (gmem_write: each
 * page inside a slot the layout declared).  0, or -1 with err: the caller must
 * not run the guest. */
int  mig_read_rest(const struct mig_src *src, struct mig_image *img, struct guest_mem *mem,
		   char *err, size_t errlen);
void mig_image_free(struct mig_image *img);     /* safe on a zeroed image */
/* Post-copy, after END: one more section, a RAM section (1, its pages given to
 * img->page_sink) or the final END (0); -1 with err for anything else. */
int  mig_read_postcopy(const struct mig_src *src, struct mig_image *img, char *err, size_t errlen);
/* A source over a buffer (the fuzz harness, unit tests) and over an fd. */
struct mig_buf { const uint8_t *p; size_t len, pos; };
int  mig_buf_read(void *ctx, void *buf, size_t n);
int  mig_fd_read(void *ctx, void *buf, size_t n);  /* ctx: int *fd */


/* ---- ram.c: the memory layout and the RAM pages ---- */
/* A bitmap's set bits (bit i = page i of [base, base + npages pages)) as RAM
 * sections, contiguous pages batched up to MIG_PAGES_PER_CHUNK.  after_chunk
 * (may be NULL) runs after each section with its bytes (the bandwidth limit)
 * and returns true to stop there.  Returns the pages sent, MIG_WRITE_STOPPED
 * if after_chunk stopped it, or -1 on a failed write. */
#define MIG_WRITE_STOPPED (-2)
int64_t mig_write_bitmap(struct mig_out *out, const struct guest_mem *m, const uint64_t *bm,
			 uint64_t npages, uint64_t base,
			 bool (*after_chunk)(void *arg, uint64_t bytes), void *arg);
/* The LAYOUT section: every slot of m (GPA, size, flags). 0 or -1. */
int  mig_write_layout(struct mig_out *out, const struct guest_mem *m);
/* One RAM section of npages (1..MIG_PAGES_PER_CHUNK) pages at gpa, inside one slot.  0 or -1. */
int  mig_write_pages(struct mig_out *out, const struct guest_mem *m, uint64_t gpa, uint32_t npages);
/* Every page of every slot of m as RAM sections (the caller holds the slot lock
 * shared or has stopped every thread that changes slots).  0 or -1. */
int  mig_write_ram(struct mig_out *out, const struct guest_mem *m);
/* FNV-1a over every byte of every slot: the checksum both sides compare. */
uint32_t mig_ram_checksum(const struct guest_mem *m);

/* ---- state.c: vCPU and VM state, out of KVM and back ---- */
struct vcpu;
struct vm;
struct run;
struct payload;
/* Reads the vCPU's complete state (the vCPU is out of KVM_RUN with no pending
 * I/O: see mig_complete_io).  0, or -1 with err naming the ioctl. */
int  mig_vcpu_get(struct vcpu *v, bool irqchip, struct mig_vcpu *s, char *err, size_t errlen);
/* Loads s into a fresh vCPU, in the order api.rst needs (sregs before MSRs, events last). */
int  mig_vcpu_set(struct vcpu *v, const struct mig_vcpu *s, char *err, size_t errlen);
/* After an IO/MMIO exit: KVM_RUN with immediate_exit completes the instruction
 * without running the guest further (api.rst, KVM_RUN / immediate_exit).  0 or -1. */
int  mig_complete_io(struct vcpu *v, char *err, size_t errlen);
/* The whole stream of a stopped single-vCPU run: header, config, layout, RAM,
 * CPUID, vCPU, clock, UART, VIRTIO, payload, END.  0, or -1 with err. */
int  mig_save(struct mig_out *out, struct vcpu *v, const struct payload *p, char *err, size_t errlen);
/* vCPUs stopped, before the last RAM goes: fails (-1 with err) when the VM holds
 * state the stream cannot carry (none now: every device's is in it); else stops
 * net receive, finishes the virtio chains still pending (mig_virtio_drain) and stops
 * a vhost-user ring (mig_vhost_stop); the caller calls mig_virtio_resume and
 * mig_vhost_resume if the guest runs on here. */
int  mig_check_savable(struct vm *vm, char *err, size_t errlen);
/* Everything after RAM for n vCPUs whose states are s[0..n-1] (v0: vCPU 0, for
 * its CPUID): CPUID, the VCPU sections, CLOCK, IRQCHIP or IOAPIC, UART, VIRTIO, PAYLOAD, END.  0 or -1 with err. */
int  mig_write_state(struct mig_out *out, struct vcpu *v0, const struct mig_vcpu *s, int n,
		     const struct payload *p, char *err, size_t errlen);
/* The CPUID a stream carries against what this host's KVM supports
 * (KVM_GET_SUPPORTED_CPUID, and what the fresh vCPU fresh holds): the vendor
 * must match, and every feature bit of the feature leaves must be supported
 * here.  0, or -1 with err naming the leaf. */
int  mig_cpuid_compatible(struct vcpu *fresh, const struct kvm_cpuid_entry2 *e, uint32_t n,
			  char *err, size_t errlen);

/* ---- devstate.c: the virtio devices' state, out of the devices and back ---- */
/* A VIRTIO section against the image's layout (pure; stream.c's reader calls it):
 * version, device, Status/ISR bits, features, and each ready queue's size (a power
 * of two <= MIG_VIRTIO_NUM_MAX), ring alignment, every ring wholly inside one slot,
 * and its indices.  0, or -1 with a one-line err. */
int  mig_virtio_check(const struct mig_image *img, struct mig_virtio *m, char *err, size_t errlen);
/* Source, vCPUs stopped, before the last RAM is read: stops virtio-net's receive
 * (vnet_freeze: no frame goes into RAM any more) and finishes every chain the
 * driver published (a doorbell the I/O thread has not answered yet). */
void mig_virtio_drain(struct vm *vm);
/* Source: the guest runs on here (a snapshot taken, a migration failed): receive goes on. */
void mig_virtio_resume(struct vm *vm);
/* Then one VIRTIO section per device the driver touched, and for virtio-net and
 * the balloon whenever they are present.  0 or -1 (out->err). */
int  mig_virtio_save(struct mig_out *out, struct vm *vm);
/* Destination, before any vCPU runs: the image's devices into vm's, after checking
 * they are the same devices (type, features, --virtio-notify poll, and for blk the
 * same backing file by --blk: size, st_dev, st_ino) and every ready ring against
 * this VM's RAM.  0, or -1 with a one-line err (the guest must not run). */
int  mig_virtio_load(struct vm *vm, const struct mig_image *img, char *err, size_t errlen);
/* Live pre-copy: the devices report their writes to guest RAM into bm (one bit a
 * page of npages, set atomically); bm NULL stops it. */
void mig_virtio_track(struct vm *vm, uint64_t *bm, uint64_t npages);

/* ---- vhostmig.c: a vhost-user-blk guest's migration (QEMU vhost-user.rst "Migration") ---- */
/* Pre-copy, before the first byte: the back-end logs its writes to guest RAM from now on.
 * 0 (also without a vhost-user device), or -1 with a one-line err naming what the
 * back-end lacks (VHOST_F_LOG_ALL, VHOST_USER_PROTOCOL_F_LOG_SHMFD): nothing was sent. */
int  mig_vhost_log_start(struct vm *vm, char *err, size_t errlen);
/* Each round: the back-end's log bits into bm (npages pages from GPA 0), cleared there.  Pages taken. */
uint64_t mig_vhost_harvest(struct vm *vm, uint64_t *bm, uint64_t npages);
void mig_vhost_log_end(struct vm *vm);          /* the back-end stops logging; safe without one */
/* vCPUs stopped (mig_check_savable): stops the ring (GET_VRING_BASE), which must hold no
 * request in flight.  0, or -1 with err. */
int  mig_vhost_stop(struct vm *vm, char *err, size_t errlen);
/* The migration or snapshot is over and the source guest runs on: the ring back where it stopped. */
void mig_vhost_resume(struct vm *vm);
/* Destination, after mig_virtio_load: the ring to this side's back-end at the stream's
 * index (post-copy: once mig_vhost_postcopy_done ran).  0, or -1 with err. */
int  mig_vhost_load(struct vm *vm, const struct mig_image *img, char *err, size_t errlen);
void mig_vhost_postcopy_done(void *arg);        /* mig_uffd.complete; arg: struct vm */
/* ---- irqstate.c: the interrupt controllers' state, out of the VM and back ---- */
/* The reader's checks (pure; stream.c calls them): an IRQCHIP section's version,
 * flags, chip ids, and every PIC, IOAPIC and PIT field within what the device
 * can hold (8259A, 82093AA, 8254 datasheets); an IOAPIC section's version, pin
 * count and registers (reserved bits 0, Remote IRR only on level entries).
 * 0, or -1 with a one-line err. */
int  mig_irqchip_check(const struct mig_irqchip *m, char *err, size_t errlen);
int  mig_ioapic_check(const struct mig_ioapic *m, char *err, size_t errlen);
/* Source, vCPUs stopped: the section of vm's interrupt model (IRQCHIP for kernel,
 * IOAPIC for split, nothing for none).  0, or -1 with err. */
int  mig_irq_save(struct mig_out *out, struct vm *vm, char *err, size_t errlen);
/* Destination, after the VM's interrupt model exists and before any vCPU's state
 * (its LAPIC) is loaded or any vCPU runs: KVM_SET_IRQCHIP of each chip, or
 * kvmlab's IOAPIC and the GSI routes KVM_SET_GSI_ROUTING gets from it.
 * 0, or -1 with a one-line err (the guest must not run). */
int  mig_irq_load(struct vm *vm, const struct mig_image *img, char *err, size_t errlen);
/* Destination, every vCPU's state loaded, none run yet: the split model's level
 * pins whose Remote IRR is set while no vCPU's LAPIC holds the vector (IRR or
 * ISR) get that EOI now (io.ioapic.eois_carried).  The guest wrote it, but KVM
 * reports it to user space only from the vCPU's next KVM_RUN (a pending
 * request, not state KVM_GET_LAPIC shows), and the source stopped the vCPU
 * first: without it the pin would never interrupt again. */
void mig_irq_vcpus_loaded(struct vm *vm, const struct mig_image *img);
/* ---- balloonstate.c: the pages in the virtio-balloon (section BALLOON) ---- */
/* A BALLOON section's n GPAs against the image (pure; stream.c's reader calls it):
 * after the balloon's VIRTIO section, exactly its `held` pages, each page aligned
 * inside the RAM slot at GPA 0, strictly ascending (no duplicates).  0, or -1 with err. */
int  mig_balloon_check(const struct mig_image *img, const uint64_t *gpa, uint64_t n, char *err, size_t errlen);
/* Source, after the VIRTIO sections: the balloon's pages as one BALLOON section
 * (none when it holds none).  0 or -1 (out->err). */
int  mig_balloon_save(struct mig_out *out, struct vm *vm);
/* Destination, after mig_virtio_load: the image's pages into the balloon's map and
 * out of this process's memory (gmem_discard, MADV_DONTNEED) unless post-copy
 * (there they are still missing and the pager installs the zero page).  0, or -1 with err. */
int  mig_balloon_load(struct vm *vm, const struct mig_image *img, char *err, size_t errlen);
/* Whether the image's balloon holds the page at gpa (binary search). */
bool mig_balloon_has(const struct mig_image *img, uint64_t gpa);
/* Live pre-copy: clears from bm (one bit a page of slot 0) the pages the balloon
 * holds now: they read as zero and the destination discards them anyway. */
void mig_balloon_skip(struct vm *vm, uint64_t *bm, uint64_t npages);

/* ---- snapshot.c: run --snapshot FILE --snapshot-at-report NAME ---- */
struct report_entry;
struct mig_snapshot {
	const char *file, *at;          /* where, and at which report */
	const struct payload *payload;
	bool taken;                     /* the report came (once) */
	int rc;                         /* XC_OK, or XC_HOST with err */
	char err[512];
	uint64_t bytes;                 /* stream size */
	uint32_t checksum;              /* mig_ram_checksum at the snapshot */
};
/* vm_config.report_hook (arg: struct mig_snapshot): at report `at`, writes the stream. */
void mig_snapshot_hook(struct vcpu *v, const struct report_entry *e, void *arg);

/* ---- restore.c: a VM built from a stream, run to its end ---- */
/* Reads file (untrusted), builds the VM it describes, loads RAM and state and
 * runs it like run_payload.  XC_OK when the guest ran, XC_MIGRATION_STREAM for a
 * bad stream (the guest never ran), another code with err; p gets the payload. */
int  mig_restore_file(struct run *r, struct kvm *k, const char *file, struct payload *p,
		      const struct vm_config *cfg, char *err, size_t errlen);
/* The same from any source, with n vCPUs (--vcpus guests run as smp_run threads).
 * committed(arg) runs once the whole stream is read and every vCPU's state is
 * loaded, before the guest runs (receive.c: the ack); -1 from it aborts the run. */
struct mig_restore_opts {
	const char *name;               /* the payload's path in reports */
	int (*committed)(void *arg, char *err, size_t errlen);
	void *arg;
	double stream_end;              /* set: CLOCK_MONOTONIC when END was read */
	int sock;                       /* a post-copy stream's socket (receive), -1: post-copy refused */
	struct mig_uffd *uffd;          /* its pager, filled when the stream is post-copy */
};
int  mig_restore(struct run *r, struct kvm *k, const struct mig_src *src, struct payload *p,
		 const struct vm_config *cfg, struct mig_restore_opts *o, char *err, size_t errlen);

/* ---- channel.c: the connection a live migration runs over (unix socket, TCP) ---- */
#define MIG_IO_TIMEOUT_S        10      /* no socket read or write waits longer */
#define MIG_ACCEPT_TIMEOUT_S    60      /* receive --listen waits this long for the source */
#define MIG_ACK_MAGIC           "KVMLRUN"       /* 8 bytes: the destination has the guest, runs it */
struct mig_addr {
	bool tcp;
	char path[108];                 /* unix: sun_path */
	char host[64];                  /* tcp: a numeric IPv4 address */
	uint16_t port;
};
/* Parses "unix:PATH" or "tcp:HOST:PORT" (pure: unit-tested).  0, or -1 with err. */
int  mig_addr_parse(const char *s, struct mig_addr *a, char *err, size_t errlen);
/* A listening socket on a (a unix path is replaced).  fd, or -1 with err. */
int  mig_listen(const struct mig_addr *a, char *err, size_t errlen);
/* Accepts one connection within timeout_s seconds; the listening fd stays open.  fd or -1. */
int  mig_accept(int lfd, double timeout_s, char *err, size_t errlen);
/* Connects to a (retrying for up to timeout_s: the receiver may still be starting).  fd or -1. */
int  mig_connect(const struct mig_addr *a, double timeout_s, char *err, size_t errlen);
/* Every read and write on fd gives up after MIG_IO_TIMEOUT_S (SO_RCVTIMEO, SO_SNDTIMEO). */
int  mig_set_timeouts(int fd, char *err, size_t errlen);
/* The destination's answer, MIG_ACK_MAGIC, within MIG_IO_TIMEOUT_S: 0, or -1
 * with why (closed, timed out, an error, another answer) in one phrase. */
int  mig_read_ack(int fd, char *why, size_t whylen);
/* receive --fail-after N (a test aid): a source that reads at most n bytes, then fails. */
struct mig_limited { int fd; uint64_t left; bool hit; };
int  mig_limited_read(void *ctx, void *buf, size_t n);

/* ---- uffd.c: post-copy's destination pager (userfaultfd) ---- */
struct mig_uffd {
	int uffd, sock;
	struct guest_mem *mem;
	struct mig_image *img;
	const struct mig_src *src;      /* the stream after END: only this thread reads it */
	struct mig_uffd_range {         /* one registered slot; its pages are have/asked[base ..] */
		uint64_t gpa, size, base;
		uint8_t *hva;
		int drop;               /* madvise advice that makes its pages missing (MADV_REMOVE for a memfd) */
	} range[MIG_SLOTS_MAX];
	int nranges;
	struct mem_lab *frozen;         /* its slots_frozen is thawed when the last page is in, or NULL */
	uint64_t npages, received;
	uint64_t *have;                 /* pages installed */
	/* Pages the destination's balloon gave back while post-copy ran (gmem_discard):
	 * they read as zero, and the source's copy of them is dropped, not installed.
	 * Set and used under lock, which also covers each UFFDIO_COPY. */
	uint64_t *discarded;
	pthread_mutex_t lock;
	double *asked;                  /* per page: when a fault asked for it, 0 = not waiting */
	uint64_t faults, served;        /* pages asked for; asked-for pages that arrived */
	double lat_sum, lat_min, lat_max;       /* fault -> page installed, seconds */
	double t0, seconds;             /* the pager's start and how long until the last page */
	bool peer_done;                 /* an ask failed: the source has sent everything */
	void (*complete)(void *arg);    /* after the last page is in (NULL: none); the pager's thread */
	void *complete_arg;
	pthread_t thread;
	bool started;
};
/* Registers every slot of mem (RAM at GPA 0, hotplugged memory) with a userfaultfd
 * in MISSING mode and sets img's page sink to UFFDIO_COPY.  0, or -1 with err (no userfaultfd here: the message says so). */
int  mig_uffd_register(struct mig_uffd *u, struct guest_mem *mem, struct mig_image *img, int sock,
		       const struct mig_src *src, char *err, size_t errlen);
/* Starts the pager thread: faults become requests on sock, arriving pages are
 * installed, until END.  A broken stream ends the process (exit 19, one line). */
int  mig_uffd_start(struct mig_uffd *u, char *err, size_t errlen);
void mig_uffd_finish(struct mig_uffd *u);       /* joins it (it ends at END), frees */

/* ---- postcopy.c: post-copy's source: state first, then pages on demand and pushed ---- */
struct mig_live;
struct mig_out;
/* After header, CONFIG and LAYOUT: stops the vCPUs, sends POSTCOPY and the state,
 * waits for the destination's answer, then serves requested pages first and
 * pushes the rest, then END.  Fills l's results; 0, or -1 with l->warn. */
int  mig_postcopy_run(struct mig_live *l, int fd, struct mig_out *out, double t_start);

/* ---- pause.c: stopping the vCPUs of a running VM, and throttling them ---- */
struct mig_pause {
	pthread_mutex_t lock;           /* guards every field below */
	pthread_cond_t cond;            /* a vCPU parked or left; or the migration decided */
	int n;                          /* vCPUs in the VM */
	pid_t tid[VCPUS_MAX];           /* each vCPU's thread once it joined, 0 before */
	bool joined[VCPUS_MAX], left[VCPUS_MAX], parked[VCPUS_MAX];
	bool stop;                      /* the migration asks every vCPU to park */
	enum { PAUSE_WAIT, PAUSE_RESUME, PAUSE_MIGRATED, PAUSE_LOST } outcome;
	struct mig_vcpu *state;         /* n entries: each parked vCPU saves itself here */
	int state_rc[VCPUS_MAX];        /* 0, or -1 with state_err */
	char state_err[320];
	char lost[256];                 /* PAUSE_LOST: why the guest ends here */
	bool irqchip;
	int throttle_pct;               /* auto-converge: 0..99, percent of time a vCPU sleeps */
	bool throttle_due[VCPUS_MAX];   /* set by the throttle tick, cleared after the sleep */
	double stopped_at;              /* CLOCK_MONOTONIC when the last vCPU parked */
	bool ended;                     /* the migration thread is done, however it ended (atomic) */
};
/* Waits on c (m held) for at most ms milliseconds, or until signalled. */
void mig_cond_wait_ms(pthread_cond_t *c, pthread_mutex_t *m, long ms);
/* Sets p up for n vCPUs and installs the kick signal's handler.  0, or -1 with err. */
int  mig_pause_init(struct mig_pause *p, int n, bool irqchip, char *err, size_t errlen);
void mig_pause_destroy(struct mig_pause *p);
/* vCPU thread, at the start and the end of vcpu_run. */
void mig_pause_join(struct vcpu *v);
void mig_pause_leave(struct vcpu *v);
/* vCPU thread, before every KVM_RUN: parks here when asked (pending I/O completed,
 * state saved) until the migration decides; sleeps when throttled.  true: the
 * guest migrated, the loop ends (vcpu_end END_MIGRATED is set). */
bool mig_pause_point(struct vcpu *v);
/* vCPU thread, outside KVM_RUN (memctl.c's migration wait): waits up to ms for
 * the migration's stop request.  true: it came (the next pause point parks). */
bool mig_pause_wait_stop(struct vcpu *v, long ms);
/* Migration thread: stop every vCPU and wait until all are parked.  0; -1 when a
 * vCPU ended first (the guest finished) or none parked in timeout_s (err). */
int  mig_pause_stop(struct mig_pause *p, double timeout_s, char *err, size_t errlen);
/* Migration thread: the parked vCPUs end as migrated (migrated) or run on. */
void mig_pause_release(struct mig_pause *p, bool migrated);
/* Post-copy failed after the destination ran the guest: the vCPUs end with why. */
void mig_pause_lose(struct mig_pause *p, const char *why);
/* Migration thread: kick every vCPU out of KVM_RUN so it reaches mig_pause_point. */
void mig_pause_kick(struct mig_pause *p);

/* ---- precopy_live.c: live pre-copy from a running guest to `kvmlab receive` ---- */
#define LIVE_ROUNDS_MAX         64      /* --migrate-max-rounds at most */
#define LIVE_ROUNDS_DEFAULT     30      /* PRECOPY_ROUNDS_MAX of the model */
#define LIVE_DOWNTIME_DEFAULT_MS 300    /* QEMU's default downtime-limit */
#define LIVE_THROTTLE_INITIAL   30      /* auto-converge: first throttle (QEMU cpu-throttle-initial 20) */
#define LIVE_THROTTLE_STEP      20      /* and its increment per round (QEMU: 10) */
#define LIVE_THROTTLE_MAX       99      /* QEMU's max-cpu-throttle */
#define LIVE_THROTTLE_TICK_MS   10      /* a throttled vCPU runs this long between sleeps */
struct live_round {
	uint64_t pages, bytes;          /* sent in this round */
	double seconds;                 /* its duration */
	double dirty_rate;              /* pages/s the guest dirtied during the round before (0 for round 0) */
	int throttle_pct;               /* auto-converge's throttle while it ran */
};
#define MIG_LIVE_SLOTS 2                /* the dirty-logged slots: RAM (0) and hotplug (2) */
struct mig_live {
	/* options */
	const char *to;                 /* --migrate-to ADDR */
	double after;                   /* --migrate-after SECONDS (when no at) */
	const char *at;                 /* --migrate-at-report NAME */
	double bandwidth;               /* --bandwidth MiB/s, 0 = unlimited */
	double max_downtime_ms;         /* --max-downtime */
	int max_rounds;                 /* --migrate-max-rounds */
	bool auto_converge;             /* --auto-converge */
	bool postcopy;                  /* --migrate-mode postcopy */
	const struct payload *payload;
	/* the run; the thread's results are read after mig_live_finish */
	struct run *r;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;           /* guards go and over */
	pthread_cond_t cond;
	bool go, over;                  /* the report came; the run ended */
	struct mig_pause pause;
	/* The bitmaps have one bit per page of GPA space below bm_pages (bit i = GPA
	 * i * 4 KiB), so the hotplug slot at GPA_HOTPLUG has its bits where RAM's end. */
	uint64_t bm_pages;
	uint64_t *bitmap;               /* pages still to send */
	uint64_t *log;                  /* what KVM_GET_DIRTY_LOG returned last */
	uint64_t *devdirty;             /* pages the virtio devices wrote (atomic bits, mig_virtio_track) */
	struct live_slot { uint32_t id; uint64_t gpa, npages; } slot[MIG_LIVE_SLOTS];
	int nslots;                     /* RAM, and hotplugged memory: the slots read at the start (frozen) */
	/* results */
	bool attempted;                 /* the migration began */
	bool completed;                 /* the destination has the guest and runs it */
	bool converged;                 /* stopped because the rest fit --max-downtime */
	char warn[1024];                /* why not completed ("" when it did) */
	struct live_round round[LIVE_ROUNDS_MAX + 1];
	int nrounds;                    /* pre-copy rounds, round 0 included */
	uint64_t stop_pages, stop_bytes;        /* sent with the vCPUs stopped (state included in bytes) */
	double stop_seconds;            /* sending that */
	double total_seconds;           /* first byte to the destination's ack */
	double downtime_seconds;        /* vCPUs stopped -> destination's ack (it runs the guest) */
	double bandwidth_measured;      /* bytes/s of the last pre-copy round */
	uint64_t total_bytes, ram_pages;
	uint32_t checksum;              /* mig_ram_checksum with the vCPUs stopped */
	struct precopy model;           /* vmm/mem/precopy.c on the measured dirty counts */
	uint64_t post_requests, post_pushed;    /* post-copy: pages the destination asked for; pushed */
	uint64_t post_demand;           /* post-copy: asked-for pages not sent yet, sent at once */
	double post_seconds;            /* post-copy: the answer to the last page sent */
	uint64_t model_budget;          /* the model's pages per round: what fits the downtime */
};
/* cmd_run: checks the options (0, or -1 with err) and hooks l into cfg
 * (start_hook, report_hook, the dirty bitmap). */
int  mig_live_setup(struct mig_live *l, struct vm_config *cfg, const struct payload *p, char *err, size_t errlen);
/* After the run, before teardown: ends and joins the migration thread. */
void mig_live_finish(struct mig_live *l);

/* ---- receive.c: `kvmlab receive --listen ADDR` ---- */
struct mig_receive {
	const char *listen;             /* --listen ADDR */
	uint64_t fail_after;            /* --fail-after BYTES (test aid), 0 = off */
	double accept_timeout;          /* seconds */
	double stream_seconds;          /* first byte -> END */
	uint64_t bytes;
	uint64_t faults;                /* post-copy: faults served */
};
/* Listens, accepts one source, reads its stream (untrusted), runs the guest.
 * Same contract as mig_restore; err says what failed. */
int  mig_receive_run(struct mig_receive *m, struct run *r, struct kvm *k, struct payload *p,
		     const struct vm_config *cfg, char *err, size_t errlen);

#endif
