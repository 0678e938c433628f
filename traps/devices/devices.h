/*
 * traps/devices/devices.h - the device models on the port and MMIO buses: the guest protocol
 * (console, exit port, report channel), the 16550 UART, virtqueues and
 * virtio-mmio devices, the sink, I/O parameters, the bench targets and the
 * memory-control port, and iodev.c which owns them and the I/O thread.
 */
#ifndef KVMLAB_DEVICES_H
#define KVMLAB_DEVICES_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vmm/core/core.h"
#include "traps/traps.h"

struct vm;
struct vcpu;
struct json;
struct io_config;

/* An in-kernel path of one device instance: KVM answers an access without an
 * exit (an ioeventfd, a coalesced-MMIO zone).  The machine table's row names
 * it (vmm/core/machine.c); machine_setup fills it in, machine_teardown closes it. */
struct kpath {
	bool on;                        /* in place for this run */
	int efd;                        /* ioeventfd: the eventfd KVM signals (valid when on) */
};

/* ---- the guest protocol (docs/guest-abi.md): console 0xE9, exit port, report channel ---- */
struct report_entry {                   /* one record of the report channel (traps/devices/report.c) */
	int kind;                       /* enum report_kind */
	char text[REPORT_TEXT_MAX + 1];
	uint64_t value;
	uint64_t rip;                   /* where the guest sent it */
};

#define CONSOLE_CAP   (64u << 10)       /* bytes of console output kept for JSON */
/* The VM's one console (vm.con): port 0xE9, COM1 and the virtio console of
 * every vCPU and the I/O thread write here.  Every field below is protected
 * by lock, which console_put takes; the reports read it after the run. */
struct console {                        /* the guest's console stream (traps/devices/console.c) */
	pthread_mutex_t lock;
	char *buf;
	size_t len;                     /* bytes kept */
	uint64_t total;                 /* bytes written by the guest */
	bool echo;                      /* copy to stdout as it arrives */
	uint64_t limit;                 /* --console-limit: bytes accepted; later ones are dropped */
	uint64_t dropped;               /* bytes beyond limit: neither echoed nor kept */
};
#define CONSOLE_LIMIT_DEFAULT (1ULL << 20)      /* docs/security.md, "Console output" */


/* Port handlers (struct pio_range.handler): called by trap_io for a port in
 * their range with the request and the instance they were registered with;
 * they return the action for the run loop. */
enum action console_io(struct vcpu *v, struct io_req *io, void *opaque);   /* opaque: struct console */
enum action exitport_io(struct vcpu *v, struct io_req *io, void *opaque);  /* stateless: the end is the vCPU's */
enum action report_io(struct vcpu *v, struct io_req *io, void *opaque);    /* opaque: the struct guest_mem records live in */
/* Reads and validates one record at gpa (pure: unit-tested).  0, or -1 with err. */
int  report_read(const struct guest_mem *m, uint64_t gpa, struct report_entry *out,
		 char *err, size_t errlen);


/* Appends n bytes to a console stream (and echoes them); past con->limit they are dropped and counted.
 * Thread-safe (takes con->lock): one call's bytes stay together and in order. */
void console_put(struct console *con, const uint8_t *p, uint32_t n);
/* Allocates the buffer; limit 0 means CONSOLE_LIMIT_DEFAULT.  0, or -1: out of memory. */
int  console_init(struct console *con, uint64_t limit, bool echo);
void console_free(struct console *con);


/* ==== I/O devices (docs/io.md): UART, virtio-mmio, doorbells, coalesced MMIO ==== */

