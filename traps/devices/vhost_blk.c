/*
 * vhost_blk.c - the virtio-blk device at GPA_VIRTIO_BLK, served by a
 * vhost-user back-end (--vhost-user-blk SOCKET) instead of by kvmlab.
 *
 * kvmlab keeps the virtio-mmio transport (the guest's register accesses:
 * probe, features, queue layout, status) and hands everything after
 * DRIVER_OK to the back-end process:
 *   guest RAM      the memfds of the RAM slots (SET_MEM_TABLE, SCM_RIGHTS)
 *   the doorbell   QueueNotify is a KVM ioeventfd (machine.c row "virtio-blk"),
 *                  given to the back-end as its kick fd: the guest's write
 *                  completes inside KVM and wakes the back-end directly
 *   completion     the call fd: an irqfd (IOAPIC pin VIRTIO_BLK_GSI) with
 *                  --irqchip kernel, else an eventfd kvmlab's watch thread
 *                  reads to check the used ring (vhost_watch.c) while the
 *                  guest polls it
 * So on the data path no exit reaches kvmlab and no kvmlab thread runs
 * (with the irqfd), which is what vhost means: the VMM only sets up.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/virtio_config.h>

#include "kvmlab.h"
#include "traps/devices/vhost_blk.h"

#define VHOST_REPLY_TIMEOUT_MS 5000     /* a back-end silent this long is dead (docs/io.md "vhost-user") */
#define VHOST_DRAIN_MS         1000     /* after GET_VRING_BASE: requests in flight must complete within it */
#define VBLK_CONFIG_BYTES      16       /* capacity, size_max, seg_max (virtio 1.1 5.2.4) = VIRTIO_CONFIG_MAX */
#define VBLK_F_DEVICE_MASK     0xFFFFFFULL  /* bits 0-23: device-type features (virtio 1.1 6) */
_Static_assert(VBLK_CONFIG_BYTES == VIRTIO_CONFIG_MAX, "GET_CONFIG fills the config space kvmlab models");

/* The memory the back-end may see: every shareable slot (a memfd each) but
 * slot `leaving` (-1: none).  gmem_hold or the slots' writer lock held. */
static int blk_regions(const struct guest_mem *m, int leaving, struct vhu_region *reg, int *fds)
{
	int nreg = 0;

	for (int i = 0; i < m->nslots && nreg < (int)VHU_REGIONS_MAX; i++) {
		const struct mem_slot *s = &m->slot[i];
		if (s->memfd < 0 || (int)s->id == leaving)
			continue;               /* not shareable (ROM, anon): the back-end cannot see it */
		reg[nreg] = (struct vhu_region){ .gpa = s->gpa, .size = s->size,
						 .uva = (uint64_t)(uintptr_t)s->hva, .mmap_offset = 0 };
		fds[nreg++] = s->memfd;
	}
	return nreg;
}

