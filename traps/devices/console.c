/*
 * console.c - port 0xE9, the debug console (the Bochs "port e9 hack", also
 * QEMU's -debugcon).  Every OUT is one exit to kvmlab: printing N bytes costs
 * N round trips, which is exactly what the exit counters show.
 */
#include <pthread.h>
#include <unistd.h>

#include "kvmlab.h"

/* A guest can print forever (one exit per byte): past con->limit bytes the
 * output is dropped and counted, once announced on stderr, and the run goes
 * on (docs/security.md, "Console output"). */
void console_put(struct console *con, const uint8_t *p, uint32_t n)
{
	uint64_t limit = con->limit ? con->limit : CONSOLE_LIMIT_DEFAULT;   /* 0: not configured */
	uint64_t room = con->total < limit ? limit - con->total : 0;
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

/* With --vcpus every vCPU thread prints into vCPU 0's console: one at a time. */
static pthread_mutex_t console_lock = PTHREAD_MUTEX_INITIALIZER;

enum action console_io(struct vcpu *v, struct io_req *io, void *opaque)
{
	struct console *con = v->con_shared ? v->con_shared : &v->con;

	(void)opaque;
	if (io->out) {
		pthread_mutex_lock(&console_lock);
		/* Only the low byte of a wider OUT is a character. */
		for (uint32_t i = 0; i < io->count; i++)
			console_put(con, io->data + (size_t)i * io->size, 1);
		pthread_mutex_unlock(&console_lock);
	} else {
		for (uint32_t i = 0; i < io->count * io->size; i++)
			io->data[i] = CONSOLE_READBACK;    /* "a console is present" */
	}
	return ACT_CONTINUE;
}