/* ---- uart16550.c: a 16550 UART at COM1 (register model is pure) ---- */
#define UART_FIFO_SIZE 16               /* 16550 transmit/receive FIFO depth (datasheet) */
struct uart {                           /* under uart_dev.lock (uart_io); the model itself is pure */
	uint8_t ier, lcr, mcr, scr, fcr;
	uint16_t divisor;               /* DLL/DLM, reached with LCR.DLAB = 1 */
	const uint8_t *input;           /* bytes the guest reads from RBR (--uart-input) */
	size_t input_len, input_pos;
	uint8_t loop[UART_FIFO_SIZE];   /* receive FIFO fed by THR in loopback (MCR bit 4) */
	uint8_t loop_len;
	bool overrun;                   /* LSR.OE: a looped byte found the receiver full */
	bool thre_int;                  /* THR empty interrupt pending (IER.ETBEI enabled, or a byte sent) */
	bool thr_pulse;                 /* a THR write since uart_io last drove the line */
	uint8_t out[UART_FIFO_SIZE * 16]; /* bytes written to THR and not yet taken by uart_take */
	size_t out_len;
	uint64_t tx_bytes, rx_bytes, reg_reads, reg_writes;
	uint32_t fnv;                   /* FNV-1a of every byte transmitted */
};
/* Power-on state (9600 baud), with input as the bytes the guest will read. */
void    uart_reset(struct uart *u, const uint8_t *input, size_t input_len);
/* One register access at offset 0..7 from the base port.  Pure: no I/O. */
uint8_t uart_read(struct uart *u, unsigned off);
void    uart_write(struct uart *u, unsigned off, uint8_t val);
/* Moves transmitted bytes to dst (at most n); returns how many. */
size_t  uart_take(struct uart *u, uint8_t *dst, size_t n);
/* The UART's interrupt output as the bus sees it (MCR.OUT2 gating it).  Pure. */
bool    uart_irq(const struct uart *u);
/* One UART on the port bus: the pure model, its lock and where its bytes go. */
struct uart_dev {
	pthread_mutex_t lock;           /* uart: vCPU threads (--vcpus); taken before con->lock */
	struct uart uart;
	struct console *con;            /* transmitted bytes (vm.con) */
	bool irq_level;                 /* what IRQ 4 was last set to (under lock) */
	uint64_t irqs;                  /* rising edges of IRQ 4 given to KVM or kvmlab's IOAPIC */
	struct ioapic *ioapic;          /* split model: IRQ 4 is pin 4 of kvmlab's IOAPIC; NULL otherwise */
};
enum action uart_io(struct vcpu *v, struct io_req *io, void *opaque);  /* opaque: struct uart_dev; 8 ports */


/* ---- virtqueue.c: split virtqueues (virtio 1.1 section 2.7), pure ---- */
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
	VQ_ERR_BALLOON_PFN,     /* a balloon PFN kvmlab refuses (io.balloon.violation says why) */
	VQ_ERR_BACKEND,         /* --vhost-user-blk: the back-end failed or lied (traps/devices/vhost_blk.c) */
	VQ_ERR_FRAME,           /* virtio-net: a frame shorter than an Ethernet header or longer than one frame */
	VQ_ERR_COUNT
};
const char *virtq_err_name(int e);      /* VQ_ERR_* or -VQ_ERR_* as a name; "unknown" */
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
/* Copies len bytes between host memory buf and the chain's device-readable
 * (writable false) or device-writable byte stream, starting off bytes into it
 * (2.6.4: a device must not assume a framing); to_guest: buf into the chain.
 * 0, -VQ_ERR_BUF_ADDR, or -VQ_ERR_REQUEST when the stream is shorter. */
int  virtq_chain_copy(const struct guest_mem *m, const struct virtq_chain *c, bool writable,
		      uint64_t off, uint8_t *buf, uint64_t len, bool to_guest);
/* Sets used->flags (VIRTQ_USED_F_NO_NOTIFY: "don't kick me, I poll"). */
int  virtq_set_used_flags(const struct guest_mem *m, const struct virtq *q, uint16_t flags);


/* ---- virtio_mmio.c + virtio_console.c + virtio_blk.c: virtio devices over virtio-mmio ---- */
#define VIRTIO_QUEUES_MAX 2
#define VIRTIO_CON_QUEUES 2             /* receiveq0, transmitq0 (virtio 1.1 5.3.2) */
#define VIRTIO_CON_TXQ    1
#define VIRTIO_CONFIG_MAX 16            /* bytes of device configuration space kvmlab models */
struct virtio_dev;
/* A device whose queues another process serves (vhost-user, traps/devices/vhost_blk.c):
 * the transport calls these instead of processing the queues itself.  Called with
 * d->lock held (start/stop also inside gmem_hold); start returns 0 or -1 with
 * d->error_detail's cause in *why. */
