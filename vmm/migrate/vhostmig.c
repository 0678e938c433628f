/*
 * vhostmig.c - a guest whose virtio-blk is served by a vhost-user back-end,
 * migrated as QEMU does it (QEMU docs/interop/vhost-user.rst, "Migration"):
 *
 *   pre-copy     the back-end writes guest RAM behind KVM's back (read data,
 *                the used ring), so KVM's dirty log misses it: kvmlab shares a
 *                log bitmap (SET_LOG_BASE, VHOST_F_LOG_ALL, VHOST_VRING_F_LOG)
 *                and each round merges its bits into the pages to send.  A
 *                back-end that cannot log is refused before the first byte.
 *   stop-and-copy the ring is stopped (GET_VRING_BASE: where the back-end will
 *                go on), the log is taken once more, and the index travels in
 *                the blk VIRTIO section (devstate.c, MIG_VIRTIO_F_VHOST).
 *   destination  its own back-end (--vhost-user-blk, a second instance on the
 *                same image: shared storage) gets the ring at that index
 *                (SET_VRING_BASE); under post-copy only once every page is
 *                in, since a back-end reading a missing page would see zeros.
 *   failure      the ring goes back to the source's back-end where it stopped.
 */
#include "kvmlab.h"

static struct vhost_blk *vb_of(struct vm *vm)
{
	return vm->io ? vm->io->vhost : NULL;
}

int mig_vhost_log_start(struct vm *vm, char *err, size_t errlen)
{
	struct vhost_blk *vb = vb_of(vm);
	uint64_t end = 0;
	char why[400];

	if (!vb)
		return 0;
	for (int i = 0; i < vm->mem.nslots; i++)        /* the regions the back-end maps */
		if (vm->mem.slot[i].memfd >= 0 && vm->mem.slot[i].gpa + vm->mem.slot[i].size > end)
			end = vm->mem.slot[i].gpa + vm->mem.slot[i].size;
	if (vhost_blk_log_start(vb, end, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "migration refused: %s", why);
		return -1;
	}
	return 0;
}

uint64_t mig_vhost_harvest(struct vm *vm, uint64_t *bm, uint64_t npages)
{
	return vhost_blk_log_take(vb_of(vm), bm, npages);
}

void mig_vhost_log_end(struct vm *vm)
{
	vhost_blk_log_end(vb_of(vm));
}

int mig_vhost_stop(struct vm *vm, char *err, size_t errlen)
{
	struct vhost_blk *vb = vb_of(vm);
	uint16_t base = 0;
	bool started;
	char why[300];

	if (!vb)
		return 0;
	if (vhost_blk_mig_stop(vb, &base, &started, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "migration: stopping the vhost-user ring: %s", why);
		return -1;
	}
	return 0;
}

void mig_vhost_resume(struct vm *vm)
{
	struct vhost_blk *vb = vb_of(vm);
	char why[300];

	if (vb && vhost_blk_mig_resume(vb, why, sizeof(why)) != 0)
		warnx_("migration failed, and the vhost-user ring did not go back to the back-end: %s", why);
}

int mig_vhost_load(struct vm *vm, const struct mig_image *img, char *err, size_t errlen)
{
	const struct mig_virtio *m = &img->virtio[MIG_VIRTIO_BLK];
	struct vhost_blk *vb = vb_of(vm);
	char why[300];

	if (!img->have_virtio[MIG_VIRTIO_BLK] || !(m->flags & MIG_VIRTIO_F_VHOST) || !vb)
		return 0;               /* same_device (devstate.c) matched the two sides already */
	if (vhost_blk_mig_start(vb, m->q[0].last_avail, img->postcopy, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "migration: handing the ring to this side's vhost-user back-end: %s", why);
		return -1;
	}
	return 0;
}

void mig_vhost_postcopy_done(void *arg)
{
	struct vm *vm = arg;
	char why[300];

	if (vhost_blk_mig_deferred(vb_of(vm), why, sizeof(why)) != 0)
		warnx_("post-copy: handing the ring to this side's vhost-user back-end: %s: the block device "
		       "needs a reset", why);
}
