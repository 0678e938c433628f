/*
 * test_mem_dirty.c - decoding KVM's dirty bitmap: bit i of the little-endian
 * 64-bit words is page i of the slot (api.rst 4.37).
 */
#include "check.h"

static void t_decodes_bits_to_gpas(void)
{
	uint64_t bm[2] = { (1ULL << 0) | (1ULL << 5) | (1ULL << 63), 1ULL << 1 };
	uint64_t out[8];

	CHECK_EQ(dirty_bitmap_pages(bm, 128, 0x100000, out, 8), 4);
	CHECK_EQ(out[0], 0x100000);
	CHECK_EQ(out[1], 0x105000);
	CHECK_EQ(out[2], 0x100000 + 63 * 4096);
	CHECK_EQ(out[3], 0x100000 + 65 * 4096);
}

static void t_ignores_bits_past_the_slot(void)
{
	uint64_t bm[1] = { ~0ULL };
	uint64_t out[64];

	CHECK_EQ(dirty_bitmap_pages(bm, 10, 0, out, 64), 10);  /* a 10-page slot */
	CHECK_EQ(out[9], 9 * 4096);
}

static void t_counts_past_max(void)
{
	uint64_t bm[1] = { 0xFF };
	uint64_t out[3] = { 0, 0, 0 };

	CHECK_EQ(dirty_bitmap_pages(bm, 64, 0, out, 2), 8);    /* all counted, 2 listed */
	CHECK_EQ(out[1], 4096);
	CHECK_EQ(out[2], 0);                                   /* untouched */
}

static void t_empty(void)
{
	uint64_t bm[2] = { 0, 0 };
	uint64_t out[1];

	CHECK_EQ(dirty_bitmap_pages(bm, 128, 0, out, 1), 0);
	CHECK_EQ(dirty_bitmap_pages(bm, 0, 0, out, 1), 0);
}

const struct unit_test dirty_tests[] = {
	UNIT(t_decodes_bits_to_gpas), UNIT(t_ignores_bits_past_the_slot), UNIT(t_counts_past_max),
	UNIT(t_empty), { 0 }
};