struct virtio_offload {
	int  (*start)(struct virtio_dev *d, char *why, size_t n);      /* DRIVER_OK: hand the rings over */
	void (*stop)(struct virtio_dev *d);                             /* reset: take them back */
	void (*kick)(struct virtio_dev *d);                             /* QueueNotify reached kvmlab (no ioeventfd) */
};
/* What makes a virtio device a console or a block device: the transport is the same. */
struct virtio_type {
	const char *name;
	uint32_t device_id;             /* virtio 1.1 5: 3 console, 2 block, 0 = no device */
	int nqueues;
	int work_queue;                 /* the queue whose chains the device consumes */
	/* One chain, lock held: 0 with *written = bytes the device wrote, or -VQ_ERR_*. */
	int (*chain)(struct virtio_dev *d, const struct virtq_chain *c, uint32_t *written);
	const char *queue_name;         /* the work queue's name in errors (NULL: "requestq") */
	void (*written)(struct virtio_dev *d);  /* after each register write, lock held; may be NULL */
	/* Devices with more than one work queue (the balloon): the queues consumed
	 * (bit i = queue i; 0: work_queue only) and their names; d->cur_queue says
	 * which one a chain came from. */
	uint32_t work_mask;
	const char *const *qnames;
	/* A driver write to configuration space (offset from 0x100), lock held; NULL: read-only. */
	void (*config_write)(struct virtio_dev *d, uint64_t off, uint32_t len, uint32_t val);
};
extern const struct virtio_type virtio_console_type, virtio_blk_type, virtio_none_type, virtio_net_type,
	virtio_balloon_type;
/* A network device's frames and its tap (virtio_net.c, virtio 1.1 5.1). */
#define VNET_HDR_LEN   12u              /* struct virtio_net_hdr incl. num_buffers (5.1.6, VERSION_1) */
#define VNET_FRAME_MIN 14u              /* ETH_HLEN: the tap rejects anything shorter */
#define VNET_FRAME_MAX 1514u            /* ETH_HLEN + ETH_DATA_LEN: no GSO offered, one Ethernet frame */
#define VNET_RXQ 0                      /* receiveq1 (5.1.2) */
#define VNET_TXQ 1                      /* transmitq1 */
struct vnet {
	int tapfd;                      /* -1: no --net (device id 0); owned by struct tap */
	int wakefd;                     /* the backend thread's wake-up (struct tap.wakefd) */
	bool parked;                    /* the backend is not watching the tap: wake it on a register write */
	bool starved;                   /* a frame waits and receiveq had no buffer */
	bool frozen;                    /* migration: the vCPUs stopped, no frame goes into RAM (vnet_freeze) */
	uint8_t pending[VNET_FRAME_MAX];/* the frame read from the tap and not yet delivered */
	uint32_t pending_len;
	uint64_t tx_packets, tx_bytes, tx_errors, rx_packets, rx_bytes, rx_dropped;
};
/* The balloon's state (virtio_balloon.c, virtio 1.1 5.5): one bit per 4 KiB page
 * of RAM slot 0 says the page is in the balloon; RSS is sampled at the three
 * moments a lab wants to compare. */
enum balloon_violation {
	BALLOON_OK = 0,
	BALLOON_OUTSIDE_RAM,    /* PFN not in guest RAM (slot 0) */
	BALLOON_ROM,            /* PFN in a read-only slot */
	BALLOON_DUPLICATE,      /* inflating a page already in the balloon */
	BALLOON_EXCESS,         /* inflating past num_pages */
	BALLOON_NOT_INFLATED,   /* deflating a page not in the balloon */
	BALLOON_LENGTH,         /* a buffer that is not whole le32 PFNs, or device-writable */
	BALLOON_RELEASE,        /* the backing refused to release the page (madvise) */
	BALLOON_VIOLATION_COUNT
};
const char *balloon_violation_name(int v);     /* "outside_ram", ...; NULL for BALLOON_OK */
struct vballoon {
	bool on;                        /* --balloon given */
	uint32_t num_pages;             /* config: pages the host asks for (5.5.4) */
	uint32_t actual;                /* config: pages the driver says it gave */
	uint32_t deflate_to;            /* --balloon-deflate: the next target */
	uint32_t limit;                 /* the run's largest num_pages: held never exceeds it (migration checks it) */
	bool deflate_pending;           /* num_pages becomes deflate_to once the first target is met */
	uint8_t *map;                   /* bit per page of slot 0: in the balloon */
	uint64_t map_pages;
	uint64_t held;                  /* pages in the balloon now */
	uint64_t inflated, deflated;    /* PFNs taken on inflateq / deflateq */
	uint64_t released_bytes;        /* given back to the host (madvise) */
	uint64_t config_changes;        /* num_pages changes signalled to the driver */
	int violation;                  /* first enum balloon_violation */
	uint64_t violation_pfn;
	/* Resident bytes (-1: not sampled): the whole process (/proc/self/statm) and
	 * guest RAM alone (mincore of slot 0), before the first inflate, when the
	 * driver met the inflate target, when it met the deflate target. */
	int64_t rss[3], ram_resident[3];
	int statm_fd;                   /* /proc/self/statm, opened at setup; -1 */
};
/* A block device's backing file (virtio_blk.c, virtio 1.1 5.2). */
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
const char *io_notify_name(int n);      /* "exit", "ioeventfd", "poll"; "unknown" */
int  io_notify_parse(const char *s);    /* enum io_notify, or -1 if unknown */
/* ---- ioapic.c: kvmlab's 82093AA I/O APIC (interrupt model split), pure ---- */
#define IOAPIC_PINS 24                  /* input pins of an 82093AA (datasheet 2.0) */
struct ioapic_msi {
	uint32_t address, data;         /* an interrupt message (SDM Vol. 3A 11.11) */
};
/* Hands a message to the LAPICs (KVM_SIGNAL_MSI): 0, or -1. */
typedef int (*ioapic_send_fn)(void *ctx, const struct ioapic_msi *m);
/* Tells KVM every pin's message, so that it forwards the EOIs of level-triggered
 * vectors (KVM_SET_GSI_ROUTING; api.rst KVM_CAP_SPLIT_IRQCHIP): 0, or -1. */
