/*
 * devstate.c - the virtio-mmio devices' state in the migration stream
 * (docs/migration.md, section VIRTIO): per device the transport registers a
 * driver set (Status, features, QueueSel, InterruptStatus), each queue's
 * layout (QueueNum, QueueReady, the three ring GPAs) and the device's place
 * in it (last_avail, used_idx), the run's error record and counters, the
 * configuration space, for virtio-blk the identity of the backing file, for
 * virtio-net its counters (the tap is the destination's own: --net there), and
 * for virtio-balloon its targets and counters (its pages: balloonstate.c).
 * The rings themselves are guest RAM and travel as RAM; so do the receive
 * buffers a net driver posted.  The reader checks every field as untrusted input.
 */
#include <errno.h>
#include <linux/virtio_config.h>
#include <string.h>
#include <sys/stat.h>

#include "kvmlab.h"
#include "traps/devices/vhost_blk.h"      /* the ring's stop index (front.stop_base) */

#define BALLOON_CFG_NUM         0       /* struct virtio_balloon_config (virtio 1.1 5.5.4), as virtio_balloon.c */
#define BALLOON_CFG_ACTUAL      4
#define VNET_MAC_BYTES          6       /* struct virtio_net_config.mac (5.1.4) */

_Static_assert(MIG_VIRTIO_QUEUES == VIRTIO_QUEUES_MAX, "one stream queue per device queue");
_Static_assert(MIG_VIRTIO_NUM_MAX == VIRTQ_NUM_MAX, "the stream's queue size cap is QueueNumMax");
_Static_assert(MIG_VIRTIO_ERR_MAX > VQ_ERR_COUNT, "every virtq_err fits");
_Static_assert(MIG_VIRTIO_CONFIG_MAX == VIRTIO_CONFIG_MAX, "the stream carries the whole configuration space");
_Static_assert(MIG_VIRTIO_V1_SIZE == 680 && sizeof(struct mig_virtio) == 864 && sizeof(struct mig_virtq) == 32,
	       "docs/migration.md's VIRTIO layout");

/* Status bits a driver can set (virtio 1.1 2.1): ACKNOWLEDGE, DRIVER, DRIVER_OK,
 * FEATURES_OK, DEVICE_NEEDS_RESET, FAILED.  Anything else is not a status. */
#define MIG_VIRTIO_STATUS_BITS  (VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | \
				 VIRTIO_CONFIG_S_DRIVER_OK | VIRTIO_CONFIG_S_FEATURES_OK | \
				 VIRTIO_CONFIG_S_NEEDS_RESET | VIRTIO_CONFIG_S_FAILED)
#define MIG_VIRTIO_ISR_BITS     3u      /* used buffer | configuration change (4.2.2 InterruptStatus) */
/* virtio 1.1 2.7 "Virtqueue Part Alignment" and sizes (as traps/devices/virtqueue.c). */
#define RING_DESC_ALIGN         16u
#define RING_AVAIL_ALIGN        2u
#define RING_USED_ALIGN         4u
static uint64_t desc_bytes(uint16_t num)  { return 16ull * num; }
static uint64_t avail_bytes(uint16_t num) { return 4 + 2ull * num + 2; }
static uint64_t used_bytes(uint16_t num)  { return 4 + 8ull * num + 2; }

static const struct {
	const char *name;
	uint32_t device_id;
	int nqueues;
} which_info[MIG_VIRTIO_DEVS] = {
	[MIG_VIRTIO_CONSOLE] = { "console", 3, VIRTIO_CON_QUEUES },     /* virtio 1.1 5.3 */
	[MIG_VIRTIO_BLK]     = { "blk", 2, 1 },                          /* 5.2: one requestq */
	[MIG_VIRTIO_NET]     = { "net", 1, 2 },                          /* 5.1: receiveq1, transmitq1 */
	[MIG_VIRTIO_BALLOON] = { "balloon", 5, 2 },                      /* 5.5: inflateq, deflateq */
};

#define BAD(...) do { snprintf(err, errlen, "migration stream: VIRTIO section: " __VA_ARGS__); return -1; } while (0)

/* The balloon's part: its targets within RAM slot 0, held within them, and the
 * configuration space saying what the fields say. */
