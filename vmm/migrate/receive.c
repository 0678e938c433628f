/*
 * receive.c - the destination of a live migration, `kvmlab receive --listen
 * ADDR`: waits for one source, reads its stream as untrusted input with the
 * same checks as `kvmlab restore` (stream.c), builds the VM it describes, and
 * only when the END section has come and every vCPU's state is loaded does it
 * answer MIG_ACK_MAGIC and run the guest.  A stream that breaks off, times
 * out or fails a check is one line and exit 19: the guest never runs here,
 * and the source, seeing no answer, lets it run on there.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "kvmlab.h"

struct recv_src {
	int fd;
	uint64_t bytes, fail_after;     /* --fail-after: a test aid (docs/migration.md) */
	int err;                        /* errno of the read that failed, 0 = end of stream */
	double first;                   /* CLOCK_MONOTONIC of the first byte, 0 before */
};

static double recv_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* mig_src.read over the socket: exactly n bytes within MIG_IO_TIMEOUT_S each. */
static int recv_read(void *ctx, void *buf, size_t n)
{
	struct recv_src *s = ctx;
	uint8_t *p = buf;

	if (s->fail_after && s->bytes + n > s->fail_after) {
		s->err = ECONNABORTED;  /* the test aid: the connection "drops" here */
		return -1;
	}
	while (n) {
		ssize_t r = read(s->fd, p, n);
		if (r < 0 && errno == EINTR && !watchdog_stop_signal())
			continue;
		if (r <= 0) {
			s->err = r < 0 ? errno : 0;
			return -1;
		}
		if (!s->first)
			s->first = recv_now();
		p += r;
		n -= (size_t)r;
		s->bytes += (uint64_t)r;
	}
	return 0;
}

/* mig_restore_opts.committed: the whole guest is here; tell the source, then run. */
static int recv_ack(void *arg, char *err, size_t errlen)
{
	struct recv_src *s = arg;
	const char ack[8] = MIG_ACK_MAGIC;

	if (send(s->fd, ack, sizeof(ack), MSG_NOSIGNAL) != (ssize_t)sizeof(ack)) {
		snprintf(err, errlen, "migration: the source went away before the guest could start here (%s)",
			 strerror(errno));
		return -1;
	}
	/* Said now, before the guest's own output continues here. */
	fprintf(stderr, "kvmlab: receive: %llu bytes in %.3f s; the guest runs here\n",
		(unsigned long long)s->bytes, s->first ? recv_now() - s->first : 0.0);
	return 0;
}

int mig_receive_run(struct mig_receive *m, struct run *r, struct kvm *k, struct payload *p,
		    const struct vm_config *cfg, char *err, size_t errlen)
{
	struct mig_addr a;
	struct recv_src s = { .fd = -1, .fail_after = m->fail_after };

	memset(r, 0, sizeof(*r));
	r->vm.fd = -1;
	r->vcpu.fd = -1;
	signal(SIGPIPE, SIG_IGN);       /* a peer gone is EPIPE, said in one line */
	if (mig_addr_parse(m->listen, &a, err, errlen) != 0)
		return XC_USAGE;
	int lfd = mig_listen(&a, err, errlen);
	if (lfd < 0)
		return XC_HOST;
	fprintf(stderr, "kvmlab: receive: listening on %s\n", m->listen);
	s.fd = mig_accept(lfd, m->accept_timeout, err, errlen);
	close(lfd);
	if (!a.tcp)
		unlink(a.path);
	if (s.fd < 0)
		return XC_HOST;
	if (mig_set_timeouts(s.fd, err, errlen) != 0) {
		close(s.fd);
		return XC_HOST;
	}
	struct mig_src src = { recv_read, &s };
	struct mig_uffd uffd = { .uffd = -1 };
	struct mig_restore_opts o = { .name = m->listen, .committed = recv_ack, .arg = &s, .sock = s.fd, .uffd = &uffd };
	int rc = mig_restore(r, k, &src, p, cfg, &o, err, errlen);
	if (uffd.faults || uffd.received)       /* post-copy: what the faults cost */
		fprintf(stderr, "kvmlab: receive: post-copy: %llu pages, %llu faults served, latency min %.3f mean %.3f "
			"max %.3f ms, last page after %.3f s\n", (unsigned long long)uffd.received,
			(unsigned long long)uffd.served, uffd.lat_min * 1e3,
			uffd.served ? uffd.lat_sum / uffd.served * 1e3 : 0.0, uffd.lat_max * 1e3, uffd.seconds);
	m->faults = uffd.served;
	if (rc == XC_MIGRATION_STREAM && s.err) {      /* why the stream broke off, not just where */
		size_t n = strlen(err);
		if (s.err == EAGAIN)
			snprintf(err + n, errlen - n, " (no data from the source for %d s)", MIG_IO_TIMEOUT_S);
		else
			snprintf(err + n, errlen - n, " (%s)", s.err == ECONNABORTED ? "--fail-after reached" : strerror(s.err));
	}
	m->bytes = s.bytes;
	m->stream_seconds = s.first && o.stream_end ? o.stream_end - s.first : 0;
	close(s.fd);
	return rc;
}
