/*
 * serve.c - the back-end's data path: what kvmlab no longer does.
 *
 * The guest writes QueueNotify; KVM signals the kick eventfd (kvmlab's
 * ioeventfd, which the front-end sent us); we wake, take every available
 * chain with the same virtqueue walker kvmlab uses (traps/devices/virtqueue.c,
 * no double fetch, every address checked), run the same block request
 * handler (traps/devices/virtio_blk.c) against our file, publish the used
 * entries and signal the call eventfd once.  Guest memory is reached through
 * our own mapping of the memfds - the same pages the guest sees.
 */
#include <string.h>
#include <unistd.h>

#include "tools/vhost-blk/vhost_blk.h"

#define USED_LEN_LIE 0x7FFFFFFFu        /* --misbehave=used-len: far beyond any chain */
#define RING_HDR_BYTES  4u              /* used ring: flags, idx (virtio 1.1 2.7.8) */
#define USED_ELEM_BYTES 8u              /* { le32 id; le32 len } */

/* Marks [gpa, gpa+len) in the dirty log (vhost-user.rst "Migration": bit page % 8
 * of byte page / 8, atomically, since the front-end takes bits concurrently).
 * A page past the log's end is not marked: the front-end sized it for all RAM. */
static void log_write(struct backend *b, uint64_t gpa, uint64_t len)
{
	if (!b->log || !(b->features & VHU_F_LOG_ALL) || len == 0)
		return;
	for (uint64_t pg = gpa / VHU_LOG_PAGE; pg <= (gpa + len - 1) / VHU_LOG_PAGE; pg++) {
		if (pg / 8 >= b->log_size)
			break;
		__atomic_fetch_or(&b->log[pg / 8], (uint8_t)(1u << (pg % 8)), __ATOMIC_RELAXED);
		b->logged++;
	}
}

/* One chain's writes: its device-writable buffers, and the used ring if asked. */
static void log_chain(struct backend *b, const struct virtq_chain *c)
{
	for (int i = 0; i < c->nseg; i++)
		if (c->seg[i].write)
			log_write(b, c->seg[i].gpa, c->seg[i].len);
	if (b->log_used)        /* log_guest_addr stands for the used ring's first byte */
		log_write(b, b->log_used_gpa, RING_HDR_BYTES + USED_ELEM_BYTES * (uint64_t)b->q.num + 2);
}

int serve_kick(struct backend *b)
{
	uint64_t n;
	int done = 0;

	if (b->kick >= 0 && read(b->kick, &n, sizeof(n)) == sizeof(n))
		b->kicks++;
	if (b->mis == MIS_STALL || (!b->enabled && (b->features & VHU_F_PROTOCOL_FEATURES)))
		return 0;                       /* "stall": accept kicks, never answer */
	if (b->mis == MIS_CLOSE)
		return -1;                      /* "close": hang up with the request in flight */
	for (;;) {
		int r = virtq_pop(&b->mem, &b->q, &b->dev.chain);
		if (r == 0)
			break;
		if (r < 0) {
			fprintf(stderr, "kvmlab-vhost-blk: the guest's ring is broken (%s)\n", virtq_err_name(r));
			return -1;
		}
		uint32_t written = 0;
		if (virtio_blk_type.chain(&b->dev, &b->dev.chain, &written) != 0)
			written = 0;            /* malformed request: complete it with nothing written */
		if (b->mis == MIS_USED_LEN)
			written = USED_LEN_LIE;
		if (virtq_push(&b->mem, &b->q, b->dev.chain.head, written) != 0)
			return -1;
		log_chain(b, &b->dev.chain);
		b->requests++;
		done++;
	}
	if (done && b->mis == MIS_USED_IDX) {
		/* Publish an index far past what was produced: a front-end must not believe it. */
		uint16_t *idx = gmem_ptr(&b->mem, b->q.used + 2, 2);
		if (idx)
			__atomic_store_n(idx, (uint16_t)(b->q.used_idx + b->q.num + 3), __ATOMIC_RELEASE);
	}
	uint64_t one = 1;
	if (done && b->call >= 0 && write(b->call, &one, sizeof(one)) != sizeof(one))
		return -1;
	return 0;
}