static int balloon_check(const struct mig_image *img, const struct mig_vballoon *b, const uint8_t *config,
			 char *err, size_t errlen)
{
	uint64_t ram_pages = img->cfg.mem / MIG_PAGE;   /* the balloon's map covers slot 0: --mem */
	uint32_t num, actual;

	memcpy(&num, config + BALLOON_CFG_NUM, 4);
	memcpy(&actual, config + BALLOON_CFG_ACTUAL, 4);
	if (b->limit > ram_pages)
		BAD("balloon: a target of %u pages, RAM holds %llu", b->limit, (unsigned long long)ram_pages);
	if (b->num_pages > b->limit || b->deflate_to > b->limit || b->held > b->limit)
		BAD("balloon: num_pages %u, deflate target %u or %llu pages held above the run's target %u",
		    b->num_pages, b->deflate_to, (unsigned long long)b->held, b->limit);
	if (b->flags & ~MIG_BALLOON_DEFLATE_PENDING)
		BAD("balloon: unknown flags 0x%x", b->flags);
	if (b->violation >= BALLOON_VIOLATION_COUNT)
		BAD("balloon: violation %u", b->violation);
	if (b->inflated < b->deflated || b->inflated - b->deflated != b->held)
		BAD("balloon: %llu pages held, not %llu inflated less %llu deflated", (unsigned long long)b->held,
		    (unsigned long long)b->inflated, (unsigned long long)b->deflated);
	if (num != b->num_pages || actual != b->actual)
		BAD("balloon: the configuration space (num_pages %u, actual %u) is not the device's (%u, %u)",
		    num, actual, b->num_pages, b->actual);
	return 0;
}

int mig_virtio_check(const struct mig_image *img, struct mig_virtio *m, char *err, size_t errlen)
{
	if (m->version != MIG_VIRTIO_VERSION && m->version != 1)
		BAD("version %u, this kvmlab reads versions 1 and %u", m->version, MIG_VIRTIO_VERSION);
	if (m->which >= MIG_VIRTIO_DEVS)
		BAD("device %u, not console (0), blk (1), net (2) or balloon (3)", m->which);
	if (m->version == 1 && m->which > MIG_VIRTIO_BLK)
		BAD("device %u in a version 1 section (console and blk only)", m->which);
	const char *name = which_info[m->which].name;
	if (m->device_id != which_info[m->which].device_id)
		BAD("%s: device id %u, not %u", name, m->device_id, which_info[m->which].device_id);
	if (m->status & ~MIG_VIRTIO_STATUS_BITS)
		BAD("%s: Status 0x%x has bits virtio 1.1 2.1 does not define", name, m->status);
	if (m->isr & ~MIG_VIRTIO_ISR_BITS)
		BAD("%s: InterruptStatus 0x%x", name, m->isr);
	if (m->poll > 1 || m->error >= VQ_ERR_COUNT)
		BAD("%s: poll %u or error %u out of range", name, m->poll, m->error);
	if (m->flags & ~(m->which == MIG_VIRTIO_BLK ? MIG_VIRTIO_F_VHOST : 0u))
		BAD("%s: flags 0x%x", name, m->flags);
	if (m->drv_features & ~m->dev_features)
		BAD("%s: the driver's features 0x%llx are not a subset of the device's 0x%llx", name,
		    (unsigned long long)m->drv_features, (unsigned long long)m->dev_features);
	for (uint32_t i = 0; i < MIG_VIRTIO_QUEUES; i++) {
		const struct mig_virtq *q = &m->q[i];
		if (q->ready > 1)
			BAD("%s: queue %u: QueueReady %u", name, i, q->ready);
		if (!q->ready)
			continue;       /* a queue not live: QueueReady checks its rings when it goes live */
		if ((int)i >= which_info[m->which].nqueues)
			BAD("%s: queue %u is ready; the device has %d", name, i, which_info[m->which].nqueues);
		if (q->num == 0 || (q->num & (q->num - 1)) || q->num > MIG_VIRTIO_NUM_MAX)
			BAD("%s: queue %u: size %u is not a power of two up to %u", name, i, q->num, MIG_VIRTIO_NUM_MAX);
		if (q->desc % RING_DESC_ALIGN || q->avail % RING_AVAIL_ALIGN || q->used % RING_USED_ALIGN)
			BAD("%s: queue %u: a ring is misaligned (virtio 1.1 2.7)", name, i);
		if (!mig_image_holds(img, q->desc, desc_bytes(q->num), 0) || !mig_image_holds(img, q->avail, avail_bytes(q->num), 0) ||
		    !mig_image_holds(img, q->used, used_bytes(q->num), 0))
			BAD("%s: queue %u: a ring (desc 0x%llx, avail 0x%llx, used 0x%llx) is not wholly inside guest RAM",
			    name, i, (unsigned long long)q->desc, (unsigned long long)q->avail,
			    (unsigned long long)q->used);
		/* kvmlab's devices complete each chain before taking the next (in order),
		 * and the state is saved between chains: every chain taken is used. */
		if (q->last_avail != q->used_idx)
			BAD("%s: queue %u: last_avail %u and used_idx %u differ", name, i, q->last_avail, q->used_idx);
	}
	m->error_detail[sizeof(m->error_detail) - 1] = '\0';
	m->blk_path[sizeof(m->blk_path) - 1] = '\0';
	if (m->which == MIG_VIRTIO_BLK && m->blk_sectors == 0)
		BAD("blk: capacity 0");
	if (m->which == MIG_VIRTIO_BALLOON)
		return balloon_check(img, &m->balloon, m->config, err, errlen);
	return 0;
}

