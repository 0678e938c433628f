/*
 * virtio_net.c - a virtio network device (device id 1, virtio 1.1 section 5.1)
 * with no offloads, its frames going to and coming from a tap (tap.c).
 *
 * Two queues (5.1.2): receiveq1 (0), whose buffers the driver gives the
 * device to fill, and transmitq1 (1), whose buffers carry frames out.  Every
 * frame is preceded by struct virtio_net_hdr (5.1.6): 12 bytes once
 * VIRTIO_F_VERSION_1 is negotiated, num_buffers included.  kvmlab offers only
 * VIRTIO_NET_F_MAC (5.1.3): no checksum or segmentation offload, so the
 * driver sends whole Ethernet frames with flags 0 and gso_type NONE
 * (5.1.6.2.1) and the header carries nothing the device must act on.
 *
 * Transmit runs where the doorbell rang (the vCPU thread on an exit, the
 * backend thread on an ioeventfd): one chain = header + one frame, written
 * to the tap with one write(2).  Receive runs on the backend thread, where
 * frames arrive: one frame per receive buffer (5.1.6.3.1: without
 * VIRTIO_NET_F_MRG_RXBUF a buffer holds a whole frame, num_buffers = 1,
 * 5.1.6.4).  A frame too big for the buffer the driver gave is dropped and
 * counted; the buffer goes back with length 0.
 *
 * What a driver may not do: a transmit chain with a device-writable buffer,
 * without a full header, or with a frame shorter than an Ethernet header or
 * longer than one Ethernet frame; a receive chain with device-readable
 * buffers.  Any of these breaks the device (DEVICE_NEEDS_RESET, 2.1.2)
 * until the driver resets it.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <linux/virtio_config.h>

#include "kvmlab.h"

#define VIRTIO_NET_F_MAC_BIT  (1ULL << 5)   /* 5.1.3: config.mac is valid */
#define VNET_MAC_LEN          6u
#define VNET_RX_BURST         64            /* frames per vnet_rx call: bounds the work under the lock */
#define FNV_PRIME             16777619u

/* One transmit chain: header, then the frame, all device-readable (5.1.6.2). */
static int net_tx(struct virtio_dev *d, const struct virtq_chain *c, uint32_t *written)
{
	struct vnet *n = &d->net;
	uint8_t frame[VNET_FRAME_MAX];

	*written = 0;                   /* the device writes nothing into transmit buffers */
	if (c->writable || c->readable < VNET_HDR_LEN)
		return -VQ_ERR_REQUEST;
	uint64_t len = c->readable - VNET_HDR_LEN;
	if (len < VNET_FRAME_MIN || len > VNET_FRAME_MAX)
		return -VQ_ERR_FRAME;
	int e = virtq_chain_copy(d->mem, c, false, VNET_HDR_LEN, frame, len, false);
	if (e)
		return e;
	for (uint64_t i = 0; i < len; i++)
		d->fnv = (d->fnv ^ frame[i]) * FNV_PRIME;
	d->bytes += len;
	/* A tap write is one frame; a full tap queue drops it, as a wire would. */
	if (write(n->tapfd, frame, len) != (ssize_t)len) {
		n->tx_errors++;
		return 0;
	}
	n->tx_packets++;
	n->tx_bytes += len;
	return 0;
}

