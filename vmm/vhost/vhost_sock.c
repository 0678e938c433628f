/*
 * vhost_sock.c - one vhost-user message over a Unix stream socket.
 *
 * vhost-user.rst "Communication": file descriptors travel as SCM_RIGHTS
 * ancillary data with the message.  A stream socket may split a message,
 * so the header is read first (the fds arrive with its first byte), then
 * exactly `size` more bytes - but only after `size` is checked against
 * VHU_PAYLOAD_MAX, so a lying peer cannot make us read or wait for more.
 * Every wait has a deadline: a back-end that stops answering ends the
 * session with an error, never a hang.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vmm/vhost/vhost.h"

int vhu_send(int sock, const struct vhu_msg *m, const int *fds, int nfds)
{
	char ctl[CMSG_SPACE(sizeof(int) * VHU_FDS_MAX)];
	struct iovec iov = { .iov_base = (void *)m, .iov_len = VHU_HDR_SIZE + m->size };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfds < 0 || nfds > (int)VHU_FDS_MAX || m->size > VHU_PAYLOAD_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (nfds > 0) {
		memset(ctl, 0, sizeof(ctl));
		mh.msg_control = ctl;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	}
	ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	if (n < 0)
		return -1;
	if ((size_t)n != iov.iov_len) {         /* a Unix socket sends small messages whole */
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

/* Waits for input until the deadline (-1: none).  1 readable, 0 timed out, -1 error. */
static int wait_in(int sock, long deadline)
{
	for (;;) {
		int left = deadline < 0 ? -1 : (int)(deadline - now_ms());
		if (deadline >= 0 && left < 0)
			left = 0;
		struct pollfd p = { .fd = sock, .events = POLLIN };
		int r = poll(&p, 1, left);
		if (r < 0 && errno == EINTR)
			continue;
		return r < 0 ? -1 : r > 0;
	}
}

/* Reads exactly len bytes; the first recvmsg may bring fds. */
static long read_exact(int sock, uint8_t *buf, size_t len, int *fds, int *nfds, long deadline,
		       char *err, size_t errlen)
{
	size_t got = 0;

	while (got < len) {
		int w = wait_in(sock, deadline);
		if (w <= 0) {
			snprintf(err, errlen, w == 0 ? "no answer in time (the back-end stalls)" : "poll: %s",
				 strerror(errno));
			return -1;
		}
		char ctl[CMSG_SPACE(sizeof(int) * VHU_FDS_MAX)];
		struct iovec iov = { .iov_base = buf + got, .iov_len = len - got };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = fds ? ctl : NULL, .msg_controllen = fds ? sizeof(ctl) : 0 };
		ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "recvmsg: %s", strerror(errno));
			return -1;
		}
		for (struct cmsghdr *c = fds ? CMSG_FIRSTHDR(&mh) : NULL; c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			int *in = (int *)CMSG_DATA(c);
			for (int i = 0; i < k; i++) {
				if (*nfds < (int)VHU_FDS_MAX)
					fds[(*nfds)++] = in[i];
				else
					close(in[i]);           /* more than any message may carry */
			}
		}
		if (fds && (mh.msg_flags & MSG_CTRUNC)) {
			snprintf(err, errlen, "more than %u file descriptors in one message", VHU_FDS_MAX);
			return -1;
		}
		if (n == 0)
			return (long)got;               /* the peer closed */
		got += (size_t)n;
	}
	return (long)got;
}

long vhu_recv(int sock, uint8_t *buf, int *fds, int *nfds, int timeout_ms, char *err, size_t errlen)
{
	long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	uint32_t size;

	*nfds = 0;
	long n = read_exact(sock, buf, VHU_HDR_SIZE, fds, nfds, deadline, err, errlen);
	if (n <= 0)
		goto fail;
	if (n < (long)VHU_HDR_SIZE) {
		snprintf(err, errlen, "the peer closed the socket inside a message header");
		n = -1;
		goto fail;
	}
	memcpy(&size, buf + 8, sizeof(size));
	if (size > VHU_PAYLOAD_MAX) {
		snprintf(err, errlen, "a message announces %u payload bytes (at most %u)", size, VHU_PAYLOAD_MAX);
		n = -1;
		goto fail;
	}
	long p = size ? read_exact(sock, buf + VHU_HDR_SIZE, size, NULL, NULL, deadline, err, errlen) : 0;
	if (p < 0 || (uint32_t)p != size) {
		if (p >= 0)
			snprintf(err, errlen, "the peer closed the socket inside a message (%ld of %u bytes)", p, size);
		n = -1;
		goto fail;
	}
	return (long)VHU_HDR_SIZE + size;
fail:
	if (n <= 0) {
		for (int i = 0; i < *nfds; i++)
			close(fds[i]);
		*nfds = 0;
	}
	return n;
}
