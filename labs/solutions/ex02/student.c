/*
 * labs/solutions/ex02/student.c - exercise 2, reference solution (instructors only).
 */
#include <string.h>

#include "ex02.h"

enum action ex02_mmio(struct vcpu *v, struct mmio_req *m, void *opaque)
{
	struct ex02_regs *r = opaque;
	uint32_t x = 0;

	(void)v;
	/* The registers are dwords: anything else is refused, as real devices do (reads float high). */
	if (m->len != 4 || (m->off & 3)) {
		r->bad++;
		if (!m->write)
			memset(m->data, 0xFF, m->len);
		return ACT_CONTINUE;
	}
	if (m->write) {
		if (m->off == EX02_SCRATCH) {   /* the read-only registers ignore writes */
			memcpy(&r->scratch, m->data, 4);
			r->writes++;
		}
		return ACT_CONTINUE;
	}
	if (m->off == EX02_ID)
		x = EX02_ID_VALUE;
	else if (m->off == EX02_SCRATCH)
		x = r->scratch;
	else if (m->off == EX02_WRITES)
		x = r->writes;
	memcpy(m->data, &x, 4);                 /* other offsets read as zero */
	return ACT_CONTINUE;
}

struct mmio_range ex02_row(struct ex02_regs *r)
{
	return (struct mmio_range){ .base = EX02_BASE, .size = EX02_SIZE, .name = "ex02-regs",
				    .handler = ex02_mmio, .opaque = r };
}
