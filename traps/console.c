/*
 * console.c - port 0xE9, the debug console (the Bochs "port e9 hack", also
 * QEMU's -debugcon).  Every OUT is one exit to kvmlab: printing N bytes costs
 * N round trips, which is exactly what the exit counters show.
 */
#include <unistd.h>

#include "kvmlab.h"

void console_put(struct console *con, const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (con->len < CONSOLE_CAP)
			con->buf[con->len++] = (char)p[i];
	con->total += n;
	if (con->echo) {
		fwrite(p, 1, n, stdout);
		fflush(stdout);
	}
}

enum action console_io(struct vcpu *v, struct io_req *io, void *opaque)
{
	(void)opaque;
	if (io->out) {
		/* Only the low byte of a wider OUT is a character. */
		for (uint32_t i = 0; i < io->count; i++)
			console_put(&v->con, io->data + (size_t)i * io->size, 1);
	} else {
		for (uint32_t i = 0; i < io->count * io->size; i++)
			io->data[i] = CONSOLE_READBACK;    /* "a console is present" */
	}
	return ACT_CONTINUE;
}
