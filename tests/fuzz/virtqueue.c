/*
 * virtqueue.c - libFuzzer harness: a hostile driver against the
 * virtio-mmio register model and the split virtqueue walker.
 *
 * Input: a 64 KiB fake guest RAM image (the first bytes of the input, rest
 * zero) and, from the end of the input, a script of register writes
 * (offset, value) with "process the queue" mixed in.  Bits 1-2 of the first
 * byte pick the device: the console, virtio-blk on a 16-sector memfd, or
 * virtio-net on a datagram socket pair standing in for the tap (frames from
 * the input arrive on it, so receiveq1 is walked too).  Properties: no
 * out-of-bounds access (ASan), no hang (a chain is bounded), no UB (UBSan),
 * and the device's bookkeeping stays inside its buffers.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvmlab.h"

#define RAM (64u << 10)
#define OP_SIZE 5                       /* u8 register index, u32 value */

/* Registers a driver writes, so random bytes reach interesting states fast. */
static const uint16_t regs[] = { 0x014, 0x020, 0x024, 0x030, 0x038, 0x044, 0x050, 0x064, 0x070,
				 0x080, 0x084, 0x090, 0x094, 0x0A0, 0x0A4 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	static struct virtio_dev *d;
	static int disk = -1, tap[2] = { -1, -1 };
	static const uint8_t mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
	struct guest_mem mem = { 0 };      /* nslots 0: one range [0, RAM) */

	if (!ram) {
		ram = malloc(RAM);
		d = malloc(sizeof(*d));
		disk = memfd_create("fuzz-disk", 0);
		if (disk < 0 || ftruncate(disk, 16 * 512) != 0 ||
		    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, tap) != 0)
			abort();
	}
	if (size == 0)
		return 0;
	memset(ram, 0, RAM);
	size_t script = size / 2 / OP_SIZE * OP_SIZE;   /* second half: the script */
	memcpy(ram, data, size - script < RAM ? size - script : RAM);
	mem.hva = ram;
	mem.size = RAM;
	bool net = (data[0] & 6) == 4;
	if (net) {
		virtio_init_net(d, &mem, true, mac);
		d->net.tapfd = tap[0];
	} else if (data[0] & 2) {
		virtio_init_blk(d, &mem, disk, 16);
		if (ftruncate(disk, 16 * 512) != 0)      /* the file never grows past its capacity */
			abort();
	} else {
		virtio_init(d, &mem, data[0] & 1, NULL);
	}

	const uint8_t *op = data + size - script;
	for (size_t i = 0; i + OP_SIZE <= script; i += OP_SIZE) {
		uint32_t val;
		memcpy(&val, op + i + 1, 4);
		uint8_t r = op[i];
		if (r >= 0xF0) {
			virtio_process(d);
			if (net) {              /* a frame of the input's bytes arrives, up to 2 KiB */
				if (send(tap[1], data, (val & 0x7FF) < size ? (val & 0x7FF) : size, 0) < 0)
					(void)0;        /* the pair is full: the device has not read yet */
				vnet_rx(d);
			}
			continue;
		}
		bool notify;
		uint16_t off = regs[r % (sizeof(regs) / sizeof(regs[0]))];
		/* Small values for addresses and sizes keep rings inside the 64 KiB. */
		if (r & 0x80)
			val &= 0xFFFF;
		virtio_mmio_write(d, off, 4, val, &notify);
		if (notify)
			virtio_process(d);
		(void)virtio_mmio_read(d, off, 4);
	}
	virtio_process(d);
	if (net) {
		vnet_rx(d);
		uint8_t frame[4096];
		while (recv(tap[0], frame, sizeof(frame), 0) > 0)       /* frames not delivered */
			;
		while (recv(tap[1], frame, sizeof(frame), 0) > 0) {     /* frames the guest sent */
		}
		if (d->net.pending_len > VNET_FRAME_MAX)
			abort();
	}
	struct stat st;
	if (d->out_len > VIRTIO_OUT_CAP || fstat(disk, &st) != 0 || st.st_size != 16 * 512)
		abort();
	pthread_mutex_destroy(&d->lock);
	return 0;
}
