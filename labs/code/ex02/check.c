/*
 * labs/code/ex02/check.c - the autograder of exercise 2 (make grade EX=2).
 * Synthetic KVM_EXIT_MMIO exits, no KVM: the row goes through mmio_register's
 * validation and every access through mmio_find, as trap_mmio delivers them.
 */
#include <string.h>

#include "ex02.h"
#include "grade.h"

static struct mmio_bus bus;

/* One access; returns false if no device claims all of [gpa, gpa+len). */
static bool access(uint64_t gpa, uint32_t len, bool write, void *data)
{
	const struct mmio_range *r = mmio_find(&bus, gpa, len);
	if (!r || !r->handler)
		return false;
	struct mmio_req m = { .gpa = gpa, .off = gpa - r->base, .len = len, .write = write, .data = data };
	return r->handler(NULL, &m, r->opaque) == ACT_CONTINUE;
}

static uint32_t rd32(uint64_t gpa)
{
	uint32_t x = 0x5A5A5A5A;
	access(gpa, 4, false, &x);
	return x;
}

int main(void)
{
	struct grade g = { 0 };
	struct ex02_regs regs = { 0 }, other = { 0 };
	char err[256] = "";
	struct mmio_range row = ex02_row(&regs);
	int rc = mmio_register(&bus, &row, err, sizeof(err));

	grade_check(&g, "row registers on the MMIO bus", 2,
		    rc == 0 && row.base == EX02_BASE && row.size == EX02_SIZE && row.opaque == &regs,
		    rc ? err : "base, size and the instance must be those of the statement");
	grade_check(&g, "ID reads KVML", 2, rd32(EX02_BASE + EX02_ID) == EX02_ID_VALUE, NULL);

	uint32_t x = 0xC0FFEE;
	access(EX02_BASE + EX02_SCRATCH, 4, true, &x);
	grade_check(&g, "SCRATCH keeps what was written", 2, rd32(EX02_BASE + EX02_SCRATCH) == 0xC0FFEE, NULL);

	x = 1;
	access(EX02_BASE + EX02_ID, 4, true, &x);
	access(EX02_BASE + EX02_WRITES, 4, true, &x);
	grade_check(&g, "read-only registers ignore writes", 2,
		    rd32(EX02_BASE + EX02_ID) == EX02_ID_VALUE && rd32(EX02_BASE + EX02_WRITES) == 1,
		    "one accepted write so far: the SCRATCH one");

	grade_check(&g, "unknown offsets read as zero", 1, rd32(EX02_BASE + 0x100) == 0, NULL);

	uint16_t h = 0x1234;
	uint8_t b[4] = { 0 };
	access(EX02_BASE + EX02_SCRATCH, 2, true, &h);
	access(EX02_BASE + EX02_SCRATCH + 1, 4, false, b);
	grade_check(&g, "narrow and unaligned accesses are refused", 3,
		    rd32(EX02_BASE + EX02_SCRATCH) == 0xC0FFEE && b[0] == 0xFF && b[3] == 0xFF && regs.bad == 2,
		    "not 4 bytes or not 4-aligned: writes ignored, reads all ones, counted in bad");

	struct mmio_range row2 = ex02_row(&other);
	row2.base = EX02_BASE + EX02_SIZE;
	mmio_register(&bus, &row2, err, sizeof(err));
	x = 7;
	access(row2.base + EX02_SCRATCH, 4, true, &x);
	grade_check(&g, "two instances keep their own state", 2,
		    other.scratch == 7 && regs.scratch == 0xC0FFEE && regs.writes == 1, "use opaque, not a global");
	return grade_total(&g);
}