bool vnet_rx_open(const struct virtio_dev *d)
{
	return d->net.tapfd >= 0 && !d->net.frozen && (d->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	       !(d->status & VIRTIO_CONFIG_S_NEEDS_RESET) && d->q[VNET_RXQ].ready && !d->net.starved;
}

/* One pending frame into one receive chain (lock and gmem held): 1 done, <0 -VQ_ERR_*. */
static int rx_one(struct virtio_dev *d, struct virtq *q)
{
	struct vnet *n = &d->net;
	const struct virtq_chain *c = &d->chain;
	/* 5.1.6.4: flags 0, gso_type NONE, num_buffers 1 (little-endian u16 at byte 10). */
	uint8_t hdr[VNET_HDR_LEN] = { [10] = 1 };

	if (c->readable)
		return -VQ_ERR_REQUEST;         /* receive buffers are device-writable only */
	if (c->writable < VNET_HDR_LEN + n->pending_len) {
		n->rx_dropped++;                /* the driver's buffer is too small for this frame */
		return virtq_push(d->mem, q, c->head, 0) ? -VQ_ERR_RING_ADDR : 1;
	}
	int e = virtq_chain_copy(d->mem, c, true, 0, hdr, VNET_HDR_LEN, true);
	if (!e)
		e = virtq_chain_copy(d->mem, c, true, VNET_HDR_LEN, n->pending, n->pending_len, true);
	if (!e)
		e = virtq_push(d->mem, q, c->head, VNET_HDR_LEN + n->pending_len);
	if (e)
		return e;
	n->rx_packets++;
	n->rx_bytes += n->pending_len;
	return 1;
}

int vnet_rx(struct virtio_dev *d)
{
	struct vnet *n = &d->net;
	struct virtq *q = &d->q[VNET_RXQ];
	int done = 0;

	pthread_mutex_lock(&d->lock);
	n->starved = false;
	while (done < VNET_RX_BURST && vnet_rx_open(d)) {
		if (!n->pending_len) {
			ssize_t r = read(n->tapfd, n->pending, sizeof(n->pending));   /* O_NONBLOCK */
			if (r <= 0)
				break;          /* EAGAIN: nothing more has arrived */
			n->pending_len = (uint32_t)r;
		}
		gmem_hold(d->mem);
		int r = virtq_pop(d->mem, q, &d->chain);
		if (r > 0)
			r = rx_one(d, q);
		if (r > 0)              /* live migration: the device's writes, which KVM's log never sees */
			virtio_dirtied(d, q, &d->chain);
		gmem_release(d->mem);
		if (r < 0) {
			virtio_fail(d, r, "receiveq1");
			break;
		}
		if (r == 0) {           /* no buffer: the frame waits until the driver gives one */
			n->starved = true;
			break;
		}
		n->pending_len = 0;
		d->chains++;
		done++;
	}
	if (done)
		d->isr |= 1u;           /* used buffer notification (4.2.2 InterruptStatus) */
	pthread_mutex_unlock(&d->lock);
	return done;
}

/* After each register write (lock held): the driver may just have added
 * receive buffers or set DRIVER_OK, so a waiting frame may go now and a
 * parked backend must look again. */
static void net_written(struct virtio_dev *d)
{
	uint64_t one = 1;

	d->net.starved = false;
	if (d->net.parked && d->net.wakefd >= 0 && write(d->net.wakefd, &one, sizeof(one)) == sizeof(one))
		d->net.parked = false;
}

void vnet_freeze(struct virtio_dev *d)
{
	pthread_mutex_lock(&d->lock);
	d->net.frozen = true;           /* the backend's next look parks it; vnet_rx delivers nothing */
	pthread_mutex_unlock(&d->lock);
}

void vnet_resume(struct virtio_dev *d)
{
	pthread_mutex_lock(&d->lock);
	d->net.frozen = false;
	net_written(d);                 /* a parked backend looks again: the device may take frames now */
	pthread_mutex_unlock(&d->lock);
}

void virtio_init_net(struct virtio_dev *d, const struct guest_mem *mem, bool present, const uint8_t *mac)
{
	virtio_init_dev(d, mem, present ? &virtio_net_type : &virtio_none_type);
	if (present) {
		d->dev_features |= VIRTIO_NET_F_MAC_BIT;
		memcpy(d->config, mac, VNET_MAC_LEN);    /* struct virtio_net_config.mac (5.1.4) */
	}
}

const struct virtio_type virtio_net_type = {
	.name = "net", .device_id = 1, .nqueues = 2, .work_queue = VNET_TXQ, .chain = net_tx,
	.queue_name = "transmitq1", .written = net_written,
};