typedef int (*ioapic_routes_fn)(void *ctx, const struct ioapic_msi *msi, int n);
struct ioapic {
	pthread_mutex_t lock;           /* every field: vCPU threads (MMIO, EOI exits, UART) vs the I/O thread (virtio) */
	uint32_t ioregsel;
	uint8_t id;
	uint64_t rte[IOAPIC_PINS];      /* redirection table (datasheet 3.2.4) */
	uint32_t wire;                  /* input pins asserted now, one bit per pin */
	uint64_t route_key[IOAPIC_PINS];        /* what KVM was last told about level pins */
	ioapic_send_fn send;            /* NULL: nothing is delivered (counted in send_errors) */
	ioapic_routes_fn routes;
	void *ctx;
	uint64_t messages, pin_messages[IOAPIC_PINS], eois, masked, undeliverable, ignored,
		 send_errors, route_updates;
	uint64_t eois_carried;          /* a received guest's EOIs the source's KVM still held (irqstate.c) */
};
void ioapic_reset(struct ioapic *a);    /* every entry masked (datasheet 3.2.4); keeps lock, send, counters */
void ioapic_msi(uint64_t rte, struct ioapic_msi *m);   /* a redirection entry's MSI (SDM 11.11.1-2) */
/* The two registers at offset off of the window (IOREGSEL +0, IOWIN +0x10); any other
 * offset reads 0 and a write there, or a write to IOWIN narrower than 4 bytes, is ignored. */
uint32_t ioapic_read(struct ioapic *a, uint64_t off);
void ioapic_write(struct ioapic *a, uint64_t off, uint32_t len, uint32_t val);
/* An input pin's wire: an edge entry sends on the rising edge, a level entry while asserted. */
void ioapic_set_irq(struct ioapic *a, int pin, bool level);
void ioapic_pulse(struct ioapic *a, int pin);          /* raise then lower: one edge */
void ioapic_eoi(struct ioapic *a, uint8_t vector);     /* the LAPICs' EOI of vector: clears Remote IRR */
/* Tells KVM every pin's route again (a->routes) from the table as it is now, e.g. one
 * loaded from a migration stream.  0, or -1 (errno from the routes function). */
int  ioapic_routes_rebuild(struct ioapic *a);
enum action ioapic_mmio(struct vcpu *v, struct mmio_req *m, void *opaque);   /* opaque: struct ioapic */

struct virtio_dev {
	pthread_mutex_t lock;           /* every field below: vCPU threads vs the I/O thread */
	const struct guest_mem *mem;    /* pointers into it only under gmem_hold (guestmem.c) */
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
	struct console *con;            /* console type: where the bytes go (vm.con), or NULL */
	struct virtq_chain chain;       /* scratch for virtq_pop */
	const struct virtio_type *type;
	uint8_t config[VIRTIO_CONFIG_MAX];      /* device configuration space (read-only) */
	struct vblk blk;
	struct vnet net;
	struct vballoon balloon;
	int cur_queue;                  /* the queue virtio_process is consuming */
	struct kpath kick;              /* QueueNotify as an ioeventfd (--virtio-notify ioeventfd) */
	int irqfd;                      /* used-buffer interrupt: an eventfd KVM turns into an IOAPIC edge
					 * (KVM_IRQFD, vmm/core/irqchip.c); -1 = none (the guest polls) */
	uint64_t interrupts;            /* used-buffer interrupts signalled through irqfd or kvmlab's IOAPIC */
	struct ioapic *ioapic;          /* split model: the used-buffer interrupt is an edge on ioapic_pin */
	int ioapic_pin;
	const struct virtio_offload *offload;   /* NULL: kvmlab processes the queues (set before the run) */
	void *offload_arg;              /* the offload's state (struct vhost_blk) */
	/* Live migration: the device's own writes to guest RAM (used rings, read
	 * buffers), which KVM's dirty log never sees (it logs guest writes only). */
	void (*dirtied)(void *arg, uint64_t gpa, uint64_t len);
	void *dirtied_arg;
};
/* A console (virtio_init), a block device on fd with `sectors` of capacity, or the
 * empty slot of virtio-mmio (device id 0) when fd < 0. */
