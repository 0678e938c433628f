/*
 * virtio_mmio.c - the virtio-mmio transport, register layout version 2
 * (virtio 1.1 section 4.2.2), in front of a device type: the console of
 * virtio_console.c, the block device of virtio_blk.c or the network device
 * of virtio_net.c (struct virtio_type).
 *
 * The driver finds the device by reading MagicValue/Version/DeviceID, then
 * runs the initialization of 3.1.1: reset, ACKNOWLEDGE, DRIVER, features,
 * FEATURES_OK, queue setup (QueueSel/QueueNum/QueueDesc/Driver/Device/QueueReady),
 * DRIVER_OK.  After that it places buffers in a virtqueue and writes the
 * queue index to QueueNotify: that write is the doorbell.  Who answers the
 * doorbell (an exit to kvmlab, an ioeventfd, or nobody because the device
 * polls) is the whole point of docs/io.md.
 *
 * A driver that breaks the virtqueue rules gets DEVICE_NEEDS_RESET in
 * Status (2.1.2) and the device stops until the driver writes 0 to Status.
 * The register model itself does no KVM calls; virtio_mmio_io is the glue.
 */
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <string.h>
#include <unistd.h>

#include "kvmlab.h"

#define VIRTIO_MMIO_MAGIC       0x74726976u  /* "virt" (4.2.2) */
#define VIRTIO_MMIO_VERSION_2   2u           /* non-legacy layout */
#define VIRTIO_VENDOR_KVMLAB    0x4C4D564Bu  /* "KVML" */
#define VIRTIO_F_VERSION_1_BIT  (1ULL << VIRTIO_F_VERSION_1)   /* bit 32 (6) */
#define VIRTIO_CONFIG_OFF       0x100        /* device-specific configuration space */
#define VIRTIO_ISR_USED         1u           /* used buffer notification (4.2.2 InterruptStatus) */
#define VIRTIO_ISR_CONFIG       2u           /* configuration change notification */
#define VIRTQ_USED_F_NO_NOTIFY  1u           /* 2.7.10: "device: do not notify me" */
#define VIRTQ_RING_HDR_BYTES    4u           /* used ring: flags, idx (2.7.8) */
#define VIRTQ_USED_ELEM_BYTES   8u           /* used ring entry: id, len */

/* struct virtio_console_config (5.3.4): cols, rows, max_nr_ports, emerg_wr. */
static const uint8_t console_config[12] = { 80, 0, 25, 0, 1, 0, 0, 0, 0, 0, 0, 0 };

/* virtio-mmio 4.2.2: "device ID 0x0 ... a placeholder with no device". */
const struct virtio_type virtio_none_type = { .name = "none", .device_id = 0, .nqueues = 0 };

const char *io_notify_name(int n)
{
	static const char *const names[] = { "exit", "ioeventfd", "poll" };
	return n >= 0 && n <= IO_NOTIFY_POLL ? names[n] : "unknown";
}

int io_notify_parse(const char *s)
{
	for (int n = 0; n <= IO_NOTIFY_POLL; n++)
		if (!strcmp(s, io_notify_name(n)))
			return n;
	return -1;
}

static void virtio_reset(struct virtio_dev *d)
{
	d->drv_features = 0;
	d->dev_feat_sel = d->drv_feat_sel = d->queue_sel = 0;
	d->status = d->isr = 0;         /* error/error_detail stay: they are the run's record */
	memset(d->q, 0, sizeof(d->q));
}

void virtio_init_dev(struct virtio_dev *d, const struct guest_mem *mem, const struct virtio_type *t)
{
	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->lock, NULL);
	d->mem = mem;
	d->type = t;
	d->dev_features = VIRTIO_F_VERSION_1_BIT;
	d->fnv = 2166136261u;           /* FNV-1a offset basis */
	d->blk.fd = -1;
	d->net.tapfd = d->net.wakefd = -1;
	d->irqfd = -1;
	virtio_reset(d);
}

void virtio_init(struct virtio_dev *d, const struct guest_mem *mem, bool poll, struct console *con)
{
	virtio_init_dev(d, mem, &virtio_console_type);
	d->poll = poll;
	d->con = con;
	memcpy(d->config, console_config, sizeof(console_config));
}

