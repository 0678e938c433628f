/*
 * test_mem_memslots.c - the slot table refuses what KVM would refuse, and
 * gmem_ptr resolves a GPA through the right slot, never across two.
 */
#include "check.h"

static uint8_t ram[16 * 4096], rom[4 * 4096];

static struct mem_slot slot(uint32_t id, uint64_t gpa, uint64_t size, uint8_t *hva, bool window)
{
	return (struct mem_slot){ .id = id, .gpa = gpa, .size = size, .hva = hva, .name = "t",
				  .memfd = -1, .window = window };
}

static void two_slots(struct guest_mem *m)
{
	char err[200];
	struct mem_slot a = slot(SLOT_RAM, 0, sizeof(ram), ram, false);
	struct mem_slot b = slot(SLOT_ROM, 0x20000, sizeof(rom), rom, false);

	memset(m, 0, sizeof(*m));
	CHECK(memslots_add(m, &a, err, sizeof(err)) == 0);
	CHECK(memslots_add(m, &b, err, sizeof(err)) == 0);
}

static void t_accepts_default_layout(void)
{
	struct guest_mem m;

	two_slots(&m);
	CHECK_EQ(m.nslots, 2);
	CHECK(m.hva == ram);                   /* slot 0 at GPA 0 is the compatibility view */
	CHECK_EQ(m.size, sizeof(ram));
}

static void t_refuses_bad_slots(void)
{
	struct guest_mem m;
	char err[200];
	struct mem_slot s;

	two_slots(&m);
	s = slot(5, 0x1000, 0x1000, ram, false);                /* overlaps RAM */
	CHECK(memslots_check(&m, &s, err, sizeof(err)) == -1);
	CHECK(strstr(err, "overlaps") != NULL);
	s = slot(SLOT_ROM, 0x40000, 0x1000, ram, false);        /* slot number taken */
	CHECK(memslots_check(&m, &s, err, sizeof(err)) == -1);
	s = slot(5, 0x40800, 0x1000, ram, false);               /* GPA not page aligned */
	CHECK(memslots_check(&m, &s, err, sizeof(err)) == -1);
	s = slot(5, 0x40000, 0x800, ram, false);                /* size not page aligned */
	CHECK(memslots_check(&m, &s, err, sizeof(err)) == -1);
	s = slot(5, 0x40000, 0, ram, false);                    /* empty */
	CHECK(memslots_check(&m, &s, err, sizeof(err)) == -1);
	s = slot(5, 0xBFFFF000, 0x2000, ram, false);            /* into the MMIO window */
	CHECK(memslots_check(&m, &s, err, sizeof(err)) == -1);
	CHECK(strstr(err, "MMIO window") != NULL);
	s = slot(5, 0xFFFF0000, 0x20000, ram, true);            /* past 4 GiB, even for a window slot */
	CHECK(memslots_check(&m, &s, err, sizeof(err)) == -1);
	s = slot(5, 0xFFFFFFFFFFFFF000ULL, 0x2000, ram, true);  /* gpa + size wraps */
	CHECK(memslots_check(&m, &s, err, sizeof(err)) == -1);
	s = slot(5, 0xFFFF0000, 0x10000, ram, true);            /* ROM in the window, by design */
	CHECK(memslots_check(&m, &s, err, sizeof(err)) == 0);
	s = slot(5, 0x40000, 0x1000, ram, false);               /* adjacent to nothing: fine */
	CHECK(memslots_check(&m, &s, err, sizeof(err)) == 0);
}

static void t_table_full(void)
{
	struct guest_mem m = { 0 };
	char err[200];

	for (uint32_t i = 0; i < MEMSLOTS_MAX; i++) {
		struct mem_slot s = slot(i, (uint64_t)i << 20, 0x1000, ram, false);
		CHECK(memslots_add(&m, &s, err, sizeof(err)) == 0);
	}
	struct mem_slot extra = slot(99, 0x40000000, 0x1000, ram, false);
	CHECK(memslots_add(&m, &extra, err, sizeof(err)) == -1);
}

static void t_gmem_ptr_through_slots(void)
{
	struct guest_mem m;

	two_slots(&m);
	CHECK(gmem_ptr(&m, 0x100, 8) == ram + 0x100);
	CHECK(gmem_ptr(&m, 0x20010, 8) == rom + 0x10);         /* second slot, its own HVA */
	CHECK(gmem_ptr(&m, 0x20000 + sizeof(rom) - 8, 8) == rom + sizeof(rom) - 8);
	CHECK(gmem_ptr(&m, 0x20000 + sizeof(rom) - 8, 9) == NULL);     /* one byte past the slot */
	CHECK(gmem_ptr(&m, sizeof(ram), 1) == NULL);            /* the hole between the slots */
	CHECK(gmem_ptr(&m, 0x1FFF8, 16) == NULL);               /* hole, then slot: not one slot */
	CHECK(gmem_ptr(&m, 0x20000, UINT64_MAX) == NULL);       /* overflow-safe */
	CHECK(gmem_ptr(&m, UINT64_MAX, 2) == NULL);
}

static void t_adjacent_slots_do_not_join(void)
{
	struct guest_mem m = { 0 };
	char err[200];
	struct mem_slot a = slot(0, 0, 0x1000, ram, false), b = slot(1, 0x1000, 0x1000, rom, false);

	CHECK(memslots_add(&m, &a, err, sizeof(err)) == 0);
	CHECK(memslots_add(&m, &b, err, sizeof(err)) == 0);
	/* Contiguous in GPA, not in the host: a range across them is refused. */
	CHECK(gmem_ptr(&m, 0xFF8, 16) == NULL);
	CHECK(gmem_ptr(&m, 0x1000, 16) == rom);
}

static void t_remove_makes_a_hole(void)
{
	struct guest_mem m;

	two_slots(&m);
	CHECK(memslots_find(&m, 0x20000) != NULL);
	CHECK(memslots_remove(&m, SLOT_ROM) == 0);
	CHECK(memslots_find(&m, 0x20000) == NULL);
	CHECK(gmem_ptr(&m, 0x20000, 1) == NULL);
	CHECK(memslots_remove(&m, SLOT_ROM) == -1);             /* already gone */
	CHECK(gmem_ptr(&m, 0x100, 1) == ram + 0x100);           /* RAM untouched */
}

const struct unit_test memslots_tests[] = {
	UNIT(t_accepts_default_layout), UNIT(t_refuses_bad_slots), UNIT(t_table_full),
	UNIT(t_gmem_ptr_through_slots), UNIT(t_adjacent_slots_do_not_join), UNIT(t_remove_makes_a_hole),
	{ 0 }
};