void virtio_init(struct virtio_dev *d, const struct guest_mem *mem, bool poll, struct console *con);
void virtio_init_blk(struct virtio_dev *d, const struct guest_mem *mem, int fd, uint64_t sectors);
/* The transport's power-on state in front of device type t (virtio_mmio.c). */
void virtio_init_dev(struct virtio_dev *d, const struct guest_mem *mem, const struct virtio_type *t);
/* A network device (its tap comes later, tap_start), or the empty slot (device id 0)
 * when !present.  mac: 6 bytes. */
void virtio_init_net(struct virtio_dev *d, const struct guest_mem *mem, bool present, const uint8_t *mac);
/* virtio_net.c: delivers frames waiting in the tap into receiveq buffers; takes d->lock.
 * Returns frames delivered.  Called by the backend thread (tap.c), where frames arrive. */
int  vnet_rx(struct virtio_dev *d);
/* Whether the backend should watch the tap for frames now (lock held): the driver is ready for them. */
bool vnet_rx_open(const struct virtio_dev *d);
/* Migration (take d->lock): freeze stops receive (frames stay in the tap, or are lost
 * with the source); resume lets it go on and wakes a parked backend. */
void vnet_freeze(struct virtio_dev *d);
void vnet_resume(struct virtio_dev *d);
/* A balloon asking for num_pages, then deflate_to once met (deflate < 0: no second target),
 * or the empty slot when !on.  0, or -1: out of memory for the page map. */
int  virtio_init_balloon(struct virtio_dev *d, const struct guest_mem *mem, bool on, uint32_t num_pages,
			 int64_t deflate_to);
void virtio_free_balloon(struct virtio_dev *d);
/* Resident bytes of the pages in the balloon now (mincore; they were given back,
 * so 0 unless the guest touched one it gave): -1 if unknown.  Takes the slot lock. */
int64_t balloon_held_resident(const struct virtio_dev *d);
/* --balloon / --balloon-deflate against RAM of mem bytes: XC_OK, or XC_USAGE with err. */
int  balloon_check_fit(const struct io_config *c, uint64_t mem, char *err, size_t errlen);
/* Register accesses at offset off of the virtio-mmio window (virtio 1.1 4.2.2).
 * *notify is set when the write was QueueNotify.  Thread-safe. */
uint32_t virtio_mmio_read(struct virtio_dev *d, uint64_t off, uint32_t len);
void virtio_mmio_write(struct virtio_dev *d, uint64_t off, uint32_t len, uint32_t val, bool *notify);
/* Processes every available chain of every ready queue; returns chains done.  Thread-safe. */
int  virtio_process(struct virtio_dev *d);
/* Lock held: tells d->dirtied (live migration) what one chain's completion wrote:
 * the used ring and c's device-writable buffers.  No-op without the hook. */
void virtio_dirtied(struct virtio_dev *d, const struct virtq *q, const struct virtq_chain *c);
/* Called with d->lock held: the device is broken until the driver resets it. */
void virtio_fail(struct virtio_dev *d, int err, const char *what);
/* The console's work: one chain of transmitq0.  Lock held.  0 or -VQ_ERR_*. */
int  virtio_console_tx(struct virtio_dev *d, const struct virtq_chain *c);
/* MMIO handler (struct mmio_range.handler) of a virtio-mmio window; opaque: its struct virtio_dev. */
enum action virtio_mmio_io(struct vcpu *v, struct mmio_req *m, void *opaque);


/* ---- vhost_blk.c + vhost_watch.c: virtio-blk served by a vhost-user back-end ---- */
struct vhost_blk;
/* --vhost-user-blk SOCKET: connects, negotiates, reads the capacity, and makes d a block
 * device whose queue the back-end serves (d->offload).  0, or -1 with err. */