static void save_one(struct vm *vm, struct virtio_dev *d, uint32_t which, struct mig_virtio *m, const char *path)
{
	memset(m, 0, sizeof(*m));
	m->version = MIG_VIRTIO_VERSION;
	m->which = which;
	m->device_id = d->type->device_id;
	m->status = d->status;
	m->isr = d->isr;
	m->generation = d->generation;
	m->dev_feat_sel = d->dev_feat_sel;
	m->drv_feat_sel = d->drv_feat_sel;
	m->queue_sel = d->queue_sel;
	m->poll = d->poll;
	m->dev_features = d->dev_features;
	m->drv_features = d->drv_features;
	for (int i = 0; i < VIRTIO_QUEUES_MAX; i++)
		m->q[i] = (struct mig_virtq){ .num = d->q[i].num, .ready = d->q[i].ready,
					      .last_avail = d->q[i].last_avail, .used_idx = d->q[i].used_idx,
					      .desc = d->q[i].desc, .avail = d->q[i].avail, .used = d->q[i].used };
	m->error = (uint32_t)d->error;
	snprintf(m->error_detail, sizeof(m->error_detail), "%s", d->error_detail);
	m->errors = d->errors;
	m->resets = d->resets;
	m->notifies = d->notifies;
	m->chains = d->chains;
	m->bytes = d->bytes;
	m->fnv = d->fnv;
	if (which == MIG_VIRTIO_BLK && d->offload) {
		/* vhost-user: the queue's place is the back-end's, where GET_VRING_BASE
		 * stopped it (vhostmig.c; every chain it took is used); the disk is the
		 * back-end's too, known here by its capacity and the socket. */
		m->flags |= MIG_VIRTIO_F_VHOST;
		m->q[0].last_avail = m->q[0].used_idx = (uint16_t)vm->io->vhost->front.stop_base;
		m->blk_sectors = d->blk.sectors;
		snprintf(m->blk_path, sizeof(m->blk_path), "%s", vm->cfg.io.vhost_blk ? vm->cfg.io.vhost_blk : "");
	} else if (which == MIG_VIRTIO_BLK) {
		struct stat st;
		m->blk_sectors = d->blk.sectors;
		if (fstat(d->blk.fd, &st) == 0) {
			m->blk_dev = (uint64_t)st.st_dev;
			m->blk_ino = (uint64_t)st.st_ino;
		}
		snprintf(m->blk_path, sizeof(m->blk_path), "%s", path ? path : "");
		m->blk_reads = d->blk.reads;
		m->blk_writes = d->blk.writes;
		m->blk_flushes = d->blk.flushes;
		m->blk_get_ids = d->blk.get_ids;
		m->blk_ioerr = d->blk.ioerr;
		m->blk_unsupported = d->blk.unsupported;
		m->blk_bytes_read = d->blk.bytes_read;
		m->blk_bytes_written = d->blk.bytes_written;
	}
	memcpy(m->config, d->config, sizeof(m->config));
	if (which == MIG_VIRTIO_NET) {
		const struct vnet *n = &d->net;
		m->net = (struct mig_vnet){ .tx_packets = n->tx_packets, .tx_bytes = n->tx_bytes,
					    .tx_errors = n->tx_errors, .rx_packets = n->rx_packets,
					    .rx_bytes = n->rx_bytes, .rx_dropped = n->rx_dropped };
	}
	if (which == MIG_VIRTIO_BALLOON) {
		const struct vballoon *b = &d->balloon;
		m->balloon = (struct mig_vballoon){
			.num_pages = b->num_pages, .actual = b->actual, .deflate_to = b->deflate_to,
			.flags = b->deflate_pending ? MIG_BALLOON_DEFLATE_PENDING : 0, .limit = b->limit,
			.violation = (uint32_t)b->violation, .held = b->held, .inflated = b->inflated,
			.deflated = b->deflated, .released_bytes = b->released_bytes,
			.config_changes = b->config_changes, .violation_pfn = b->violation_pfn };
		memcpy(m->balloon.rss, b->rss, sizeof(b->rss));
		memcpy(m->balloon.ram_resident, b->ram_resident, sizeof(b->ram_resident));
	}
}

