/*
 * test_mem_pagewalk.c - the software walk of synthetic 4-level tables: 4 KiB,
 * 2 MiB and 1 GiB leaves, not-present entries, non-canonical GVAs and
 * tables pointing outside guest memory.
 */
#include "check.h"
#include "x86.h"

#define RAMSZ (64 * 4096)
static uint64_t ram[RAMSZ / 8];
static const struct guest_mem mem = { .hva = (uint8_t *)ram, .size = RAMSZ };

#define E(gpa) ram[(gpa) / 8]                   /* the 64-bit word at a GPA */
#define PML4 0x1000
#define PDPT 0x2000
#define PD   0x3000
#define PT   0x4000

static void build(void)
{
	memset(ram, 0, sizeof(ram));
	/* GVA 0xFFFF800000200000: PML4[256] PDPT[0] PD[1] PT[0] -> 0x9000 (4 KiB) */
	E(PML4 + 256 * 8) = PDPT | PTE_P | PTE_RW;
	E(PDPT + 0 * 8) = PD | PTE_P | PTE_RW;
	E(PD + 1 * 8) = PT | PTE_P | PTE_RW;
	E(PT + 0 * 8) = 0x9000 | PTE_P | PTE_RW;
	/* PD[2]: 2 MiB page at 0x40000000 */
	E(PD + 2 * 8) = 0x40000000 | PTE_P | PTE_RW | PTE_PS;
	/* PDPT[1]: 1 GiB page at 0x80000000 */
	E(PDPT + 1 * 8) = 0x80000000ULL | PTE_P | PTE_PS;
	/* PD[3]: points at a table outside the 256 KiB of RAM */
	E(PD + 3 * 8) = 0x7000000 | PTE_P;
}

static void t_4k_leaf(void)
{
	struct walk w;

	build();
	CHECK(pagewalk(&mem, PML4, 0xFFFF800000200ABCULL, &w) == 0);
	CHECK(w.ok);
	CHECK_EQ(w.gpa, 0x9ABC);
	CHECK_EQ(w.page_size, 4096);
	CHECK_EQ(w.nsteps, 4);
	CHECK_EQ(w.step[0].level, 4);
	CHECK_EQ(w.step[0].index, 256);
	CHECK_EQ(w.step[0].table_gpa, PML4);
	CHECK_EQ(w.step[2].index, 1);
	CHECK_EQ(w.step[3].entry, 0x9000 | PTE_P | PTE_RW);
}

static void t_2m_and_1g_leaves(void)
{
	struct walk w;

	build();
	CHECK(pagewalk(&mem, PML4, 0xFFFF800000412345ULL, &w) == 0);
	CHECK_EQ(w.gpa, 0x40012345);
	CHECK_EQ(w.page_size, 2ULL << 20);
	CHECK_EQ(w.nsteps, 3);
	CHECK(pagewalk(&mem, PML4 | 0x18 /* PWT|PCD ignored */, 0xFFFF800040000010ULL + 0x123456, &w) == 0);
	CHECK_EQ(w.gpa, 0x80123466);
	CHECK_EQ(w.page_size, 1ULL << 30);
	CHECK_EQ(w.nsteps, 2);
}

static void t_not_present(void)
{
	struct walk w;

	build();
	CHECK(pagewalk(&mem, PML4, 0x0000000000001000ULL, &w) == -1);  /* PML4[0] empty */
	CHECK_EQ(w.nsteps, 1);
	CHECK(strstr(w.fault, "PML4E[0] not present") != NULL);
	CHECK(pagewalk(&mem, PML4, 0xFFFF800000201000ULL, &w) == -1);  /* PT[1] empty */
	CHECK_EQ(w.nsteps, 4);
	CHECK(!w.ok);
}

static void t_non_canonical(void)
{
	struct walk w;

	build();
	CHECK(pagewalk(&mem, PML4, 0x0000800000000000ULL, &w) == -1);
	CHECK_EQ(w.nsteps, 0);
	CHECK(strstr(w.fault, "canonical") != NULL);
}

static void t_table_outside_memory(void)
{
	struct walk w;

	build();
	CHECK(pagewalk(&mem, PML4, 0xFFFF800000600000ULL, &w) == -1);  /* PD[3] -> 0x7000000 */
	CHECK(strstr(w.fault, "outside guest memory") != NULL);
	CHECK(pagewalk(&mem, 0xFFFFF000ULL, 0x1000, &w) == -1);        /* CR3 itself outside */
	CHECK(pagewalk(&mem, 0x000FFFFFFFFFF000ULL, 0xFFFFFFFFFFFFF000ULL, &w) == -1); /* no wrap */
}

const struct unit_test pagewalk_tests[] = {
	UNIT(t_4k_leaf), UNIT(t_2m_and_1g_leaves), UNIT(t_not_present), UNIT(t_non_canonical),
	UNIT(t_table_outside_memory), { 0 }
};