int  vhost_blk_setup(struct vm *vm, struct virtio_dev *d, const char *sock, char *err, size_t errlen);
/* After the run: stops the watch thread and takes the ring back (GET_VRING_BASE); safe on NULL, twice. */
void vhost_blk_quiesce(struct vhost_blk *vb);
/* vhost_blk_quiesce, then closes the socket and the eventfds and frees vb; safe on NULL. */
void vhost_blk_teardown(struct vhost_blk *vb);
/* A slot came or goes (memregion.c calls it as the device's mem_listener, so
 * memory hotplug reaches the back-end without memctl knowing of it): a running
 * back-end gets the new memory map, every shareable slot but `leaving` (-1:
 * none), and has applied it on return (REPLY_ACK required).  Holds the device
 * lock; runs without the slot lock.  0 (also when the ring is not running), or
 * -1 with err. */
int  vhost_blk_mem_changed(struct vhost_blk *vb, int leaving, char *err, size_t errlen);
/* Live migration (vhost_blk.c; vmm/migrate/vhostmig.c drives them).  The dirty log:
 * starts the back-end's logging of its writes into a bitmap covering GPA 0..ram_end
 * (0, or -1 with err naming the feature a back-end lacks); takes its bits into bm
 * (npages pages, the migration's layout: bit i of word i/64) and returns how many; ends it. */
int  vhost_blk_log_start(struct vhost_blk *vb, uint64_t ram_end, char *err, size_t errlen);
uint64_t vhost_blk_log_take(struct vhost_blk *vb, uint64_t *bm, uint64_t npages);
void vhost_blk_log_end(struct vhost_blk *vb);
/* vCPUs stopped: stops the ring (GET_VRING_BASE) and checks that every chain it took is
 * used (no request in flight).  *base: where the back-end stopped.  0 (also when the
 * driver never started it: *started false), or -1 with err. */
int  vhost_blk_mig_stop(struct vhost_blk *vb, uint16_t *base, bool *started, char *err, size_t errlen);
/* The migration failed after mig_stop: the ring goes back to the back-end where it stopped. */
int  vhost_blk_mig_resume(struct vhost_blk *vb, char *err, size_t errlen);
/* Destination, the device's state loaded: a started device's ring goes to this side's
 * back-end at base (SET_VRING_BASE), now or, with defer, once vhost_blk_mig_deferred
 * (post-copy's last page placed; it may come first) has run.  0, or -1 with err. */
int  vhost_blk_mig_start(struct vhost_blk *vb, uint16_t base, bool defer, char *err, size_t errlen);
int  vhost_blk_mig_deferred(struct vhost_blk *vb, char *err, size_t errlen);
/* The watch thread (vhost_watch.c): the back-end's socket and, without an irqfd, its call
 * fd; a hang-up or a used ring that breaks the rules puts d in DEVICE_NEEDS_RESET. */
int  vhost_watch_start(struct vhost_blk *vb, char *err, size_t errlen);
void vhost_watch_stop(struct vhost_blk *vb);
/* Checks the used ring entries from *seen up to used->idx (pure: unit-tested): 0 with *seen
 * advanced, or -1 with why (index more than num ahead, id >= num, length over the chain cap). */
int  vhost_used_check(const struct guest_mem *m, const struct virtq *q, uint16_t *seen, char *why, size_t n);
/* ---- tap.c: the tap behind virtio-net, in a private network namespace ---- */
#define TAP_IFNAME   "kvmtap0"
#define TAP_HOST_IP  "10.0.2.2"         /* the host side of the tap, /24 (docs/io.md, "virtio-net") */
#define TAP_NETMASK  "255.255.255.0"
struct tap {
	int fd;                         /* /dev/net/tun, IFF_TAP | IFF_NO_PI; -1 = none */
	int wakefd, stopfd;             /* eventfds: the backend thread's wake-up and stop */
	pthread_t thread;
	bool thread_on;
	pid_t tid;                      /* the thread living in the namespace: /proc/PID/task/TID/ns/net */
	pthread_mutex_t lock;           /* the start-up handshake: ready, rc, err */
	pthread_cond_t ready_cv;
	bool ready;
	int rc;
	char err[240];
	int kickfd;                     /* the device's QueueNotify ioeventfd, or -1 */
	bool sandbox;                   /* --sandbox: the thread installs the I/O thread's filter */
	struct virtio_dev *dev;
	uint64_t wakeups;               /* backend thread only; read after tap_stop */
	volatile int stop;              /* atomic: main thread -> backend thread */
};
/* Starts the backend thread: it unshares a new network namespace, creates the tap there,
 * gives it TAP_HOST_IP/24, and then feeds dev.  0, or -1 with err naming what is missing. */
