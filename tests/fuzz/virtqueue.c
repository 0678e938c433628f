/*
 * virtqueue.c - libFuzzer harness: a hostile driver against the
 * virtio-mmio register model and the split virtqueue walker.
 *
 * Input: a 64 KiB fake guest RAM image (the first bytes of the input, rest
 * zero) and, from the end of the input, a script of register writes
 * (offset, value) with "process the queue" mixed in.  Bit 1 of the first
 * byte picks the device: the console, or virtio-blk on a 16-sector memfd.  Properties: no
 * out-of-bounds access (ASan), no hang (a chain is bounded), no UB (UBSan),
 * and the device's bookkeeping stays inside its buffers.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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
	static int disk = -1;
	struct guest_mem mem = { 0 };      /* nslots 0: one range [0, RAM) */

	if (!ram) {
		ram = malloc(RAM);
		d = malloc(sizeof(*d));
		disk = memfd_create("fuzz-disk", 0);
		if (disk < 0 || ftruncate(disk, 16 * 512) != 0)
			abort();
	}
	if (size == 0)
		return 0;
	memset(ram, 0, RAM);
	size_t script = size / 2 / OP_SIZE * OP_SIZE;   /* second half: the script */
	memcpy(ram, data, size - script < RAM ? size - script : RAM);
	mem.hva = ram;
	mem.size = RAM;
	if (data[0] & 2) {
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
	struct stat st;
	if (d->out_len > VIRTIO_OUT_CAP || fstat(disk, &st) != 0 || st.st_size != 16 * 512)
		abort();
	pthread_mutex_destroy(&d->lock);
	return 0;
}
