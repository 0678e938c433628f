/*
 * virtqueue.c - split virtqueues, as virtio 1.1 section 2.7 lays them out.
 *
 *   descriptor table  num x { u64 addr; u32 len; u16 flags; u16 next; }   align 16
 *   available ring    { u16 flags; u16 idx; u16 ring[num]; u16 used_event; } align 2
 *   used ring         { u16 flags; u16 idx; {u32 id; u32 len} ring[num]; u16 avail_event; } align 4
 *
 * Everything in these rings is written by the guest, possibly while we read
 * it (another vCPU, or the guest racing the I/O thread).  So: every field is
 * copied out of guest memory once and the copy is validated and used (no
 * double fetch); every address goes through gmem_ptr (overflow-safe); a
 * chain is at most num descriptors long (a longer one must loop).  Pure: no
 * KVM, so tests/unit and tests/fuzz drive it against fake guest memory.
 */
#include <string.h>

#include "kvmlab.h"

/* virtio 1.1 2.7.5 "The Virtqueue Descriptor Table" */
#define VIRTQ_DESC_F_NEXT      1u       /* the chain continues at .next */
#define VIRTQ_DESC_F_WRITE     2u       /* device-writable (else device-readable) */
#define VIRTQ_DESC_F_INDIRECT  4u       /* buffer holds a table of descriptors (2.7.5.3) */
#define VIRTQ_DESC_SIZE        16
#define VIRTQ_DESC_ALIGN       16       /* 2.7 table "Virtqueue Part Alignment" */
#define VIRTQ_AVAIL_ALIGN      2
#define VIRTQ_USED_ALIGN       4
#define VIRTQ_RING_HDR         4        /* flags + idx in front of both rings */
#define VIRTQ_USED_ELEM_SIZE   8

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
} __attribute__((packed));
_Static_assert(sizeof(struct virtq_desc) == VIRTQ_DESC_SIZE, "virtio 1.1 2.7.5");

static const char *const err_names[VQ_ERR_COUNT] = {
	[VQ_OK] = "ok",
	[VQ_ERR_NUM] = "queue_size",
	[VQ_ERR_RING_ADDR] = "ring_address",
	[VQ_ERR_AVAIL_IDX] = "avail_idx",
	[VQ_ERR_HEAD_INDEX] = "head_index",
	[VQ_ERR_NEXT_INDEX] = "next_index",
	[VQ_ERR_CHAIN_LOOP] = "chain_loop",
	[VQ_ERR_BUF_ADDR] = "buffer_address",
	[VQ_ERR_INDIRECT] = "indirect",
	[VQ_ERR_ORDER] = "descriptor_order",
	[VQ_ERR_CHAIN_BYTES] = "chain_bytes",
	[VQ_ERR_REQUEST] = "request_format",
	[VQ_ERR_BALLOON_PFN] = "balloon_pfn",
	[VQ_ERR_BACKEND] = "backend",
	[VQ_ERR_FRAME] = "frame_size",
};

const char *virtq_err_name(int e)
{
	if (e < 0)
		e = -e;
	return e < VQ_ERR_COUNT && err_names[e] ? err_names[e] : "unknown";
}

static uint64_t avail_bytes(uint16_t num) { return VIRTQ_RING_HDR + 2ull * num + 2; }
static uint64_t used_bytes(uint16_t num)  { return VIRTQ_RING_HDR + (uint64_t)VIRTQ_USED_ELEM_SIZE * num + 2; }

int virtq_check(const struct guest_mem *m, const struct virtq *q, uint16_t num_max)
{
	/* 2.7: "Queue Size value is always a power of 2"; 4.2.2: <= QueueNumMax. */
	if (q->num == 0 || (q->num & (q->num - 1)) || q->num > num_max)
		return VQ_ERR_NUM;
	if (q->desc % VIRTQ_DESC_ALIGN || q->avail % VIRTQ_AVAIL_ALIGN || q->used % VIRTQ_USED_ALIGN)
		return VQ_ERR_RING_ADDR;
	if (!gmem_ptr(m, q->desc, (uint64_t)VIRTQ_DESC_SIZE * q->num) ||
	    !gmem_ptr(m, q->avail, avail_bytes(q->num)) || !gmem_ptr_writable(m, q->used, used_bytes(q->num)))
		return VQ_ERR_RING_ADDR;        /* the device writes the used ring: not in ROM */
	return VQ_OK;
}

/* A u16 the guest may be writing right now: one atomic load, acquire so the
 * ring entries it publishes are read after it (2.7.13.3 memory barriers). */
static uint16_t load_u16(const struct guest_mem *m, uint64_t gpa)
{
	const uint16_t *p = gmem_ptr(m, gpa, 2);
	return p ? __atomic_load_n(p, __ATOMIC_ACQUIRE) : 0;
}