/* The devices the stream carries, by enum mig_virtio_which. */
static struct virtio_dev *dev_of(struct vm *vm, uint32_t which)
{
	switch (which) {
	case MIG_VIRTIO_BLK:     return &vm->io->blk;
	case MIG_VIRTIO_NET:     return &vm->io->net;
	case MIG_VIRTIO_BALLOON: return &vm->io->balloon;
	default:                 return &vm->io->virtio;
	}
}

int mig_virtio_save(struct mig_out *out, struct vm *vm)
{
	if (!vm->io)
		return 0;
	for (uint32_t w = 0; w < MIG_VIRTIO_DEVS; w++) {
		struct virtio_dev *d = dev_of(vm, w);
		struct mig_virtio m;
		pthread_mutex_lock(&d->lock);
		/* net and balloon go even untouched: the destination builds the balloon
		 * from its section and must have --net, or a guest probing the device
		 * later would find it gone. */
		bool touched = d->type->device_id != 0 &&
			       (w >= MIG_VIRTIO_NET || d->status != 0 || d->resets != 0);
		if (touched)
			save_one(vm, d, w, &m, vm->cfg.io.blk_path);
		pthread_mutex_unlock(&d->lock);
		if (touched && mig_write_section(out, MIG_SEC_VIRTIO, &m, sizeof(m)) != 0)
			return -1;
	}
	return 0;
}

void mig_virtio_drain(struct vm *vm)
{
	if (!vm->io)
		return;
	/* Frames arriving now stay in the source's tap and are lost with it, as a
	 * NIC's are at a switch-over: after this no receive writes guest RAM. */
	vnet_freeze(&vm->io->net);
	/* A doorbell rung before the vCPUs stopped may still wait for the I/O
	 * thread: answer it here, so the chain is done (and its output said) on
	 * this side, once.  virtio_process takes the device lock, so it also waits
	 * for a chain the I/O thread is in the middle of.  A net guest's transmit
	 * chains go out through this side's tap. */
	for (uint32_t w = 0; w < MIG_VIRTIO_DEVS; w++)
		virtio_process(dev_of(vm, w));
}

void mig_virtio_resume(struct vm *vm)
{
	if (vm->io)
		vnet_resume(&vm->io->net);
}

#define REFUSE(...) do { snprintf(err, errlen, "migration stream: " __VA_ARGS__); return -1; } while (0)