void virtio_init_blk(struct virtio_dev *d, const struct guest_mem *mem, int fd, uint64_t sectors)
{
	virtio_init_dev(d, mem, fd >= 0 ? &virtio_blk_type : &virtio_none_type);
	d->blk.fd = fd;
	d->blk.sectors = sectors;
	memcpy(d->config, &sectors, sizeof(sectors));  /* struct virtio_blk_config.capacity (5.2.4) */
}

void virtio_fail(struct virtio_dev *d, int err, const char *what)
{
	if (err < 0)
		err = -err;
	d->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	d->isr |= VIRTIO_ISR_CONFIG;
	d->errors++;
	if (d->error == VQ_OK) {        /* keep the first cause */
		d->error = err;
		snprintf(d->error_detail, sizeof(d->error_detail), "%s: %s", what, virtq_err_name(err));
	}
}

static struct virtq *selected(struct virtio_dev *d)
{
	return d->queue_sel < (uint32_t)d->type->nqueues ? &d->q[d->queue_sel] : NULL;
}

static uint32_t reg_read(struct virtio_dev *d, uint64_t off)
{
	struct virtq *q = selected(d);

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:     return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:         return VIRTIO_MMIO_VERSION_2;
	case VIRTIO_MMIO_DEVICE_ID:       return d->type->device_id;
	case VIRTIO_MMIO_VENDOR_ID:       return VIRTIO_VENDOR_KVMLAB;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return d->dev_feat_sel == 0 ? (uint32_t)d->dev_features :
		       d->dev_feat_sel == 1 ? (uint32_t)(d->dev_features >> 32) : 0;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:   return q ? VIRTQ_NUM_MAX : 0;   /* 0: no such queue */
	case VIRTIO_MMIO_QUEUE_READY:     return q ? q->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS: return d->isr;
	case VIRTIO_MMIO_STATUS:          return d->status;
	case VIRTIO_MMIO_CONFIG_GENERATION: return d->generation;
	default:                          return 0;   /* write-only or reserved */
	}
}

/* QueueReady = 1 is where the rings are checked, once, before any use. */
static void queue_ready(struct virtio_dev *d, struct virtq *q, uint32_t val)
{
	if (!val) {
		q->ready = false;
		return;
	}
	int e = virtq_check(d->mem, q, VIRTQ_NUM_MAX);
	if (e != VQ_OK) {
		virtio_fail(d, e, "QueueReady");
		return;
	}
	q->ready = true;
	q->last_avail = q->used_idx = 0;
	if (d->poll)
		virtq_set_used_flags(d->mem, q, VIRTQ_USED_F_NO_NOTIFY);
}

