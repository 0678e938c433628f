/*
 * main.c - kvmlab-vhost-blk: a vhost-user-blk back-end for one front-end.
 *
 *   kvmlab-vhost-blk --socket PATH --disk FILE [--size BYTES] [--misbehave KIND]
 *                    [--stats FILE]
 *
 * Listens on PATH, serves one connection, exits when the front-end hangs up
 * (exit 0) or on an error (exit 1, one line on stderr).  --misbehave makes it
 * break one rule of the protocol on purpose (used-idx, used-len, config-size,
 * stall, close, no-ack; for migration's dirty log no-log, log-no-shmfd, log-reply,
 * log-close) so that kvmlab's tests can show what a front-end must not
 * trust.  --stats writes the back-end's own CPU time and request count: the
 * work that left the VMM.  One poll loop: the socket (control path) and the
 * kick eventfd (data path).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "tools/vhost-blk/vhost_blk.h"

static const char *const mis_names[MIS_COUNT] = {
	[MIS_NONE] = "none", [MIS_USED_IDX] = "used-idx", [MIS_USED_LEN] = "used-len",
	[MIS_CONFIG_SIZE] = "config-size", [MIS_STALL] = "stall", [MIS_CLOSE] = "close",
	[MIS_NO_LOG] = "no-log", [MIS_LOG_NO_SHMFD] = "log-no-shmfd", [MIS_LOG_REPLY] = "log-reply",
	[MIS_LOG_CLOSE] = "log-close", [MIS_NO_ACK] = "no-ack",
};

static void usage(void)
{
	fprintf(stderr, "usage: kvmlab-vhost-blk --socket PATH --disk FILE [--size BYTES] "
		"[--misbehave none|used-idx|used-len|config-size|stall|close|no-log|log-no-shmfd|log-reply|log-close|no-ack] "
		"[--stats FILE]\n");
	exit(2);
}

static void write_stats(const char *path, const struct backend *b)
{
	struct rusage ru;
	FILE *f;

	if (!path || getrusage(RUSAGE_SELF, &ru) != 0 || !(f = fopen(path, "w")))
		return;
	fprintf(f, "{\"cpu_user\": %.6f, \"cpu_sys\": %.6f, \"requests\": %llu, \"kicks\": %llu, "
		"\"logged_pages\": %llu}\n",
		ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6, ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6,
		(unsigned long long)b->requests, (unsigned long long)b->kicks, (unsigned long long)b->logged);
	fclose(f);
}

int main(int argc, char **argv)
{
	const char *sock_path = NULL, *disk = NULL, *stats = NULL;
	unsigned long long size = 0;
	static struct backend b;
	char err[300];

	b.mis = MIS_NONE;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--socket") && v) sock_path = argv[++i];
		else if (!strcmp(a, "--disk") && v) disk = argv[++i];
		else if (!strcmp(a, "--stats") && v) stats = argv[++i];
		else if (!strcmp(a, "--size") && v) {
			char *end;
			size = strtoull(v, &end, 0);
			size <<= *end == 'K' ? 10 : *end == 'M' ? 20 : *end == 'G' ? 30 : 0;     /* 2M = 2 MiB */
			i++;
		}
		else if (!strcmp(a, "--misbehave") && v) {
			int k = 0;
			while (k < MIS_COUNT && strcmp(v, mis_names[k]))
				k++;
			if (k == MIS_COUNT)
				usage();
			b.mis = (enum misbehave)k;
			i++;
		} else
			usage();
	}
	if (!sock_path || !disk)
		usage();

	int fd = open(disk, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || (size > (unsigned long long)st.st_size && ftruncate(fd, (off_t)size) != 0)) {
		fprintf(stderr, "kvmlab-vhost-blk: %s: %s\n", disk, strerror(errno));
		return 1;
	}
	uint64_t bytes = size > (unsigned long long)st.st_size ? size : (uint64_t)st.st_size;
	if (bytes < 512) {
		fprintf(stderr, "kvmlab-vhost-blk: %s: the disk is empty (give --size)\n", disk);
		return 1;
	}
	/* The block request handler of kvmlab's own device, pointed at our mapping of guest RAM. */
	gmem_init(&b.mem);
	b.dev.mem = &b.mem;
	b.dev.type = &virtio_blk_type;
	b.dev.blk.fd = fd;
	b.dev.blk.sectors = bytes / 512;
	b.kick = b.call = -1;

	/* Bound under a temporary name and renamed once listen() is done: whoever waits
	 * for the path to appear (kvmlab iobench, scripts/vhost-serve) can then connect
	 * at once, instead of racing bind() and listen() into ECONNREFUSED. */
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char tmp_path[sizeof(sa.sun_path)];
	if ((size_t)snprintf(tmp_path, sizeof(tmp_path), "%s.tmp", sock_path) >= sizeof(tmp_path)) {
		fprintf(stderr, "kvmlab-vhost-blk: socket path too long\n");
		return 1;
	}
	memcpy(sa.sun_path, tmp_path, strlen(tmp_path));
	int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	unlink(sock_path);
	unlink(tmp_path);
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(ls, 1) != 0 ||
	    rename(tmp_path, sock_path) != 0) {
		fprintf(stderr, "kvmlab-vhost-blk: %s: %s\n", sock_path, strerror(errno));
		unlink(tmp_path);
		return 1;
	}
	b.sock = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	close(ls);
	unlink(sock_path);              /* one front-end: nobody else may connect */
	if (b.sock < 0) {
		fprintf(stderr, "kvmlab-vhost-blk: accept: %s\n", strerror(errno));
		return 1;
	}
	int rc = 0;
	for (;;) {
		struct pollfd p[2] = { { .fd = b.sock, .events = POLLIN }, { .fd = b.kick, .events = POLLIN } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents & POLLIN) {
			if (serve_kick(&b) != 0) {
				rc = b.mis == MIS_CLOSE ? 0 : 1;
				break;          /* "close": hang up mid-request */
			}
		}
		if (p[0].revents & (POLLIN | POLLHUP)) {
			int r = session_handle(&b, err, sizeof(err));
			if (r == 1)
				break;
			if (r < 0) {
				fprintf(stderr, "kvmlab-vhost-blk: %s\n", err);
				rc = 1;
				break;
			}
		}
	}
	write_stats(stats, &b);
	close(b.sock);
	fsync(fd);
	close(fd);
	return rc;
}