int  tap_start(struct tap *t, struct virtio_dev *dev, char *err, size_t errlen);
/* Stops the thread and closes the tap: the namespace goes with them.  Safe when never started. */
void tap_stop(struct tap *t);


/* ---- ksmctl.c: port PORT_KSM, KSM (kernel samepage merging) as the guest sees it ---- */
struct ksm_snap {                       /* one moment of this process's memory, as the kernel counts it */
	bool taken;
	int64_t rss_kib, pss_kib;       /* the process: /proc/self/smaps_rollup; -1 unknown */
	int64_t ram_rss_kib, ram_pss_kib;       /* guest RAM's mappings only: /proc/self/smaps; -1 unknown */
	int64_t merging_pages;          /* /proc/self/ksm_merging_pages; -1 unknown */
	int64_t pages_shared, pages_sharing;    /* /sys/kernel/mm/ksm; -1 unknown */
};
struct ksmctl {
	pthread_mutex_t lock;           /* every field below: vCPU threads (--vcpus) */
	bool on;                        /* --ksm: RAM marked MADV_MERGEABLE */
	uint64_t bytes_marked;
	const struct guest_mem *mem;
	int64_t answer;                 /* what IN returns: the last command's */
	struct ksm_snap before, merged;
	uint64_t waits, page_queries;
};
/* --ksm: marks every writable slot MADV_MERGEABLE.  0, or -1 with err (a backing KSM cannot
 * merge, --sandbox, madvise failing). */
int  ksmctl_setup(struct ksmctl *k, const struct guest_mem *mem, bool on, bool sandbox, int backing,
		  char *err, size_t errlen);
enum action ksmctl_io(struct vcpu *v, struct io_req *io, void *opaque);  /* opaque: struct ksmctl */
/* ksm_report.c: memory.ksm of the run's JSON (docs/json-schema.md). */
void ksmctl_json(struct json *j, const struct ksmctl *k);


/* ---- sink.c: a write-only sink, coalesced MMIO with --coalesced-mmio ---- */
struct sink {
	pthread_mutex_t lock;           /* the counters: vCPU threads, the coalesced drain (after vm.coalesced_lock) */
	uint64_t writes, bytes, exits, drained;
	uint32_t fnv;
	struct kpath zone;              /* a coalesced-MMIO zone (--coalesced-mmio) */
};
enum action sink_mmio(struct vcpu *v, struct mmio_req *m, void *opaque);  /* opaque: struct sink; counts and hashes writes */


/* ---- ioparam.c: workload parameters for I/O payloads (port 0xE0) ---- */
enum ioparam_id { IOPARAM_TOTAL = 0, IOPARAM_CHUNK, IOPARAM_BATCH, IOPARAM_COUNT };
struct ioparam {
	pthread_mutex_t lock;           /* sel: vCPU threads (--vcpus) */
	uint32_t param[IOPARAM_COUNT];  /* set before the run */
	uint32_t sel;                   /* the parameter selected by the last OUT */
};
enum action ioparam_io(struct vcpu *v, struct io_req *io, void *opaque);  /* opaque: struct ioparam; select, then read */


/* ---- iodev.c: the I/O devices of one VM, and the I/O thread ---- */
struct io_config {
	int notify;                     /* enum io_notify */
	bool coalesced;                 /* register the sink as coalesced MMIO */
	const uint8_t *uart_input;
	size_t uart_input_len;
	uint32_t param[IOPARAM_COUNT];  /* 0 = default */
	const char *blk_path;           /* --blk FILE: backing file of the virtio block device */
	const char *vhost_blk;          /* --vhost-user-blk SOCKET: the block device is served by a back-end there */
	uint64_t blk_size;              /* --blk-size: grow the file (sparse) to this many bytes */
	bool net;                       /* --net: virtio-net on a tap in a private network namespace */
	bool balloon;                   /* --balloon PAGES: a virtio-balloon at GPA_VIRTIO_BALLOON */
	uint32_t balloon_pages;
	bool balloon_deflate_on;        /* --balloon-deflate PAGES given */
	uint32_t balloon_deflate;
};
/* The I/O devices of one VM: each is an instance with its own lock, which the
 * machine table (vmm/core/machine.c) registers on its bus. */