/* DRIVER_OK: guest RAM, the ring's host addresses, kick and call.  Lock and gmem_hold held. */
static int blk_start(struct virtio_dev *d, char *why, size_t n)
{
	struct vhost_blk *vb = d->offload_arg;
	const struct guest_mem *m = d->mem;
	struct vhu_region reg[VHU_REGIONS_MAX];
	int fds[VHU_REGIONS_MAX];
	int nreg = blk_regions(m, -1, reg, fds);
	struct virtq *q = &d->q[0];

	if (!q->ready) {
		snprintf(why, n, "vhost-user start: DRIVER_OK without a ready requestq");
		return -1;
	}
	/* Ring addresses are the front-end's virtual addresses (vhost-user.rst
	 * "Vring address description"); QueueReady already checked them. */
	struct vhost_ring ring = {
		.num = q->num,
		.desc = (uint64_t)(uintptr_t)gmem_ptr(m, q->desc, 16ull * q->num),
		.avail = (uint64_t)(uintptr_t)gmem_ptr(m, q->avail, 6 + 2ull * q->num),
		.used = (uint64_t)(uintptr_t)gmem_ptr(m, q->used, 6 + 8ull * q->num),
		.kick = d->kick.on ? d->kick.efd : vb->kick, .call = vb->call,
		.base = vb->base,               /* 0, or where a migrated ring stopped */
	};
	if (!ring.desc || !ring.avail || !ring.used) {
		snprintf(why, n, "vhost-user start: a ring is not in guest RAM");
		return -1;
	}
	if (vb->irqfd_wanted && !vb->irqfd) {
		struct kvm_irqfd irq = { .fd = (uint32_t)vb->call, .gsi = VIRTIO_BLK_GSI };
		if (ioctl(vb->vm->fd, KVM_IRQFD, &irq) == 0)
			vb->irqfd = true;       /* else kvmlab watches the call fd itself */
	}
	vb->front.log_used = q->used;   /* log_guest_addr, should a migration be logging */
	if (vhost_front_start(&vb->front, d->drv_features, reg, fds, nreg, &ring, why, n) != 0)
		return -1;
	vb->watch_seen = vb->base;      /* entries before it were checked on the source */
	vb->base = 0;
	vb->watch_q = *q;
	vb->regions = nreg;
	return vhost_watch_start(vb, why, n);
}

static void blk_stop(struct virtio_dev *d)
{
	struct vhost_blk *vb = d->offload_arg;
	char err[200];

	vhost_watch_stop(vb);
	vb->deferred = false;           /* a reset: the driver starts over at index 0 */
	vb->base = 0;
	if (vhost_front_stop(&vb->front, err, sizeof(err)) != 0)
		snprintf(vb->stop_error, sizeof(vb->stop_error), "%s", err);
}

static void blk_kick(struct virtio_dev *d)
{
	struct vhost_blk *vb = d->offload_arg;
	uint64_t one = 1;

	vb->kicks_relayed++;
	if (vb->kick >= 0 && write(vb->kick, &one, sizeof(one)) != sizeof(one))
		warnx_("vhost-user kick: %s", strerror(errno));
}

static const struct virtio_offload vhost_offload = { .start = blk_start, .stop = blk_stop, .kick = blk_kick };

static int mem_listener_changed(void *opaque, int leaving, char *err, size_t errlen)
{
	return vhost_blk_mem_changed(opaque, leaving, err, errlen);
}