static void set_status(struct virtio_dev *d, uint32_t val)
{
	if (val == 0) {                 /* 4.2.2.1: writing zero resets the device */
		if (d->offload && (d->status & VIRTIO_CONFIG_S_DRIVER_OK))
			d->offload->stop(d);    /* the back-end gives the ring back first */
		virtio_reset(d);
		d->resets++;
		return;
	}
	/* 3.1.1 step 5-6: FEATURES_OK sticks only for a subset of what we offer
	 * that includes VERSION_1 (4.2.2.2: v2 devices are non-legacy). */
	if ((val & VIRTIO_CONFIG_S_FEATURES_OK) && !(d->status & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    ((d->drv_features & ~d->dev_features) || !(d->drv_features & VIRTIO_F_VERSION_1_BIT)))
		val &= ~VIRTIO_CONFIG_S_FEATURES_OK;
	bool go = (val & VIRTIO_CONFIG_S_DRIVER_OK) && !(d->status & VIRTIO_CONFIG_S_DRIVER_OK);
	d->status = (val & ~VIRTIO_CONFIG_S_NEEDS_RESET) | (d->status & VIRTIO_CONFIG_S_NEEDS_RESET);
	/* vhost-user: DRIVER_OK is when the rings are complete and can be handed over. */
	if (go && d->offload && !(d->status & VIRTIO_CONFIG_S_NEEDS_RESET)) {
		char why[160];
		if (d->offload->start(d, why, sizeof(why)) != 0) {
			bool first = d->error == VQ_OK;
			virtio_fail(d, VQ_ERR_BACKEND, "vhost-user start");
			if (first)              /* the back-end's own words are the better record */
				snprintf(d->error_detail, sizeof(d->error_detail), "%s", why);
			warnx_("%s: the block device needs a reset", why);
		}
	}
}

static void set_half(uint64_t *x, bool high, uint32_t val)
{
	*x = high ? (*x & 0xFFFFFFFFull) | ((uint64_t)val << 32) : (*x & ~0xFFFFFFFFull) | val;
}

static void reg_write(struct virtio_dev *d, uint64_t off, uint32_t val, bool *notify)
{
	struct virtq *q = selected(d);
	/* Queue layout registers are frozen while the queue is live. */
	struct virtq *qw = q && !q->ready ? q : NULL;

	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL: d->dev_feat_sel = val; break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (d->drv_feat_sel < 2 && !(d->status & VIRTIO_CONFIG_S_FEATURES_OK))
			set_half(&d->drv_features, d->drv_feat_sel == 1, val);
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL: d->drv_feat_sel = val; break;
	case VIRTIO_MMIO_QUEUE_SEL:       d->queue_sel = val; break;
	case VIRTIO_MMIO_QUEUE_NUM:       if (qw) qw->num = (uint16_t)(val > 0xFFFF ? 0 : val); break;
	case VIRTIO_MMIO_QUEUE_READY:     if (q) queue_ready(d, q, val); break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:    d->notifies++; *notify = true; break;
	case VIRTIO_MMIO_INTERRUPT_ACK:   d->isr &= ~val; break;
	case VIRTIO_MMIO_STATUS:          set_status(d, val); break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:  if (qw) set_half(&qw->desc, false, val); break;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH: if (qw) set_half(&qw->desc, true, val); break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW: if (qw) set_half(&qw->avail, false, val); break;
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH: if (qw) set_half(&qw->avail, true, val); break;
	case VIRTIO_MMIO_QUEUE_USED_LOW:  if (qw) set_half(&qw->used, false, val); break;
	case VIRTIO_MMIO_QUEUE_USED_HIGH: if (qw) set_half(&qw->used, true, val); break;
	default: break;                 /* read-only or reserved: ignored */
	}
}

uint32_t virtio_mmio_read(struct virtio_dev *d, uint64_t off, uint32_t len)
{
	uint32_t val = 0;

	pthread_mutex_lock(&d->lock);
	if (off >= VIRTIO_CONFIG_OFF) {
		/* Configuration space: any width (4.2.2.2), bytes past the struct read 0. */
		for (uint32_t i = 0; i < len && i < 4; i++) {
			uint64_t o = off - VIRTIO_CONFIG_OFF + i;
			if (o < sizeof(d->config))
				val |= (uint32_t)d->config[o] << (8 * i);
		}
	} else if (len == 4 && off % 4 == 0) {
		/* 4.2.2.1: registers are read with 32-bit aligned accesses only. */
		val = reg_read(d, off);
	}
	pthread_mutex_unlock(&d->lock);
	return val;
}

void virtio_mmio_write(struct virtio_dev *d, uint64_t off, uint32_t len, uint32_t val, bool *notify)
{
	*notify = false;
	pthread_mutex_lock(&d->lock);
	if (off < VIRTIO_CONFIG_OFF && len == 4 && off % 4 == 0) {
		gmem_hold(d->mem);      /* QueueReady checks the rings and may write used->flags */
		reg_write(d, off, val, notify);
		gmem_release(d->mem);
		if (d->type->written)
			d->type->written(d);
	} else if (off >= VIRTIO_CONFIG_OFF && d->type->config_write) {
		d->type->config_write(d, off - VIRTIO_CONFIG_OFF, len, val);   /* the balloon's `actual` */
	}
	pthread_mutex_unlock(&d->lock);     /* config space is read-only for the console and blk */
}

/* The name of queue i in error details: the type's table, else the one work queue's. */
static const char *queue_name(const struct virtio_dev *d, int i)
{
	if (d->type->qnames)
		return d->type->qnames[i];
	return d->type == &virtio_console_type ? "transmitq0" :
	       d->type->queue_name ? d->type->queue_name : "requestq";
}

/* Tells the migration which pages the device wrote for one chain: the used
 * ring (entry and idx) and the chain's device-writable buffers. */
