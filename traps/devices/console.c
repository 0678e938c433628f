/*
 * console.c - the VM's one console, and port 0xE9 that writes to it (the
 * Bochs "port e9 hack", also QEMU's -debugcon).  Every OUT is one exit to
 * kvmlab: printing N bytes costs N round trips, which is exactly what the
 * exit counters show.  COM1 (uart16550.c) and the virtio console
 * (virtio_console.c) write to the same console, through console_put: one
 * limit, one buffer for the JSON, one order, whatever thread a byte comes
 * from (docs/io.md, "One console").
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "kvmlab.h"

/* A guest can print forever (one exit per byte): past con->limit bytes the
 * output is dropped and counted, once announced on stderr, and the run goes
 * on (docs/security.md, "Console output"). */
int console_init(struct console *con, uint64_t limit, bool echo)
{
	pthread_mutex_init(&con->lock, NULL);
	con->buf = malloc(CONSOLE_CAP);
	con->len = 0;
	con->total = con->dropped = 0;
	con->echo = echo;
	con->limit = limit ? limit : CONSOLE_LIMIT_DEFAULT;
	return con->buf ? 0 : -1;
}

void console_free(struct console *con)
{
	free(con->buf);
	con->buf = NULL;
}

void console_put(struct console *con, const uint8_t *p, uint32_t n)
{
	pthread_mutex_lock(&con->lock);
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
	pthread_mutex_unlock(&con->lock);
}

enum action console_io(struct vcpu *v, struct io_req *io, void *opaque)
{
	struct console *con = opaque;
	uint8_t low[4096];              /* count x size fits in the kvm_run page (traps/pio.c) */
	uint32_t n = 0;

	(void)v;
	if (io->out) {
		/* Only the low byte of a wider OUT is a character; one string OUT
		 * reaches the console in one piece, never interleaved. */
		for (uint32_t i = 0; i < io->count; i++) {
			low[n++] = io->data[(size_t)i * io->size];
			if (n == sizeof(low) || i + 1 == io->count) {
				console_put(con, low, n);
				n = 0;
			}
		}
	} else {
		for (uint32_t i = 0; i < io->count * io->size; i++)
			io->data[i] = CONSOLE_READBACK;    /* "a console is present" */
	}
	return ACT_CONTINUE;
}
