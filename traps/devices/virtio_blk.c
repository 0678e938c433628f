/*
 * virtio_blk.c - a virtio block device (device id 2, virtio 1.1 section 5.2)
 * backed by a file, usually a sparse one.
 *
 * A request is one chain: a 16-byte device-readable header
 * { u32 type; u32 reserved; u64 sector }, then the data (device-readable for
 * a write, device-writable for a read), then one device-writable status byte
 * (5.2.6).  The device must not assume how the driver split that into
 * descriptors (2.6.4 "Message Framing"), so it treats the readable and the
 * writable parts of a chain as two byte streams.
 *
 * Sectors the guest never writes are never written to the file either: a
 * file created with ftruncate() has no blocks, and it gains blocks only
 * where the guest writes - which is why raw and qcow2 images are "sparse"
 * and grow on demand.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "kvmlab.h"

#define VBLK_SECTOR         512u
#define VBLK_HDR            16u
#define VIRTIO_BLK_T_IN     0u          /* read */
#define VIRTIO_BLK_T_OUT    1u          /* write */
#define VIRTIO_BLK_T_FLUSH  4u
#define VIRTIO_BLK_T_GET_ID 8u
#define VIRTIO_BLK_S_OK     0u
#define VIRTIO_BLK_S_IOERR  1u
#define VIRTIO_BLK_S_UNSUPP 2u
#define VIRTIO_BLK_ID_BYTES 20u
static const char blk_id[] = "kvmlab-virtio-blk";

/* pread/pwrite sector by sector through a bounce buffer: simple, and a short
 * read past the end of a sparse file is zeros, as on a disk never written. */
static uint8_t file_io(struct virtio_dev *d, const struct virtq_chain *c, bool in,
		       uint64_t sector, uint64_t bytes, int *err)
{
	uint8_t sec[VBLK_SECTOR];

	for (uint64_t done = 0; done < bytes; done += VBLK_SECTOR) {
		off_t pos = (off_t)((sector * VBLK_SECTOR) + done);
		if (in) {
			ssize_t r = pread(d->blk.fd, sec, VBLK_SECTOR, pos);
			if (r < 0)
				return VIRTIO_BLK_S_IOERR;
			memset(sec + r, 0, VBLK_SECTOR - (size_t)r);
			if ((*err = virtq_chain_copy(d->mem, c, true, done, sec, VBLK_SECTOR, true)) != 0)
				return VIRTIO_BLK_S_IOERR;
		} else {
			if ((*err = virtq_chain_copy(d->mem, c, false, VBLK_HDR + done, sec, VBLK_SECTOR, false)) != 0)
				return VIRTIO_BLK_S_IOERR;
			if (pwrite(d->blk.fd, sec, VBLK_SECTOR, pos) != VBLK_SECTOR)
				return VIRTIO_BLK_S_IOERR;
		}
	}
	return VIRTIO_BLK_S_OK;
}

static int blk_chain(struct virtio_dev *d, const struct virtq_chain *c, uint32_t *written)
{
	struct vblk *b = &d->blk;
	struct { uint32_t type, reserved; uint64_t sector; } __attribute__((packed)) hdr;
	uint8_t status = VIRTIO_BLK_S_OK;
	int err = 0;

	*written = 0;
	if (c->readable < VBLK_HDR || c->writable < 1)
		return -VQ_ERR_REQUEST;                 /* no header, or nowhere to say how it went */
	if (virtq_chain_copy(d->mem, c, false, 0, (uint8_t *)&hdr, sizeof(hdr), false) != 0)
		return -VQ_ERR_REQUEST;
	uint64_t in_data = c->writable - 1, out_data = c->readable - VBLK_HDR;

	switch (hdr.type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT: {
		bool in = hdr.type == VIRTIO_BLK_T_IN;
		uint64_t bytes = in ? in_data : out_data;
		/* Whole sectors, inside the disk: sector + n <= capacity without overflow. */
		if (bytes % VBLK_SECTOR || hdr.sector > b->sectors || bytes / VBLK_SECTOR > b->sectors - hdr.sector) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		status = file_io(d, c, in, hdr.sector, bytes, &err);
		if (err)
			return err;
		if (status == VIRTIO_BLK_S_OK) {
			if (in) {
				b->reads++;
				b->bytes_read += bytes;
				*written = (uint32_t)bytes;
			} else {
				b->writes++;
				b->bytes_written += bytes;
			}
		}
		break;
	}
	case VIRTIO_BLK_T_FLUSH:
		b->flushes++;
		status = fsync(b->fd) == 0 ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
		break;
	case VIRTIO_BLK_T_GET_ID: {
		uint8_t id[VIRTIO_BLK_ID_BYTES] = { 0 };
		uint64_t n = in_data < sizeof(id) ? in_data : sizeof(id);
		memcpy(id, blk_id, sizeof(blk_id) - 1);
		if ((err = virtq_chain_copy(d->mem, c, true, 0, id, n, true)) != 0)
			return err;
		b->get_ids++;
		*written = (uint32_t)n;
		break;
	}
	default:
		status = VIRTIO_BLK_S_UNSUPP;
	}
	if (status == VIRTIO_BLK_S_IOERR)
		b->ioerr++;
	else if (status == VIRTIO_BLK_S_UNSUPP)
		b->unsupported++;
	/* The status byte is the last byte of the writable stream. */
	if ((err = virtq_chain_copy(d->mem, c, true, c->writable - 1, &status, 1, true)) != 0)
		return err;
	*written += 1;
	return 0;
}

const struct virtio_type virtio_blk_type = {
	.name = "block", .device_id = 2, .nqueues = 1, .work_queue = 0, .chain = blk_chain,
};
