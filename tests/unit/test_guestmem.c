/*
 * test_guestmem.c - vmm/core/guestmem.c: gmem_ptr/gmem_read/gmem_write accept a
 * range only if every byte of it is guest RAM, for every gpa and len a
 * guest can hand kvmlab (no wrap-around at UINT64_MAX).
 */
#include "check.h"

#define RAM 4096

static uint8_t ram[RAM];
static const struct guest_mem mem = { .hva = ram, .size = RAM };

static void t_ptr_inside_ram(void)
{
	CHECK(gmem_ptr(&mem, 0, RAM) == ram);                   /* all of it */
	CHECK(gmem_ptr(&mem, 0, 1) == ram);
	CHECK(gmem_ptr(&mem, 100, 16) == ram + 100);
	CHECK(gmem_ptr(&mem, RAM - 1, 1) == ram + RAM - 1);     /* exactly the last byte */
	CHECK(gmem_ptr(&mem, RAM - 16, 16) == ram + RAM - 16);  /* ends exactly at the end */
}

static void t_ptr_past_the_end(void)
{
	CHECK(gmem_ptr(&mem, RAM - 1, 2) == NULL);              /* one byte over */
	CHECK(gmem_ptr(&mem, RAM - 16, 17) == NULL);
	CHECK(gmem_ptr(&mem, 0, RAM + 1) == NULL);
	CHECK(gmem_ptr(&mem, RAM, 1) == NULL);                  /* gpa == size */
	CHECK(gmem_ptr(&mem, RAM + 1, 0) == NULL);
	CHECK(gmem_ptr(&mem, 0xC0000000ULL, 4) == NULL);        /* the MMIO window */
}

static void t_ptr_zero_length(void)
{
	/* An empty range inside RAM is fine; at or past the end it is not. */
	CHECK(gmem_ptr(&mem, 0, 0) == ram);
	CHECK(gmem_ptr(&mem, RAM - 1, 0) == ram + RAM - 1);
	CHECK(gmem_ptr(&mem, RAM, 0) == NULL);
}

static void t_ptr_no_overflow(void)
{
	/* gpa + len wraps to a small number: must still be refused. */
	CHECK(gmem_ptr(&mem, 16, UINT64_MAX) == NULL);
	CHECK(gmem_ptr(&mem, 1, UINT64_MAX) == NULL);
	CHECK(gmem_ptr(&mem, 0, UINT64_MAX) == NULL);
	CHECK(gmem_ptr(&mem, UINT64_MAX, 1) == NULL);
	CHECK(gmem_ptr(&mem, UINT64_MAX, 2) == NULL);           /* wraps to 1 */
	CHECK(gmem_ptr(&mem, UINT64_MAX - 15, 16) == NULL);     /* ends exactly at 2^64 */
	CHECK(gmem_ptr(&mem, UINT64_MAX, 0) == NULL);
}

static void t_ptr_without_ram(void)
{
	const struct guest_mem none = { .hva = NULL, .size = RAM };

	CHECK(gmem_ptr(&none, 0, 1) == NULL);
}

static void t_read_write_round_trip(void)
{
	uint8_t in[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, out[8] = { 0 };

	memset(ram, 0, sizeof(ram));
	CHECK_EQ(gmem_write(&mem, RAM - 8, in, 8), 0);
	CHECK(memcmp(ram + RAM - 8, in, 8) == 0);
	CHECK_EQ(gmem_read(&mem, RAM - 8, out, 8), 0);
	CHECK(memcmp(out, in, 8) == 0);
	CHECK_EQ(gmem_write(&mem, 0, in, 0), 0);                /* nothing to copy */
}

static void t_read_write_refused_copy_nothing(void)
{
	uint8_t in[8] = { 9, 9, 9, 9, 9, 9, 9, 9 }, out[8] = { 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55 };

	memset(ram, 0, sizeof(ram));
	CHECK_EQ(gmem_write(&mem, RAM - 7, in, 8), -1);         /* straddles the end */
	CHECK_EQ(ram[RAM - 7], 0);                              /* not even partly written */
	CHECK_EQ(ram[RAM - 1], 0);
	CHECK_EQ(gmem_read(&mem, RAM - 7, out, 8), -1);
	CHECK_EQ(out[0], 0x55);
	CHECK_EQ(gmem_read(&mem, UINT64_MAX - 3, out, 8), -1);
	CHECK_EQ(gmem_write(&mem, 8, in, UINT64_MAX), -1);
}

/* A read-only slot (the --rom slot): readable; writable only by the VMM itself. */
static void t_read_only_slot_refuses_device_writes(void)
{
	static uint8_t rom[RAM];
	struct guest_mem m = { .nslots = 2, .slot = {
		{ .id = 0, .gpa = 0, .size = RAM, .hva = ram },
		{ .id = 1, .gpa = 0xFFFF0000, .size = RAM, .hva = rom, .flags = KVM_MEM_READONLY },
	} };
	uint8_t in[4] = { 1, 2, 3, 4 }, out[4];

	memset(rom, 0xEE, sizeof(rom));
	CHECK(gmem_ptr(&m, 0xFFFF0000, 4) == rom);              /* readers see it */
	CHECK(gmem_ptr_writable(&m, 0xFFFF0000, 4) == NULL);    /* device DMA does not */
	CHECK(gmem_ptr_writable(&m, 16, 4) == ram + 16);
	CHECK_EQ(gmem_write(&m, 0xFFFF0000, in, 4), -1);
	CHECK_EQ(rom[0], 0xEE);                                 /* nothing written */
	CHECK_EQ(gmem_read(&m, 0xFFFF0000, out, 4), 0);
	CHECK_EQ(gmem_load(&m, 0xFFFF0000, in, 4), 0);          /* a restored stream's ROM page */
	CHECK_EQ(rom[3], 4);
	CHECK_EQ(gmem_load(&m, 0xFFFF0000 + RAM - 2, in, 4), -1);       /* still bounds-checked */
}

const struct unit_test guestmem_tests[] = {
	UNIT(t_read_only_slot_refuses_device_writes),
	UNIT(t_ptr_inside_ram),
	UNIT(t_ptr_past_the_end),
	UNIT(t_ptr_zero_length),
	UNIT(t_ptr_no_overflow),
	UNIT(t_ptr_without_ram),
	UNIT(t_read_write_round_trip),
	UNIT(t_read_write_refused_copy_nothing),
	{ 0 },
};