void virtio_dirtied(struct virtio_dev *d, const struct virtq *q, const struct virtq_chain *c)
{
	if (!d->dirtied)
		return;
	d->dirtied(d->dirtied_arg, q->used, VIRTQ_RING_HDR_BYTES + VIRTQ_USED_ELEM_BYTES * (uint64_t)q->num + 2);
	for (int i = 0; i < c->nseg; i++)
		if (c->seg[i].write)
			d->dirtied(d->dirtied_arg, c->seg[i].gpa, c->seg[i].len);
}

/* Every available chain of queue i; lock held.  Chains done, or -1 once the device failed. */
static int process_queue(struct virtio_dev *d, int i)
{
	struct virtq *q = &d->q[i];
	int done = 0;

	d->cur_queue = i;
	while (q->ready) {
		uint32_t written = 0;
		/* One chain under the slot lock: popped, consumed and pushed
		 * against the same slots, so an unplug (memregion.c) waits
		 * for at most one chain and no chain is read half. */
		gmem_hold(d->mem);
		int r = virtq_pop(d->mem, q, &d->chain);
		if (r > 0) {
			r = d->type->chain(d, &d->chain, &written);
			if (r == 0)
				r = virtq_push(d->mem, q, d->chain.head, written);
			if (r == 0 && d->dirtied)
				virtio_dirtied(d, q, &d->chain);
			if (r == 0)
				r = 1;
		}
		gmem_release(d->mem);
		if (r < 0) {
			virtio_fail(d, r, queue_name(d, i));
			return -1;
		}
		if (r == 0)
			break;
		d->chains++;
		done++;
	}
	return done;
}

int virtio_process(struct virtio_dev *d)
{
	int done = 0;

	pthread_mutex_lock(&d->lock);
	d->polls++;
	if (d->offload) {               /* another process serves this queue */
		pthread_mutex_unlock(&d->lock);
		return 0;
	}
	if ((d->status & VIRTIO_CONFIG_S_DRIVER_OK) && !(d->status & VIRTIO_CONFIG_S_NEEDS_RESET) &&
	    d->type->nqueues > 0) {
		/* Only the device's work queues are consumed (the console's receiveq0
		 * stays untouched: kvmlab has no input for it). */
		uint32_t mask = d->type->work_mask ? d->type->work_mask : 1u << d->type->work_queue;
		for (int i = 0; i < d->type->nqueues && i < VIRTIO_QUEUES_MAX; i++) {
			if (!(mask & (1u << i)))
				continue;
			int n = process_queue(d, i);
			if (n < 0)
				break;
			done += n;
		}
		if (done) {
			d->isr |= VIRTIO_ISR_USED;
			/* virtio 1.1 4.2.3.4: notify the driver; through an irqfd KVM raises the
			 * IOAPIC pin itself, no ioctl from here (api.rst 4.75 KVM_IRQFD). */
			uint64_t one = 1;
			if (d->irqfd >= 0 && write(d->irqfd, &one, sizeof(one)) == (ssize_t)sizeof(one))
				d->interrupts++;
			else if (d->irqfd < 0 && d->ioapic) {
				ioapic_pulse(d->ioapic, d->ioapic_pin);        /* split: kvmlab's IOAPIC */
				d->interrupts++;
			}
		}
	}
	pthread_mutex_unlock(&d->lock);
	return done;
}

enum action virtio_mmio_io(struct vcpu *v, struct mmio_req *m, void *opaque)
{
	struct virtio_dev *d = opaque;
	uint64_t off = m->off;
	uint32_t val = 0;
	bool notify;

	(void)v;

	if (!m->write) {
		val = virtio_mmio_read(d, off, m->len);
		memset(m->data, 0, m->len);
		memcpy(m->data, &val, m->len < 4 ? m->len : 4);
		return ACT_CONTINUE;
	}
	memcpy(&val, m->data, m->len < 4 ? m->len : 4);
	virtio_mmio_write(d, off, m->len, val, &notify);
	if (notify && d->offload) {
		pthread_mutex_lock(&d->lock);
		d->offload->kick(d);    /* no ioeventfd: pass the doorbell on to the back-end */
		pthread_mutex_unlock(&d->lock);
	} else if (notify) {
		virtio_process(d);      /* the doorbell rang in user space: do the work now */
	}
	return ACT_CONTINUE;
}
