/*
 * virtio_console.c - the device behind the transport: a virtio console
 * (device id 3, virtio 1.1 section 5.3) that only transmits.  Each chain on
 * transmitq0 carries bytes for the console.  They go to the VM's one console
 * (console.c: --console-limit, the JSON console, echo), and the device also
 * keeps them (io.virtio.text), counts them and hashes them (FNV-1a) so a
 * benchmark can prove every byte arrived, in order.  Runs with the slot lock
 * held (virtio_process): the pointers below stay valid to the end.
 */
#include <string.h>

#include "kvmlab.h"

#define FNV_PRIME 16777619u

int virtio_console_tx(struct virtio_dev *d, const struct virtq_chain *c)
{
	for (int i = 0; i < c->nseg; i++) {
		const struct virtq_seg *s = &c->seg[i];
		if (s->write)
			continue;               /* transmitq buffers are device-readable (5.3.6) */
		const uint8_t *p = gmem_ptr(d->mem, s->gpa, s->len);
		if (!p)
			return -VQ_ERR_BUF_ADDR;
		for (uint32_t k = 0; k < s->len; k++)
			d->fnv = (d->fnv ^ p[k]) * FNV_PRIME;
		size_t keep = s->len;
		if (keep > VIRTIO_OUT_CAP - d->out_len)
			keep = VIRTIO_OUT_CAP - d->out_len;
		memcpy(d->out + d->out_len, p, keep);
		d->out_len += keep;
		d->bytes += s->len;
		if (d->con)
			console_put(d->con, p, s->len);
	}
	return 0;
}

static int console_chain(struct virtio_dev *d, const struct virtq_chain *c, uint32_t *written)
{
	*written = 0;                   /* the console writes nothing into transmit buffers */
	return virtio_console_tx(d, c);
}

const struct virtio_type virtio_console_type = {
	.name = "console", .device_id = 3, .nqueues = VIRTIO_CON_QUEUES,
	.work_queue = VIRTIO_CON_TXQ, .chain = console_chain,
};