int vhost_blk_setup(struct vm *vm, struct virtio_dev *d, const char *sock, char *err, size_t errlen)
{
	struct vhost_blk *vb = calloc(1, sizeof(*vb));

	if (!vb) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	vb->vm = vm;
	vb->kick = vb->call = vb->stopfd = vb->log_fd = -1;
	vb->front.sock = vb->front.log_fd = -1;        /* not connected (yet): teardown after a refusal is safe */
	vm->io->vhost = vb;
	vb->mem = (struct mem_listener){ .name = "vhost-user-blk", .changed = mem_listener_changed, .opaque = vb };
	if (memregion_listen(&vm->mem, &vb->mem) != 0) {
		snprintf(err, errlen, "vhost-user-blk: no room among the memory listeners (%d)", MEM_LISTENERS_MAX);
		vb->mem.opaque = NULL;
		return -1;
	}
	if (vm->cfg.sandbox) {
		/* The hand-over at DRIVER_OK runs on the vCPU thread: sendmsg, eventfd, a thread. */
		snprintf(err, errlen, "--vhost-user-blk cannot run under --sandbox: the vhost-user set-up at DRIVER_OK "
			 "makes system calls the vCPU thread's allowlist forbids");
		return -1;
	}
	for (int i = 0; i < vm->mem.nslots; i++)
		if (!strcmp(vm->mem.slot[i].name ? vm->mem.slot[i].name : "", "ram") && vm->mem.slot[i].memfd < 0) {
			snprintf(err, errlen, "--vhost-user-blk needs guest RAM in a memfd the back-end can map "
				 "(--backing memfd, not %s)", backing_name(vm->mem.slot[i].backing));
			return -1;
		}
	uint64_t t0 = setup_clock();
	if (vhost_front_connect(&vb->front, sock, VBLK_CONFIG_BYTES, VHOST_REPLY_TIMEOUT_MS, err, errlen) != 0)
		return -1;
	setup_record(&vm->setup, "vhost-user connect", "connect+GET_CONFIG", t0);
	if (!(vb->front.features & (1ULL << VIRTIO_F_VERSION_1))) {
		snprintf(err, errlen, "vhost-user back-end at %s does not offer VIRTIO_F_VERSION_1", sock);
		return -1;
	}
	uint64_t sectors;
	memcpy(&sectors, vb->front.config, sizeof(sectors));   /* struct virtio_blk_config.capacity */
	if (sectors == 0) {
		snprintf(err, errlen, "vhost-user back-end at %s reports a disk of 0 sectors", sock);
		return -1;
	}
	vb->call = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	vb->kick = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);      /* used only without the ioeventfd */
	if (vb->call < 0 || vb->kick < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		return -1;
	}
	vb->irqfd_wanted = vm->cfg.irqchip == IRQ_KERNEL && kvm_has(vm->kvm, CAP_IRQFD);
	virtio_init_blk(d, &vm->mem, -1, sectors);
	d->type = &virtio_blk_type;
	memcpy(d->config, vb->front.config, VBLK_CONFIG_BYTES);
	/* The guest sees the back-end's device features that kvmlab's transport can carry. */
	d->dev_features = vb->front.features & ((1ULL << VIRTIO_F_VERSION_1) | VBLK_F_DEVICE_MASK);
	d->offload = &vhost_offload;
	d->offload_arg = vb;
	vb->dev = d;
	vlog("vhost-user %s: features 0x%llx, protocol features 0x%llx, %llu sectors", sock,
	     (unsigned long long)vb->front.features, (unsigned long long)vb->front.protocol,
	     (unsigned long long)sectors);
	return 0;
}

/* ---- live migration ---- */

int vhost_blk_log_start(struct vhost_blk *vb, uint64_t ram_end, char *err, size_t errlen)
{
	/* vhost-user.rst "Migration": the log covers GPA 0 to the end of guest RAM. */
	uint64_t pages = (ram_end + VHU_LOG_PAGE - 1) / VHU_LOG_PAGE;
	uint64_t bytes = (pages + 63) / 64 * 8;         /* whole words: kvmlab takes them atomically */

	vhost_blk_log_end(vb);
	vb->log_fd = memfd_create("kvmlab-vhost-log", MFD_CLOEXEC);
	if (vb->log_fd < 0 || ftruncate(vb->log_fd, (off_t)bytes) != 0) {
		snprintf(err, errlen, "vhost-user dirty log: memfd of %llu bytes: %s", (unsigned long long)bytes,
			 strerror(errno));
		vhost_blk_log_end(vb);
		return -1;
	}
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, vb->log_fd, 0);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "vhost-user dirty log: mmap: %s", strerror(errno));
		vhost_blk_log_end(vb);
		return -1;
	}
	vb->log = p;
	vb->log_bytes = bytes;
	vb->log_pages = 0;
	pthread_mutex_lock(&vb->dev->lock);     /* the vCPU thread's DRIVER_OK or reset talks on the socket too */
	int rc = vhost_front_log(&vb->front, vb->log_fd, bytes, vb->dev->q[0].used, err, errlen);
	pthread_mutex_unlock(&vb->dev->lock);
	if (rc != 0) {
		munmap(vb->log, vb->log_bytes);
		vb->log = NULL;
		close(vb->log_fd);
		vb->log_fd = -1;
		vb->front.log_fd = -1;
	}
	return rc;
}