int virtq_pop(const struct guest_mem *m, struct virtq *q, struct virtq_chain *c)
{
	if (virtq_check(m, q, VIRTQ_NUM_MAX) != VQ_OK)  /* RAM may not shrink, but be sure */
		return -VQ_ERR_RING_ADDR;
	uint16_t avail_idx = load_u16(m, q->avail + 2);
	uint16_t pending = (uint16_t)(avail_idx - q->last_avail);   /* indexes wrap at 2^16 */
	if (pending == 0)
		return 0;
	/* The driver can have at most num buffers outstanding (2.7.6). */
	if (pending > q->num)
		return -VQ_ERR_AVAIL_IDX;
	uint16_t head = load_u16(m, q->avail + VIRTQ_RING_HDR + 2ull * (q->last_avail % q->num));
	if (head >= q->num)
		return -VQ_ERR_HEAD_INDEX;

	c->head = head;
	c->nseg = 0;
	c->readable = c->writable = 0;
	uint16_t i = head;
	for (;;) {
		struct virtq_desc d;
		/* One copy, then only the copy is looked at. */
		if (gmem_read(m, q->desc + (uint64_t)VIRTQ_DESC_SIZE * i, &d, sizeof(d)) != 0)
			return -VQ_ERR_RING_ADDR;
		if (d.flags & VIRTQ_DESC_F_INDIRECT)
			return -VQ_ERR_INDIRECT;        /* kvmlab does not offer VIRTIO_F_INDIRECT_DESC */
		if (c->nseg >= q->num)
			return -VQ_ERR_CHAIN_LOOP;      /* num descriptors and still going: a cycle */
		bool w = d.flags & VIRTQ_DESC_F_WRITE;
		/* A device-writable buffer in a read-only slot is refused as one outside RAM. */
		if (!(w ? gmem_ptr_writable(m, d.addr, d.len) : gmem_ptr(m, d.addr, d.len)))
			return -VQ_ERR_BUF_ADDR;
		/* 2.7.4.2: writable descriptors come after all readable ones. */
		if (!w && c->writable)
			return -VQ_ERR_ORDER;
		if (c->readable + c->writable + d.len > VIRTQ_CHAIN_BYTES_MAX)
			return -VQ_ERR_CHAIN_BYTES;
		c->seg[c->nseg++] = (struct virtq_seg){ .gpa = d.addr, .len = d.len, .write = w };
		if (w)
			c->writable += d.len;
		else
			c->readable += d.len;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			break;
		if (d.next >= q->num)
			return -VQ_ERR_NEXT_INDEX;
		i = d.next;
	}
	q->last_avail++;
	return 1;
}

int virtq_push(const struct guest_mem *m, struct virtq *q, uint16_t head, uint32_t len)
{
	uint8_t *used = gmem_ptr_writable(m, q->used, used_bytes(q->num));
	if (!used || q->num == 0)
		return -VQ_ERR_RING_ADDR;
	uint32_t elem[2] = { head, len };
	memcpy(used + VIRTQ_RING_HDR + (uint64_t)VIRTQ_USED_ELEM_SIZE * (q->used_idx % q->num), elem, sizeof(elem));
	q->used_idx++;
	/* The element must be visible before the index that publishes it (2.7.8). */
	__atomic_store_n((uint16_t *)(used + 2), q->used_idx, __ATOMIC_RELEASE);
	return 0;
}

int virtq_set_used_flags(const struct guest_mem *m, const struct virtq *q, uint16_t flags)
{
	uint16_t *p = gmem_ptr_writable(m, q->used, 2);
	if (!p)
		return -VQ_ERR_RING_ADDR;
	__atomic_store_n(p, flags, __ATOMIC_RELEASE);
	return 0;
}

int virtq_chain_copy(const struct guest_mem *m, const struct virtq_chain *c, bool writable,
		     uint64_t off, uint8_t *buf, uint64_t len, bool to_guest)
{
	for (int i = 0; i < c->nseg && len; i++) {
		const struct virtq_seg *s = &c->seg[i];
		if (s->write != writable)
			continue;
		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		uint64_t n = s->len - off < len ? s->len - off : len;
		/* checked at pop; still the one door (and never into a read-only slot) */
		uint8_t *p = to_guest ? gmem_ptr_writable(m, s->gpa + off, n) : gmem_ptr(m, s->gpa + off, n);
		if (!p)
			return -VQ_ERR_BUF_ADDR;
		if (to_guest)
			memcpy(p, buf, n);
		else
			memcpy(buf, p, n);
		buf += n;
		len -= n;
		off = 0;
	}
	return len ? -VQ_ERR_REQUEST : 0;
}
