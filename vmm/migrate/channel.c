/*
 * channel.c - the connection a live migration runs over: a unix socket
 * ("unix:PATH") or TCP ("tcp:HOST:PORT", a numeric IPv4 address), one
 * connection per migration, the stream on it from source to destination and
 * one 8-byte acknowledgement back (docs/migration.md).  No read or write on it
 * waits longer than MIG_IO_TIMEOUT_S: a peer that stops talking is an error,
 * never a hang.
 */
#define _GNU_SOURCE             /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "kvmlab.h"

int mig_addr_parse(const char *s, struct mig_addr *a, char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	if (strncmp(s, "unix:", 5) == 0) {
		const char *path = s + 5;
		if (!*path || strlen(path) >= sizeof(a->path)) {
			snprintf(err, errlen, "'%s': a unix socket path of 1..%zu bytes", s, sizeof(a->path) - 1);
			return -1;
		}
		strcpy(a->path, path);
		return 0;
	}
	if (strncmp(s, "tcp:", 4) == 0) {
		const char *host = s + 4, *colon = strrchr(host, ':');
		struct in_addr in;
		uint64_t port;
		size_t hl = colon ? (size_t)(colon - host) : 0;
		if (!colon || hl == 0 || hl >= sizeof(a->host) || parse_u64(colon + 1, &port) != 0 ||
		    port == 0 || port > 65535) {
			snprintf(err, errlen, "'%s': tcp:HOST:PORT with a port of 1..65535", s);
			return -1;
		}
		memcpy(a->host, host, hl);
		if (inet_pton(AF_INET, a->host, &in) != 1) {
			snprintf(err, errlen, "'%s': HOST must be a numeric IPv4 address (127.0.0.1)", s);
			return -1;
		}
		a->tcp = true;
		a->port = (uint16_t)port;
		return 0;
	}
	snprintf(err, errlen, "'%s': an address is unix:PATH or tcp:HOST:PORT", s);
	return -1;
}

/* The sockaddr of a; its length. */
static socklen_t addr_sock(const struct mig_addr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->tcp) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;
		in->sin_family = AF_INET;
		in->sin_port = htons(a->port);
		inet_pton(AF_INET, a->host, &in->sin_addr);     /* checked by mig_addr_parse */
		return sizeof(*in);
	}
	struct sockaddr_un *un = (struct sockaddr_un *)ss;
	un->sun_family = AF_UNIX;
	memcpy(un->sun_path, a->path, sizeof(a->path));
	return sizeof(*un);
}

int mig_listen(const struct mig_addr *a, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len = addr_sock(a, &ss);
	int one = 1;
	int fd = socket(a->tcp ? AF_INET : AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (a->tcp)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	else
		unlink(a->path);        /* a stale socket file of an earlier receiver */
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 1) != 0) {
		snprintf(err, errlen, "--listen %s%s%s: %s", a->tcp ? "tcp:" : "unix:", a->tcp ? a->host : a->path,
			 "", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int mig_accept(int lfd, double timeout_s, char *err, size_t errlen)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	int ms = timeout_s > 0 ? (int)(timeout_s * 1000) : -1;
	int r;

	do
		r = poll(&pfd, 1, ms);
	while (r < 0 && errno == EINTR && !watchdog_stop_signal());
	if (r == 0) {
		snprintf(err, errlen, "no source connected within %.0f s", timeout_s);
		return -1;
	}
	if (r < 0) {
		snprintf(err, errlen, "poll: %s", strerror(errno));
		return -1;
	}
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		snprintf(err, errlen, "accept: %s", strerror(errno));
	return fd;
}

int mig_set_timeouts(int fd, char *err, size_t errlen)
{
	struct timeval tv = { .tv_sec = MIG_IO_TIMEOUT_S };
	int one = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0) {
		snprintf(err, errlen, "setsockopt(SO_RCVTIMEO/SO_SNDTIMEO): %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));   /* fails harmlessly on unix */
	return 0;
}

int mig_read_ack(int fd, char *why, size_t whylen)
{
	char ack[8];
	size_t got = 0;

	while (got < sizeof(ack)) {
		ssize_t r = read(fd, ack + got, sizeof(ack) - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			snprintf(why, whylen, "it closed the connection without answering");
			return -1;
		}
		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				snprintf(why, whylen, "no answer within %d s", MIG_IO_TIMEOUT_S);
			else
				snprintf(why, whylen, "%s", strerror(errno));
			return -1;
		}
		got += (size_t)r;
	}
	if (memcmp(ack, MIG_ACK_MAGIC, sizeof(ack)) != 0) {
		snprintf(why, whylen, "it answered something other than the acknowledgement");
		return -1;
	}
	return 0;
}

int mig_connect(const struct mig_addr *a, double timeout_s, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len = addr_sock(a, &ss);
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int fd = socket(a->tcp ? AF_INET : AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			snprintf(err, errlen, "socket: %s", strerror(errno));
			return -1;
		}
		if (connect(fd, (struct sockaddr *)&ss, len) == 0)
			return fd;
		int e = errno;
		close(fd);
		clock_gettime(CLOCK_MONOTONIC, &t);
		double waited = (double)(t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9;
		/* Not listening yet (ENOENT, ECONNREFUSED): the receiver may be starting. */
		if ((e != ENOENT && e != ECONNREFUSED) || waited >= timeout_s) {
			snprintf(err, errlen, "connecting to %s%s: %s", a->tcp ? "tcp:" : "unix:",
				 a->tcp ? a->host : a->path, strerror(e));
			return -1;
		}
		usleep(20000);
	}
}

int mig_limited_read(void *ctx, void *buf, size_t n)
{
	struct mig_limited *l = ctx;

	if (n > l->left) {
		l->hit = true;
		return -1;
	}
	l->left -= n;
	return mig_fd_read(&l->fd, buf, n);
}
