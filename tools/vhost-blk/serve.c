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
