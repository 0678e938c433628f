/*
 * labs/code/ex03/check.c - the autograder of exercise 3 (make grade EX=3).
 * A split virtqueue (virtio 1.1 section 2.7) in fake guest RAM, as the unit
 * tests of traps/devices/virtqueue.c build it; the driver's side is written here.
 */
#include <stdlib.h>
#include <string.h>

#include "ex03.h"
#include "grade.h"

#define RAM   (64u << 10)
#define DESC  0x1000
#define AVAIL 0x2000
#define USED  0x3000
#define F_NEXT  1u
#define F_WRITE 2u

static struct guest_mem mem;
static struct virtq q;

static void fresh(uint16_t num)
{
	memset(mem.hva, 0, mem.size);
	q = (struct virtq){ .num = num, .ready = true, .desc = DESC, .avail = AVAIL, .used = USED };
}

static void desc(int i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t *d = mem.hva + DESC + 16 * i;
	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

/* The driver offers head in the next slot and publishes avail->idx. */
static void offer(uint16_t head)
{
	uint16_t idx;
	memcpy(&idx, mem.hva + AVAIL + 2, 2);
	memcpy(mem.hva + AVAIL + 4 + 2 * (idx % q.num), &head, 2);
	idx++;
	memcpy(mem.hva + AVAIL + 2, &idx, 2);
}

static uint16_t used_idx(void)
{
	uint16_t x;
	memcpy(&x, mem.hva + USED + 2, 2);
	return x;
}

static void used_elem(int slot, uint32_t *id, uint32_t *len)
{
	memcpy(id, mem.hva + USED + 4 + 8 * slot, 4);
	memcpy(len, mem.hva + USED + 8 + 8 * slot, 4);
}

int main(void)
{
	struct grade g = { 0 };
	uint64_t bytes = 0;
	uint32_t id, len;
	int rc;

	mem.hva = calloc(1, RAM);
	mem.size = RAM;
	if (!mem.hva)
		return 2;

	fresh(8);
	rc = ex03_service(&mem, &q, 16, &bytes);
	grade_check(&g, "empty ring: nothing to do", 1, rc == 0 && used_idx() == 0 && bytes == 0, NULL);

	fresh(8);
	memcpy(mem.hva + 0x8000, "hello", 5);
	desc(0, 0x8000, 5, F_NEXT, 1);
	desc(1, 0x9000, 16, F_WRITE, 0);
	offer(0);
	rc = ex03_service(&mem, &q, 16, &bytes);
	used_elem(0, &id, &len);
	grade_check(&g, "one chain echoed and returned", 3,
		    rc == 1 && used_idx() == 1 && id == 0 && len == 5 && bytes == 5 &&
		    memcmp(mem.hva + 0x9000, "hello", 5) == 0,
		    "virtq_pop, copy readable to writable, virtq_push(head, bytes written)");

	fresh(8);
	memcpy(mem.hva + 0x8000, "abc", 3);
	memcpy(mem.hva + 0x8100, "defgh", 5);
	desc(2, 0x8000, 3, F_NEXT, 5);
	desc(5, 0x8100, 5, F_NEXT, 3);
	desc(3, 0x9000, 2, F_WRITE | F_NEXT, 7);
	desc(7, 0x9100, 10, F_WRITE, 0);
	offer(2);
	rc = ex03_service(&mem, &q, 16, &bytes);
	used_elem(0, &id, &len);
	grade_check(&g, "segments: 2 readable into 2 writable", 3,
		    rc == 1 && id == 2 && len == 8 && memcmp(mem.hva + 0x9000, "ab", 2) == 0 &&
		    memcmp(mem.hva + 0x9100, "cdefgh", 6) == 0,
		    "a copy may span segment boundaries on both sides");

	fresh(8);
	memcpy(mem.hva + 0x8000, "0123456789", 10);
	desc(0, 0x8000, 10, F_NEXT, 1);
	desc(1, 0x9000, 4, F_WRITE, 0);
	offer(0);
	rc = ex03_service(&mem, &q, 16, &bytes);
	used_elem(0, &id, &len);
	grade_check(&g, "short writable buffer: copy what fits", 2,
		    rc == 1 && len == 4 && memcmp(mem.hva + 0x9000, "0123", 4) == 0 && mem.hva[0x9004] == 0,
		    "never write past a writable segment");

	fresh(8);
	for (int i = 0; i < 3; i++) {
		mem.hva[0x8000 + i] = (uint8_t)('x' + i);
		desc(2 * i, 0x8000 + i, 1, F_NEXT, (uint16_t)(2 * i + 1));
		desc(2 * i + 1, 0x9000 + 16 * i, 1, F_WRITE, 0);
		offer((uint16_t)(2 * i));
	}
	rc = ex03_service(&mem, &q, 2, &bytes);
	int rc2 = ex03_service(&mem, &q, 2, &bytes);
	used_elem(2, &id, &len);
	grade_check(&g, "several chains, at most max per call", 3,
		    rc == 2 && rc2 == 1 && used_idx() == 3 && id == 4 && mem.hva[0x9020] == 'z',
		    "stop after max chains; the next call goes on where this one stopped");

	fresh(8);
	desc(0, 0x8000, 1, F_NEXT, 1);
	desc(1, 0x9000, 1, F_WRITE, 0);
	offer(0);
	desc(4, 0x8000, 1, F_NEXT, 4);          /* a loop: 4 -> 4 -> ... */
	offer(4);
	rc = ex03_service(&mem, &q, 16, &bytes);
	grade_check(&g, "a looping chain is refused after the good one", 3,
		    rc == -VQ_ERR_CHAIN_LOOP && used_idx() == 1,
		    "use virtq_pop: it bounds the walk; return its error and push nothing for the bad chain");

	fresh(8);
	desc(0, RAM - 2, 16, F_NEXT, 1);        /* the buffer runs off the end of RAM */
	desc(1, 0x9000, 16, F_WRITE, 0);
	offer(0);
	rc = ex03_service(&mem, &q, 16, &bytes);
	grade_check(&g, "a buffer outside RAM is refused", 2, rc == -VQ_ERR_BUF_ADDR && used_idx() == 0, NULL);

	fresh(6);                               /* not a power of two (2.7) */
	rc = ex03_service(&mem, &q, 16, &bytes);
	grade_check(&g, "an invalid queue is refused before any access", 2, rc == -VQ_ERR_NUM,
		    "virtq_check first: the driver chose num and the ring addresses");

	fresh(4);
	q.last_avail = q.used_idx = 65534;      /* indexes wrap at 2^16 (2.7.6) */
	memcpy(mem.hva + AVAIL + 2, &q.last_avail, 2);
	desc(0, 0x8000, 1, F_NEXT, 1);
	desc(1, 0x9000, 1, F_WRITE, 0);
	desc(2, 0x9100, 1, F_WRITE, 0);         /* nothing to echo: returned with 0 bytes */
	desc(3, 0x9200, 1, F_WRITE, 0);
	offer(0);
	offer(2);
	offer(3);
	rc = ex03_service(&mem, &q, 16, &bytes);
	grade_check(&g, "ring indexes wrap at 65536", 1, rc == 3 && used_idx() == 1 && q.last_avail == 1, NULL);

	free(mem.hva);
	return grade_total(&g);
}