/* Is this VM's device the one the stream's guest drove?  0, or -1 with err. */
static int same_device(struct vm *vm, struct virtio_dev *d, const struct mig_virtio *m, char *err, size_t errlen)
{
	const char *name = which_info[m->which].name;

	bool vhost = m->flags & MIG_VIRTIO_F_VHOST;
	if (!d->offload && vhost)       /* no blk here, or kvmlab's own */
		REFUSE("the guest's disk was served by a vhost-user back-end (%s): give --vhost-user-blk SOCKET, "
		       "a back-end on the same image", m->blk_path[0] ? m->blk_path : "a socket");
	if (d->type->device_id != m->device_id) {
		if (m->which == MIG_VIRTIO_BLK)
			REFUSE("the guest drives a virtio-blk on %s: give --blk with that file",
			       m->blk_path[0] ? m->blk_path : "(a file)");
		if (m->which == MIG_VIRTIO_NET)
			REFUSE("the guest drives a virtio-net: give --net (the destination opens a tap of its own)");
		REFUSE("virtio %s: device id %u here, %u in the stream", name, d->type->device_id, m->device_id);
	}
	if (d->offload && !vhost)
		REFUSE("virtio %s: served by a vhost-user back-end here; the stream's device was kvmlab's", name);
	if (d->dev_features != m->dev_features)
		REFUSE("virtio %s: this kvmlab offers features 0x%llx, the stream's device 0x%llx", name,
		       (unsigned long long)d->dev_features, (unsigned long long)m->dev_features);
	if (d->poll != (m->poll != 0))
		REFUSE("virtio %s: the guest was told %s; give the source's --virtio-notify (%s)", name,
		       m->poll ? "not to notify" : "to notify", m->poll ? "poll" : "exit or ioeventfd");
	if (m->which == MIG_VIRTIO_NET && memcmp(d->config, m->config, VNET_MAC_BYTES) != 0)
		REFUSE("virtio net: the guest's MAC is not this device's");
	if (m->which != MIG_VIRTIO_BLK)
		return 0;
	if (vhost) {            /* the image is the back-ends' (shared storage): its size is what kvmlab sees */
		if (d->blk.sectors != m->blk_sectors)
			REFUSE("the vhost-user back-end here serves %llu sectors, the guest's disk held %llu: "
			       "not the same image", (unsigned long long)d->blk.sectors,
			       (unsigned long long)m->blk_sectors);
		return 0;
	}
	struct stat st;
	if (fstat(d->blk.fd, &st) != 0)
		REFUSE("--blk %s: %s", vm->cfg.io.blk_path, strerror(errno));
	if (d->blk.sectors != m->blk_sectors)
		REFUSE("--blk %s holds %llu sectors, the guest's disk %s held %llu: not the same disk",
		       vm->cfg.io.blk_path, (unsigned long long)d->blk.sectors, m->blk_path,
		       (unsigned long long)m->blk_sectors);
	if ((uint64_t)st.st_dev != m->blk_dev || (uint64_t)st.st_ino != m->blk_ino)
		REFUSE("--blk %s is not the guest's disk %s (another file: st_dev/st_ino differ)",
		       vm->cfg.io.blk_path, m->blk_path);
	return 0;
}

static void load_one(struct virtio_dev *d, const struct mig_virtio *m)
{
	d->status = m->status;
	d->isr = m->isr;
	d->generation = m->generation;
	d->dev_feat_sel = m->dev_feat_sel;
	d->drv_feat_sel = m->drv_feat_sel;
	d->queue_sel = m->queue_sel;
	d->drv_features = m->drv_features;
	for (int i = 0; i < VIRTIO_QUEUES_MAX; i++)
		d->q[i] = (struct virtq){ .num = m->q[i].num, .ready = m->q[i].ready,
					  .last_avail = m->q[i].last_avail, .used_idx = m->q[i].used_idx,
					  .desc = m->q[i].desc, .avail = m->q[i].avail, .used = m->q[i].used };
	d->error = (int)m->error;
	snprintf(d->error_detail, sizeof(d->error_detail), "%s", m->error_detail);
	d->errors = m->errors;
	d->resets = m->resets;
	d->notifies = m->notifies;
	d->chains = m->chains;
	d->bytes = m->bytes;
	d->fnv = m->fnv;
	if (m->which == MIG_VIRTIO_BLK) {
		d->blk.reads = m->blk_reads;
		d->blk.writes = m->blk_writes;
		d->blk.flushes = m->blk_flushes;
		d->blk.get_ids = m->blk_get_ids;
		d->blk.ioerr = m->blk_ioerr;
		d->blk.unsupported = m->blk_unsupported;
		d->blk.bytes_read = m->blk_bytes_read;
		d->blk.bytes_written = m->blk_bytes_written;
	}
	if (m->which == MIG_VIRTIO_NET) {
		struct vnet *n = &d->net;
		n->tx_packets = m->net.tx_packets;
		n->tx_bytes = m->net.tx_bytes;
		n->tx_errors = m->net.tx_errors;
		n->rx_packets = m->net.rx_packets;
		n->rx_bytes = m->net.rx_bytes;
		n->rx_dropped = m->net.rx_dropped;
	}
	if (m->which == MIG_VIRTIO_BALLOON) {   /* its pages: mig_balloon_load */
		struct vballoon *b = &d->balloon;
		b->num_pages = m->balloon.num_pages;
		b->actual = m->balloon.actual;
		b->deflate_to = m->balloon.deflate_to;
		b->deflate_pending = m->balloon.flags & MIG_BALLOON_DEFLATE_PENDING;
		b->limit = m->balloon.limit;
		b->held = m->balloon.held;
		b->inflated = m->balloon.inflated;
		b->deflated = m->balloon.deflated;
		b->released_bytes = m->balloon.released_bytes;
		b->config_changes = m->balloon.config_changes;
		b->violation = (int)m->balloon.violation;
		b->violation_pfn = m->balloon.violation_pfn;
		memcpy(b->rss, m->balloon.rss, sizeof(b->rss));
		memcpy(b->ram_resident, m->balloon.ram_resident, sizeof(b->ram_resident));
		memcpy(d->config, m->config, sizeof(d->config));
	}
}

