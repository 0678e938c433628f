/*
 * console.c - port 0xE9, the debug console (the Bochs "port e9 hack", also
 * QEMU's -debugcon).  Every OUT is one exit to kvmlab: printing N bytes costs
 * N round trips, which is exactly what the exit counters show.
 */
#include <unistd.h>

#include "kvmlab.h"

/* A guest can print forever (one exit per byte): past con->limit bytes the
 * output is dropped and counted, once announced on stderr, and the run goes
 * on (docs/security.md, "Console output"). */
static void console_put(struct console *con, const uint8_t *p, uint32_t n)
{
	uint64_t room = con->total < con->limit ? con->limit - con->total : 0;
	uint32_t take = n < room ? n : (uint32_t)room;

	for (uint32_t i = 0; i < take; i++)
		if (con->len < CONSOLE_CAP)
			con->buf[con->len++] = (char)p[i];
	if (take < n) {
		if (con->dropped == 0)
			warnx_("guest console passed --console-limit (%llu bytes): "
			       "further output is counted, not shown", (unsigned long long)con->limit);
		con->dropped += n - take;
	}
	con->total += n;
	if (con->echo && take) {
		fwrite(p, 1, take, stdout);
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