struct iodev {
	pthread_mutex_t lock;           /* the I/O thread's start-up handshake (ready, sandbox_rc) */
	struct uart_dev com1;           /* COM1 */
	struct ioapic ioapic;           /* interrupt model split: at GPA_IOAPIC (machine.c row "ioapic") */
	struct virtio_dev virtio;       /* the virtio console */
	struct virtio_dev blk;          /* virtio-blk at GPA_VIRTIO_BLK (device id 0 without --blk) */
	struct virtio_dev balloon;      /* virtio-balloon at GPA_VIRTIO_BALLOON (device id 0 without --balloon) */
	struct vhost_blk *vhost;        /* --vhost-user-blk: the front-end of blk (vhost_blk.c), else NULL */
	struct virtio_dev net;          /* virtio-net at GPA_VIRTIO_NET (device id 0 without --net) */
	struct tap tap;                 /* its backend (--net) */
	struct ksmctl ksm;              /* port PORT_KSM (--ksm) */
	struct sink sink;
	struct ioparam ioparam;
	int notify;
	int stopfd;                     /* the I/O thread's stop signal */
	pthread_t thread;
	bool thread_on;
	volatile int stop;              /* atomic: main thread -> I/O thread */
	uint64_t thread_wakeups;        /* I/O thread only; read after iodev_quiesce joined it */
	/* --sandbox: the thread installs its own filter first and reports back. */
	pthread_cond_t ready_cv;        /* with lock */
	bool ready;
	bool sandbox_on;                /* vm_config.sandbox */
	int sandbox_vm_fd;              /* the VM fd its filter allows KVM_SIGNAL_MSI on (split model), or -1 */
	int sandbox_rc;                 /* 0, or -1 with sandbox_err */
	char sandbox_err[200];
};
/* uart16550.c: reads --uart-input-file (a regular file, at most 1 MiB) into a
 * malloc'd buffer without blocking on a FIFO; 0, or -1 with err. */
int  uart_input_load(const char *path, uint8_t **buf, size_t *len, char *err, size_t errlen);
/* ioparam.c: parses and range-checks one workload parameter into param[id]; 0 or -1. */
int  io_param_parse(int id, const char *s, uint32_t *param);
/* vm->io from vm->cfg.io: the devices and the --blk file.  0 or -1 with err. */
int  iodev_setup(struct vm *vm, char *err, size_t errlen);
/* The I/O thread, for --virtio-notify ioeventfd|poll, once the doorbell is in place.  0 or -1 with err. */
int  iodev_start(struct vm *vm, char *err, size_t errlen);
/* Stops and joins the I/O thread once the guest has stopped, so the report reads still state. */
void iodev_quiesce(struct vm *vm);
void iodev_stop(struct vm *vm);         /* stops the I/O thread, frees vm->io; safe when NULL */
/* iodev_json and iodev_text (vmm/report/io_report.c) report the devices. */

/* ---- benchdev.c: the targets of kvmlab bench (docs/guest-abi.md, "Bench device") ---- */
/* Scratch registers: any vCPU thread, atomic loads and stores; the rest is set up before the run. */
struct benchdev {
	uint64_t port_scratch;          /* PORT_BENCH_SCRATCH: last OUT, returned by IN */
	uint64_t mmio_scratch;          /* GPA_BENCH_MMIO: last write, returned by reads */
	uint32_t iters, repeat;         /* what the parameter ports answer (set before the run) */
	struct kpath doorbell;          /* PORT_BENCH_DOORBELL as an ioeventfd */
	struct kpath zone;              /* GPA_BENCH_COALESCED as a coalesced zone */
	uint64_t doorbell_rings;        /* eventfd count read at teardown */
	uint64_t msr_scratch;           /* MSR_KVMLAB_SCRATCH (traps/msr.c) */
};
/* The bench ports and the MMIO scratch register: handlers as above; opaque: struct benchdev. */
enum action benchdev_param_io(struct vcpu *v, struct io_req *io, void *opaque);
enum action benchdev_scratch_io(struct vcpu *v, struct io_req *io, void *opaque);
enum action benchdev_mmio(struct vcpu *v, struct mmio_req *m, void *opaque);
/* The parameters from vm->cfg.  Its in-kernel paths (ioeventfd, coalesced MMIO) are
 * rows of the machine table: best effort, absent caps leave ordinary exits. */
void benchdev_setup(struct vm *vm);
uint64_t benchdev_doorbell_read(struct vm *vm);     /* eventfd count so far (drains it) */
void benchdev_teardown(struct vm *vm);  /* reads the doorbell count before machine_teardown closes it */


/* ---- memctl.c: port PORT_MEMCTL, the guest's requests about memory (docs/memory.md) ---- */
/* OUT runs a request (hotplug, translate, harvest, mark); IN reads its status.
 * opaque: the VM's struct mem_lab (NULL: no memory lab, every access a protocol error). */
enum action memctl_io(struct vcpu *v, struct io_req *io, void *opaque);

#endif