/* The destination has no balloon of its own (receive and restore take no
 * --balloon): the stream's guest brings one, built here at power-on like
 * run --balloon's.  No vCPU runs yet and no thread serves this slot.  0 or -1. */
static int balloon_adopt(struct vm *vm, struct virtio_dev *d, const struct mig_virtio *m, char *err, size_t errlen)
{
	if (d->type != &virtio_none_type)
		return 0;
	virtio_free_balloon(d);
	pthread_mutex_destroy(&d->lock);
	if (virtio_init_balloon(d, &vm->mem, true, m->balloon.limit, -1) != 0)
		REFUSE("virtio balloon: out of memory for the page map");
	return 0;
}

int mig_virtio_load(struct vm *vm, const struct mig_image *img, char *err, size_t errlen)
{
	/* Every device first, then any state: a refusal leaves every device at power-on. */
	for (uint32_t w = 0; w < MIG_VIRTIO_DEVS; w++) {
		if (!img->have_virtio[w])
			continue;
		struct virtio_dev *d = dev_of(vm, w);
		if (w == MIG_VIRTIO_BALLOON && balloon_adopt(vm, d, &img->virtio[w], err, errlen) != 0)
			return -1;
		if (same_device(vm, d, &img->virtio[w], err, errlen) != 0)
			return -1;
		for (int i = 0; i < VIRTIO_QUEUES_MAX; i++) {
			const struct mig_virtq *q = &img->virtio[w].q[i];
			struct virtq vq = { .num = q->num, .desc = q->desc, .avail = q->avail, .used = q->used };
			if (!q->ready)
				continue;
			gmem_hold(&vm->mem);
			int e = virtq_check(&vm->mem, &vq, VIRTQ_NUM_MAX);
			gmem_release(&vm->mem);
			if (e != VQ_OK)
				REFUSE("virtio %s: queue %d: %s in this VM's RAM", which_info[w].name, i, virtq_err_name(e));
		}
	}
	for (uint32_t w = 0; w < MIG_VIRTIO_DEVS; w++) {
		if (!img->have_virtio[w])
			continue;
		struct virtio_dev *d = dev_of(vm, w);
		pthread_mutex_lock(&d->lock);
		load_one(d, &img->virtio[w]);
		pthread_mutex_unlock(&d->lock);
	}
	if (img->have_virtio[MIG_VIRTIO_NET])
		vnet_resume(&vm->io->net);      /* the backend parked at power-on: the rings are live now */
	return mig_vhost_load(vm, img, err, errlen);    /* a vhost-user ring goes on at its index */
}

/* The dirty bitmap the devices write into (vm->io's devices' dirtied hook). */
struct track { uint64_t *bm, npages; };
static struct track track_state;        /* one live migration per process (kvmlab run --migrate-to) */

static void track_dirtied(void *arg, uint64_t gpa, uint64_t len)
{
	struct track *t = arg;

	if (len == 0)
		return;
	for (uint64_t pg = gpa / MIG_PAGE; pg <= (gpa + len - 1) / MIG_PAGE && pg < t->npages; pg++)
		__atomic_fetch_or(&t->bm[pg / 64], 1ULL << (pg % 64), __ATOMIC_RELAXED);
}

void mig_virtio_track(struct vm *vm, uint64_t *bm, uint64_t npages)
{
	if (!vm->io)
		return;
	if (bm)                         /* set before any hook can read it, and never while one can */
		track_state = (struct track){ .bm = bm, .npages = npages };
	for (uint32_t w = 0; w < MIG_VIRTIO_DEVS; w++) {
		struct virtio_dev *d = dev_of(vm, w);
		pthread_mutex_lock(&d->lock);   /* the hook is called under it */
		d->dirtied = bm ? track_dirtied : NULL;
		d->dirtied_arg = bm ? &track_state : NULL;
		pthread_mutex_unlock(&d->lock);
	}
}
