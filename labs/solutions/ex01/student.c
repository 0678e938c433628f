/*
 * labs/solutions/ex01/student.c - exercise 1, reference solution (instructors only).
 */
#include <string.h>

#include "ex01.h"

enum action ex01_counter_io(struct vcpu *v, struct io_req *io, void *opaque)
{
	struct ex01_counter *c = opaque;        /* the instance: no globals */

	(void)v;
	/* String I/O: count elements of io->size bytes each, in order (api.rst, KVM_EXIT_IO). */
	for (uint32_t i = 0; i < io->count; i++) {
		uint8_t *d = io->data + (size_t)i * io->size;
		uint32_t x = 0;
		if (io->off == 0 && io->out) {
			memcpy(&x, d, io->size);        /* a narrow write sets the low bytes, zero-extended */
			c->count = x;
		} else if (io->off == 0) {
			x = c->count++;                 /* read, then count */
			memcpy(d, &x, io->size);
		} else if (io->out) {
			memcpy(&x, d, io->size);
			if (x == EX01_CTRL_RESET)
				c->count = 0;
		} else {
			x = EX01_ID;
			memcpy(d, &x, io->size);
		}
	}
	return ACT_CONTINUE;
}

struct pio_range ex01_row(struct ex01_counter *c)
{
	return (struct pio_range){ .first = EX01_PORT, .count = EX01_NPORTS, .name = "ex01-counter",
				   .handler = ex01_counter_io, .opaque = c };
}
