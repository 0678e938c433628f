/* test_virtqueue.c - the split virtqueue walker against fake guest memory:
 * one test per rule of virtio 1.1 2.7 that kvmlab enforces. */
#include <stdlib.h>
#include <string.h>

#include "kvmlab.h"
#include "check.h"

#define RAM   (64u << 10)
#define DESC  0x1000
#define AVAIL 0x2000
#define USED  0x3000
#define BUF   0x8000

static struct guest_mem mem;
static struct virtq q;
static struct virtq_chain ch;

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

static void avail(uint16_t slot, uint16_t head, uint16_t idx)
{
	memcpy(mem.hva + AVAIL + 4 + 2 * slot, &head, 2);
	memcpy(mem.hva + AVAIL + 2, &idx, 2);
}

static void test_check(void)
{
	fresh(8);
	CHECK_EQ(virtq_check(&mem, &q, VIRTQ_NUM_MAX), VQ_OK);
	q.num = 0;   CHECK_EQ(virtq_check(&mem, &q, VIRTQ_NUM_MAX), VQ_ERR_NUM);
	q.num = 3;   CHECK_EQ(virtq_check(&mem, &q, VIRTQ_NUM_MAX), VQ_ERR_NUM);
	q.num = 512; CHECK_EQ(virtq_check(&mem, &q, VIRTQ_NUM_MAX), VQ_ERR_NUM);
	fresh(8); q.desc = DESC + 8;            /* not 16-aligned */
	CHECK_EQ(virtq_check(&mem, &q, VIRTQ_NUM_MAX), VQ_ERR_RING_ADDR);
	fresh(8); q.used = USED + 2;            /* not 4-aligned */
	CHECK_EQ(virtq_check(&mem, &q, VIRTQ_NUM_MAX), VQ_ERR_RING_ADDR);
	fresh(8); q.desc = 0xFFFFFFFFFFFFFFF0ull;   /* desc + 128 wraps */
	CHECK_EQ(virtq_check(&mem, &q, VIRTQ_NUM_MAX), VQ_ERR_RING_ADDR);
	fresh(8); q.desc = RAM - 64;            /* 128 bytes do not fit */
	CHECK_EQ(virtq_check(&mem, &q, VIRTQ_NUM_MAX), VQ_ERR_RING_ADDR);
	fresh(8); q.desc = RAM - 128;           /* exactly fits */
	CHECK_EQ(virtq_check(&mem, &q, VIRTQ_NUM_MAX), VQ_OK);
}

static void test_pop_good(void)
{
	fresh(8);
	CHECK_EQ(virtq_pop(&mem, &q, &ch), 0);          /* empty ring */
	desc(0, BUF, 5, 1 /* NEXT */, 3);
	desc(3, BUF + 100, 7, 0, 0);
	avail(0, 0, 1);
	CHECK_EQ(virtq_pop(&mem, &q, &ch), 1);
	CHECK_EQ(ch.head, 0);
	CHECK_EQ(ch.nseg, 2);
	CHECK_EQ(ch.seg[1].gpa, BUF + 100);
	CHECK_EQ(ch.readable, 12);
	CHECK_EQ(q.last_avail, 1);
	CHECK_EQ(virtq_pop(&mem, &q, &ch), 0);
	CHECK_EQ(virtq_push(&mem, &q, 0, 0), 0);
	uint16_t used_idx;
	memcpy(&used_idx, mem.hva + USED + 2, 2);
	CHECK_EQ(used_idx, 1);
	/* A chain of exactly num descriptors is legal. */
	fresh(4);
	for (int i = 0; i < 4; i++)
		desc(i, BUF, 1, i < 3 ? 1 : 0, (uint16_t)(i + 1));
	avail(0, 0, 1);
	CHECK_EQ(virtq_pop(&mem, &q, &ch), 1);
	CHECK_EQ(ch.nseg, 4);
	/* Indexes are free-running u16s: 65535 -> 0 is one buffer. */
	fresh(4);
	q.last_avail = 0xFFFF;
	desc(2, BUF, 1, 0, 0);
	avail(0xFFFF % 4, 2, 0);
	CHECK_EQ(virtq_pop(&mem, &q, &ch), 1);
	CHECK_EQ(ch.head, 2);
	/* Writable after readable is the legal order. */
	fresh(8);
	desc(0, BUF, 4, 1, 1);
	desc(1, BUF, 4, 2 /* WRITE */, 0);
	avail(0, 0, 1);
	CHECK_EQ(virtq_pop(&mem, &q, &ch), 1);
	CHECK_EQ(ch.writable, 4);
}