uint64_t vhost_blk_log_take(struct vhost_blk *vb, uint64_t *bm, uint64_t npages)
{
	uint64_t n = 0, words = (npages + 63) / 64;

	if (!vb || !vb->log)
		return 0;
	if (words > vb->log_bytes / 8)
		words = vb->log_bytes / 8;
	/* Bit page % 8 of byte page / 8 is, on little-endian x86, bit page % 64 of
	 * word page / 64: the migration's own layout.  Exchange, as QEMU's
	 * vhost_sync_dirty_bitmap does: a bit the back-end sets meanwhile stays. */
	for (uint64_t w = 0; w < words; w++) {
		uint64_t bits = __atomic_exchange_n(&vb->log[w], 0, __ATOMIC_ACQ_REL);
		if (w == words - 1 && npages % 64)
			bits &= (1ULL << (npages % 64)) - 1;
		bm[w] |= bits;
		n += (uint64_t)__builtin_popcountll(bits);
	}
	vb->log_pages += n;
	return n;
}

void vhost_blk_log_end(struct vhost_blk *vb)
{
	char err[200];

	if (!vb)
		return;
	if (vb->dev && vb->front.log_fd >= 0 && vb->front.sock >= 0) {
		pthread_mutex_lock(&vb->dev->lock);
		if (vhost_front_log(&vb->front, -1, 0, 0, err, sizeof(err)) != 0)
			warnx_("%s (ending the dirty log)", err);
		pthread_mutex_unlock(&vb->dev->lock);
	}
	vb->front.log_fd = -1;
	if (vb->log)
		munmap(vb->log, vb->log_bytes);
	vb->log = NULL;
	vb->log_bytes = 0;
	if (vb->log_fd >= 0)
		close(vb->log_fd);
	vb->log_fd = -1;
}

int vhost_blk_mem_changed(struct vhost_blk *vb, int leaving, char *err, size_t errlen)
{
	struct virtio_dev *d = vb->dev;
	struct vhu_region reg[VHU_REGIONS_MAX];
	int fds[VHU_REGIONS_MAX];
	int rc = 0;

	pthread_mutex_lock(&d->lock);
	if (!vb->front.started) {
		pthread_mutex_unlock(&d->lock);
		return 0;               /* the next start sends the table as it is then */
	}
	/* Without REPLY_ACK nothing orders the table before the guest's next kick,
	 * which reaches the back-end by the ioeventfd, not by this socket. */
	if (!(vb->front.protocol & VHU_PF_REPLY_ACK)) {
		snprintf(err, errlen, "the vhost-user back-end does not offer VHOST_USER_PROTOCOL_F_REPLY_ACK: "
			 "it could serve the guest's next request before it maps the new memory");
		rc = -1;
	} else {
		gmem_hold(d->mem);
		int nreg = blk_regions(d->mem, leaving, reg, fds);
		rc = vhost_front_set_mem_table(&vb->front, reg, fds, nreg, err, errlen);
		gmem_release(d->mem);
		if (rc == 0)
			vb->regions = nreg;
	}
	pthread_mutex_unlock(&d->lock);
	return rc;
}

int vhost_blk_mig_stop(struct vhost_blk *vb, uint16_t *base, bool *started, char *err, size_t errlen)
{
	struct virtio_dev *d = vb->dev;
	int rc = 0;

	pthread_mutex_lock(&d->lock);
	*started = vb->front.started;
	if (vb->front.started) {
		vhost_watch_stop(vb);
		rc = vhost_front_stop(&vb->front, err, errlen);
		if (rc == 0) {
			vb->mig_stopped = true;
			*base = (uint16_t)vb->front.stop_base;
			/* The stream carries one index for both (devstate.c): a chain the back-end
			 * took but has not used would be lost, so none may be in flight. */
			uint16_t used = 0;
			int e = 0;
			/* A back-end that serves requests asynchronously (qemu-storage-daemon)
			 * may finish one after it answered: give it VHOST_DRAIN_MS to do so. */
			for (int ms = 0; ms <= VHOST_DRAIN_MS; ms++) {
				gmem_hold(d->mem);
				e = gmem_read(d->mem, d->q[0].used + 2, &used, sizeof(used));
				gmem_release(d->mem);
				if (e != 0 || used == *base)
					break;
				usleep(1000);
			}
			if (e != 0 || used != *base) {
				snprintf(err, errlen, "vhost-user back-end stopped at avail index %u with used index %u: "
					 "requests in flight cannot migrate", *base, used);
				rc = -1;
			}
		}
	}
	pthread_mutex_unlock(&d->lock);
	return rc;
}

