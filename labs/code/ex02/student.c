/*
 * labs/code/ex02/student.c - exercise 2: an MMIO register block.
 * Statement: labs/code/02-mmio-device.md.  Grade: make grade EX=2
 */
#include <string.h>

#include "ex02.h"

enum action ex02_mmio(struct vcpu *v, struct mmio_req *m, void *opaque)
{
	(void)v; (void)m; (void)opaque;
	/* TODO: ID, SCRATCH, WRITES; refuse accesses that are not 4 bytes at a 4-aligned offset. */
	return ACT_CONTINUE;
}

struct mmio_range ex02_row(struct ex02_regs *r)
{
	(void)r;
	/* TODO: the row that puts this instance on the MMIO bus. */
	return (struct mmio_range){ 0 };
}