static void test_pop_hostile(void)
{
	fresh(8); desc(0, BUF, 4, 0, 0); avail(0, 0, 9);        /* 9 pending in a queue of 8 */
	CHECK_EQ(virtq_pop(&mem, &q, &ch), -VQ_ERR_AVAIL_IDX);
	fresh(8); desc(0, BUF, 4, 0, 0); avail(0, 0, 8);        /* 8 pending is the limit */
	CHECK_EQ(virtq_pop(&mem, &q, &ch), 1);
	fresh(8); avail(0, 8, 1);
	CHECK_EQ(virtq_pop(&mem, &q, &ch), -VQ_ERR_HEAD_INDEX);
	fresh(8); desc(0, BUF, 4, 1, 8); avail(0, 0, 1);
	CHECK_EQ(virtq_pop(&mem, &q, &ch), -VQ_ERR_NEXT_INDEX);
	fresh(8); desc(0, BUF, 4, 1, 1); desc(1, BUF, 4, 1, 0); avail(0, 0, 1);
	CHECK_EQ(virtq_pop(&mem, &q, &ch), -VQ_ERR_CHAIN_LOOP);
	fresh(8); desc(0, BUF, 4, 1, 0); avail(0, 0, 1);        /* a descriptor naming itself */
	CHECK_EQ(virtq_pop(&mem, &q, &ch), -VQ_ERR_CHAIN_LOOP);
	fresh(8); desc(0, 0xFFFFFFFFFFFFF000ull, 0x2000, 0, 0); avail(0, 0, 1);
	CHECK_EQ(virtq_pop(&mem, &q, &ch), -VQ_ERR_BUF_ADDR);
	fresh(8); desc(0, RAM - 4, 8, 0, 0); avail(0, 0, 1);    /* straddles the end of RAM */
	CHECK_EQ(virtq_pop(&mem, &q, &ch), -VQ_ERR_BUF_ADDR);
	fresh(8); desc(0, RAM - 4, 4, 0, 0); avail(0, 0, 1);    /* ends exactly at the end */
	CHECK_EQ(virtq_pop(&mem, &q, &ch), 1);
	fresh(8); desc(0, BUF, 16, 4 /* INDIRECT */, 0); avail(0, 0, 1);
	CHECK_EQ(virtq_pop(&mem, &q, &ch), -VQ_ERR_INDIRECT);
	fresh(8); desc(0, BUF, 4, 1 | 2, 1); desc(1, BUF, 4, 0, 0); avail(0, 0, 1);
	CHECK_EQ(virtq_pop(&mem, &q, &ch), -VQ_ERR_ORDER);
	/* The cap on a chain's bytes, with a RAM big enough to hold the buffers. */
	fresh(8);
	struct guest_mem big = { .hva = mem.hva, .size = 0xFFFFFFFFull };   /* never dereferenced */
	for (int i = 0; i < 8; i++)
		desc(i, 0, 3u << 20, i < 7 ? 1 : 0, (uint16_t)(i + 1));
	avail(0, 0, 1);
	CHECK_EQ(virtq_pop(&big, &q, &ch), -VQ_ERR_CHAIN_BYTES);
	/* Error names are the JSON vocabulary (docs/io.md). */
	CHECK(!strcmp(virtq_err_name(-VQ_ERR_CHAIN_LOOP), "chain_loop"));
	CHECK(!strcmp(virtq_err_name(999), "unknown"));
}

/* Each test gets its own zeroed guest RAM (fresh() clears it again per case). */
static void with_ram(void (*fn)(void))
{
	mem.hva = calloc(1, RAM);
	mem.size = RAM;
	fn();
	free(mem.hva);
}

static void t_check(void) { with_ram(test_check); }
static void t_pop_good(void) { with_ram(test_pop_good); }
static void t_pop_hostile(void) { with_ram(test_pop_hostile); }

const struct unit_test io_virtqueue_tests[] = {
	UNIT(t_check),
	UNIT(t_pop_good),
	UNIT(t_pop_hostile),
	{ 0 },
};