/* Starts the ring at vb->base and rings its doorbell once: a request the guest
 * published while the ring was away is then served (a spare kick is harmless).
 * d->lock held. */
static int mig_hand_over(struct vhost_blk *vb, char *err, size_t errlen)
{
	struct virtio_dev *d = vb->dev;
	uint64_t one = 1;

	gmem_hold(d->mem);
	int rc = blk_start(d, err, errlen);
	gmem_release(d->mem);
	int kick = d->kick.on ? d->kick.efd : vb->kick;
	if (rc == 0 && kick >= 0 && write(kick, &one, sizeof(one)) != sizeof(one))
		warnx_("vhost-user kick: %s", strerror(errno));
	return rc;
}

int vhost_blk_mig_resume(struct vhost_blk *vb, char *err, size_t errlen)
{
	int rc = 0;

	pthread_mutex_lock(&vb->dev->lock);
	if (vb->mig_stopped) {
		vb->mig_stopped = false;
		vb->base = (uint16_t)vb->front.stop_base;
		rc = mig_hand_over(vb, err, errlen);
	}
	pthread_mutex_unlock(&vb->dev->lock);
	return rc;
}

int vhost_blk_mig_start(struct vhost_blk *vb, uint16_t base, bool defer, char *err, size_t errlen)
{
	struct virtio_dev *d = vb->dev;
	int rc = 0;

	pthread_mutex_lock(&d->lock);
	if ((d->status & VIRTIO_CONFIG_S_DRIVER_OK) && !(d->status & VIRTIO_CONFIG_S_NEEDS_RESET)) {
		vb->base = base;
		if (defer && !vb->pages_in)
			vb->deferred = true;
		else
			rc = mig_hand_over(vb, err, errlen);
	}
	pthread_mutex_unlock(&d->lock);
	return rc;
}

int vhost_blk_mig_deferred(struct vhost_blk *vb, char *err, size_t errlen)
{
	int rc = 0;

	if (!vb)
		return 0;
	pthread_mutex_lock(&vb->dev->lock);
	vb->pages_in = true;            /* a load still to come hands over at once */
	if (vb->deferred) {
		vb->deferred = false;
		/* A reset meanwhile took the ring back to power-on: nothing to hand over. */
		if (vb->dev->status & VIRTIO_CONFIG_S_DRIVER_OK)
			rc = mig_hand_over(vb, err, errlen);
		if (rc != 0) {          /* the guest runs already: its device fails, as at DRIVER_OK */
			virtio_fail(vb->dev, VQ_ERR_BACKEND, "vhost-user start");
			snprintf(vb->dev->error_detail, sizeof(vb->dev->error_detail), "%s", err);
		}
	}
	pthread_mutex_unlock(&vb->dev->lock);
	return rc;
}

void vhost_blk_quiesce(struct vhost_blk *vb)
{
	if (!vb)
		return;
	vhost_watch_stop(vb);
	if (vb->dev) {
		pthread_mutex_lock(&vb->dev->lock);
		if (vb->front.started)
			blk_stop(vb->dev);
		pthread_mutex_unlock(&vb->dev->lock);
	}
	uint64_t n;
	if (vb->call >= 0 && !vb->irqfd && read(vb->call, &n, sizeof(n)) == sizeof(n))
		vb->calls += n;
}

void vhost_blk_teardown(struct vhost_blk *vb)
{
	if (!vb)
		return;
	vhost_blk_quiesce(vb);
	if (vb->mem.opaque)
		memregion_unlisten(&vb->vm->mem, &vb->mem);
	vhost_blk_log_end(vb);
	vhost_front_close(&vb->front);
	/* An irqfd's eventfd stays registered until the VM fd closes; closing ours is fine then. */
	if (vb->call >= 0)
		close(vb->call);
	if (vb->kick >= 0)
		close(vb->kick);
	free(vb);
}
