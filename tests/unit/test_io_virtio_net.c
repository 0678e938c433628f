/* test_io_virtio_net.c - virtio-net frames against a datagram socket pair standing in
 * for the tap (virtio 1.1 5.1.6): a good transmit, the frame limits, transmit buffers
 * that are not device-readable, and receive into buffers too small, just right and
 * device-readable. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/virtio_ring.h>            /* VRING_DESC_F_WRITE (2.7.5) */

#include "kvmlab.h"
#include "check.h"

#define RAM   (64u << 10)
#define BUF   0x8000
#define DESC  0x1000                    /* receiveq1's rings */
#define AVAIL 0x2000
#define USED  0x3000

static struct guest_mem mem;
static const uint8_t mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };

static struct virtq_chain tx_chain(uint32_t len, bool write)
{
	struct virtq_chain c = { .nseg = 1 };
	c.seg[0] = (struct virtq_seg){ .gpa = BUF, .len = len, .write = write };
	c.readable = write ? 0 : len;
	c.writable = write ? len : 0;
	return c;
}

/* receiveq1 with one buffer of len bytes (flags as given) in the avail ring. */
static void rx_ready(struct virtio_dev *d, uint32_t len, uint16_t flags)
{
	memset(mem.hva + DESC, 0, 0x3000);
	uint64_t gpa = BUF;
	memcpy(mem.hva + DESC, &gpa, 8);
	memcpy(mem.hva + DESC + 8, &len, 4);
	memcpy(mem.hva + DESC + 12, &flags, 2);
	uint16_t idx = 1;
	memcpy(mem.hva + AVAIL + 2, &idx, 2);           /* ring[0] = descriptor 0 */
	struct virtq *q = &d->q[VNET_RXQ];
	*q = (struct virtq){ .num = 8, .ready = true, .desc = DESC, .avail = AVAIL, .used = USED };
	d->status = 0x0F;                               /* ACKNOWLEDGE .. FEATURES_OK, DRIVER_OK */
	d->net.pending_len = 0;
}

static uint32_t used_len(void)
{
	uint32_t len;
	memcpy(&len, mem.hva + USED + 4 + 4, 4);        /* used->ring[0].len */
	return len;
}

static void test_virtio_net(void)
{
	struct virtio_dev *d = malloc(sizeof(*d));
	int sv[2];
	uint8_t got[2048];
	uint32_t written;

	mem.hva = calloc(1, RAM);
	mem.size = RAM;
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv) == 0);
	virtio_init_net(d, &mem, true, mac);
	d->net.tapfd = sv[0];
	CHECK_EQ(d->type->device_id, 1);
	CHECK_EQ(virtio_mmio_read(d, 0x010, 4) & 0x20, 0x20);   /* VIRTIO_NET_F_MAC offered */
	CHECK_EQ(virtio_mmio_read(d, 0x100, 4), 0x12005452u);    /* mac[0..3] = 52 54 00 12, little-endian */

	/* transmit: 12-byte header, then a 60-byte frame, one write(2) */
	memset(mem.hva + BUF, 0, VNET_HDR_LEN);
	for (int i = 0; i < 60; i++)
		mem.hva[BUF + VNET_HDR_LEN + i] = (uint8_t)i;
	struct virtq_chain c = tx_chain(VNET_HDR_LEN + 60, false);
	CHECK_EQ(d->type->chain(d, &c, &written), 0);
	CHECK_EQ(written, 0);
	CHECK_EQ(recv(sv[1], got, sizeof(got), 0), 60);
	CHECK(!memcmp(got, mem.hva + BUF + VNET_HDR_LEN, 60));
	CHECK_EQ(d->net.tx_packets, 1);
	/* the limits: an Ethernet header at least, one Ethernet frame at most */
	c = tx_chain(VNET_HDR_LEN + VNET_FRAME_MIN - 1, false);
	CHECK_EQ(d->type->chain(d, &c, &written), -VQ_ERR_FRAME);
	c = tx_chain(VNET_HDR_LEN + VNET_FRAME_MAX + 1, false);
	CHECK_EQ(d->type->chain(d, &c, &written), -VQ_ERR_FRAME);
	c = tx_chain(VNET_HDR_LEN + VNET_FRAME_MAX, false);
	CHECK_EQ(d->type->chain(d, &c, &written), 0);
	CHECK_EQ(recv(sv[1], got, sizeof(got), 0), (ssize_t)VNET_FRAME_MAX);
	c = tx_chain(VNET_HDR_LEN - 1, false);                   /* no whole header */
	CHECK_EQ(d->type->chain(d, &c, &written), -VQ_ERR_REQUEST);
	c = tx_chain(VNET_HDR_LEN + 60, true);                   /* device-writable */
	CHECK_EQ(d->type->chain(d, &c, &written), -VQ_ERR_REQUEST);
	CHECK(!strcmp(virtq_err_name(VQ_ERR_FRAME), "frame_size"));

	/* receive: a 100-byte frame into a 2 KiB buffer, header num_buffers = 1 */
	rx_ready(d, 2048, VRING_DESC_F_WRITE);
	memset(got, 0xAB, 100);
	CHECK_EQ(send(sv[1], got, 100, 0), 100);
	CHECK_EQ(vnet_rx(d), 1);
	CHECK_EQ(used_len(), VNET_HDR_LEN + 100);
	CHECK_EQ(mem.hva[BUF + 10], 1);
	CHECK_EQ(mem.hva[BUF + VNET_HDR_LEN + 99], 0xAB);
	CHECK_EQ(d->net.rx_packets, 1);
	CHECK_EQ(vnet_rx(d), 0);                                 /* nothing more arrived */
	/* a buffer too small: the frame is dropped, the buffer returned with length 0 */
	rx_ready(d, 64, VRING_DESC_F_WRITE);
	CHECK_EQ(send(sv[1], got, 100, 0), 100);
	CHECK_EQ(vnet_rx(d), 1);
	CHECK_EQ(used_len(), 0);
	CHECK_EQ(d->net.rx_dropped, 1);
	/* no buffer at all: the frame waits (starved), then goes when one is given */
	rx_ready(d, 2048, VRING_DESC_F_WRITE);
	memset(mem.hva + AVAIL + 2, 0, 2);                       /* avail->idx = 0 */
	CHECK_EQ(send(sv[1], got, 80, 0), 80);
	CHECK_EQ(vnet_rx(d), 0);
	CHECK(d->net.starved && d->net.pending_len == 80 && !vnet_rx_open(d));
	uint16_t one = 1;
	memcpy(mem.hva + AVAIL + 2, &one, 2);
	CHECK_EQ(vnet_rx(d), 1);
	CHECK_EQ(used_len(), VNET_HDR_LEN + 80);
	/* a device-readable receive buffer breaks the device */
	rx_ready(d, 2048, 0);
	CHECK_EQ(send(sv[1], got, 80, 0), 80);
	CHECK_EQ(vnet_rx(d), 0);
	CHECK(d->status & 0x40);                                 /* DEVICE_NEEDS_RESET */
	CHECK_EQ(d->error, VQ_ERR_REQUEST);
	CHECK(!vnet_rx_open(d));
	/* no --net: the empty slot */
	virtio_init_net(d, &mem, false, mac);
	CHECK_EQ(virtio_mmio_read(d, 0x008, 4), 0);
	close(sv[0]);
	close(sv[1]);
	free(d);
	free(mem.hva);
}

const struct unit_test io_virtio_net_tests[] = {
	UNIT(test_virtio_net),
	{ 0 },
};
