/*
 * tap.c - the backend of virtio-net (--net): a tap device in a network
 * namespace of kvmlab's own, and the thread that lives there.
 *
 * The thread unshares a new network namespace (unshare(2) CLONE_NEWNET acts
 * on the calling thread only), creates the tap in it (/dev/net/tun with
 * IFF_TAP | IFF_NO_PI: every read or write is one bare Ethernet frame,
 * Documentation/networking/tuntap.rst), gives it TAP_HOST_IP/24 and brings
 * it up.  Nothing on the host's network changes: the namespace has no route
 * anywhere else, and it exists only while this thread is in it or the tap's
 * file is open - so it disappears when kvmlab ends, however it ends (even
 * killed: the kernel closes the file).  Tools reach it through the thread:
 * `nsenter --net=/proc/PID/task/TID/ns/net ping 10.0.2.15`.
 *
 * The thread then feeds the device: frames arriving in the tap go into
 * receive buffers (vnet_rx), and with --virtio-notify ioeventfd it also
 * answers the doorbell (transmit).  It watches the tap only while the driver
 * can take frames; otherwise it parks until a register write wakes it.
 * With --sandbox it runs under the I/O thread's seccomp filter.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/if_tun.h>

#include "kvmlab.h"

#define TUN_PATH "/dev/net/tun"

/* The tap's address and flags, set through an AF_INET socket in the new namespace
 * (netdevice(7): SIOCSIFADDR, SIOCSIFNETMASK, SIOCSIFFLAGS). */
static int tap_configure(char *err, size_t errlen)
{
	struct ifreq ifr;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0) {
		snprintf(err, errlen, "socket(AF_INET): %s", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", TAP_IFNAME);
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, TAP_HOST_IP, &sin->sin_addr);
	const char *what = "SIOCSIFADDR";
	if (ioctl(s, SIOCSIFADDR, &ifr) == 0) {
		inet_pton(AF_INET, TAP_NETMASK, &sin->sin_addr);
		what = "SIOCSIFNETMASK";
		if (ioctl(s, SIOCSIFNETMASK, &ifr) == 0) {
			what = "SIOCGIFFLAGS";
			if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
				ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
				what = ioctl(s, SIOCSIFFLAGS, &ifr) == 0 ? NULL : "SIOCSIFFLAGS";
			}
		}
	}
	if (what)
		snprintf(err, errlen, "%s %s: %s", what, TAP_IFNAME, strerror(errno));
	close(s);
	return what ? -1 : 0;
}

/* The namespace and the tap, on the calling thread.  0, or -1 with err. */
static int tap_create(struct tap *t, char *err, size_t errlen)
{
	if (unshare(CLONE_NEWNET) != 0) {
		snprintf(err, errlen, "--net: unshare(CLONE_NEWNET): %s (a private network namespace needs "
			 "CAP_SYS_ADMIN: run as root)", strerror(errno));
		return -1;
	}
	t->fd = open(TUN_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->fd < 0) {
		snprintf(err, errlen, "--net: %s: %s (needs the tun module and CAP_NET_ADMIN)", TUN_PATH,
			 strerror(errno));
		return -1;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;    /* Ethernet frames, no packet-information prefix */
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", TAP_IFNAME);
	if (ioctl(t->fd, TUNSETIFF, &ifr) != 0) {
		snprintf(err, errlen, "--net: TUNSETIFF %s: %s (needs CAP_NET_ADMIN)", TAP_IFNAME, strerror(errno));
		return -1;
	}
	return tap_configure(err, errlen);
}

static void started(struct tap *t, int rc)
{
	pthread_mutex_lock(&t->lock);
	t->rc = rc;
	t->ready = true;
	pthread_cond_signal(&t->ready_cv);
	pthread_mutex_unlock(&t->lock);
}

static void *tap_thread(void *arg)
{
	struct tap *t = arg;
	struct virtio_dev *d = t->dev;
	sigset_t stop;

	/* SIGINT/SIGTERM are for the vCPU and main threads (vmm/core/watchdog.c). */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	t->tid = (pid_t)syscall(SYS_gettid);
	if (tap_create(t, t->err, sizeof(t->err)) != 0) {
		started(t, -1);
		return NULL;
	}
	/* The guest controls the rings this thread walks: with --sandbox it takes
	 * the I/O thread's filter (poll, read, write) before touching any of them. */
	if (t->sandbox && sandbox_enter_io(t->err, sizeof(t->err)) != 0) {
		started(t, -1);
		return NULL;
	}
	pthread_mutex_lock(&d->lock);
	d->net.tapfd = t->fd;
	d->net.wakefd = t->wakefd;
	pthread_mutex_unlock(&d->lock);
	started(t, 0);

	while (!__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE)) {
		/* Under the device lock, so a register write after this sees parked. */
		pthread_mutex_lock(&d->lock);
		bool watch = vnet_rx_open(d), waiting = watch && d->net.pending_len;
		d->net.parked = !watch;
		pthread_mutex_unlock(&d->lock);
		struct pollfd p[4] = {
			{ .fd = watch ? t->fd : -1, .events = POLLIN },     /* poll(2) skips fd -1 */
			{ .fd = t->kickfd, .events = POLLIN },
			{ .fd = t->wakefd, .events = POLLIN },
			{ .fd = t->stopfd, .events = POLLIN },
		};
		if (poll(p, 4, waiting ? 0 : -1) < 0 && errno != EINTR)      /* a held frame goes at once */
			break;
		if (p[3].revents)
			break;
		uint64_t n;
		if ((p[2].revents & POLLIN) && read(t->wakefd, &n, sizeof(n)) < 0)
			n = 0;
		if ((p[1].revents & POLLIN) && read(t->kickfd, &n, sizeof(n)) == sizeof(n)) {
			t->wakeups++;           /* n doorbells may have merged into one wakeup */
			virtio_process(d);      /* transmit: the doorbell went to KVM, not to a vCPU exit */
		}
		vnet_rx(d);
	}
	return NULL;
}

int tap_start(struct tap *t, struct virtio_dev *dev, char *err, size_t errlen)
{
	t->dev = dev;
	t->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	t->stopfd = eventfd(0, EFD_CLOEXEC);
	if (t->wakefd < 0 || t->stopfd < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		return -1;
	}
	t->kickfd = dev->kick.on ? dev->kick.efd : -1;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->ready_cv, NULL);
	int e = pthread_create(&t->thread, NULL, tap_thread, t);
	if (e) {
		snprintf(err, errlen, "pthread_create (net backend): %s", strerror(e));
		return -1;
	}
	t->thread_on = true;
	pthread_mutex_lock(&t->lock);
	while (!t->ready)
		pthread_cond_wait(&t->ready_cv, &t->lock);
	pthread_mutex_unlock(&t->lock);
	if (t->rc != 0) {
		snprintf(err, errlen, "%s", t->err);
		return -1;
	}
	return 0;
}

void tap_stop(struct tap *t)
{
	uint64_t one = 1;

	if (t->thread_on) {
		__atomic_store_n(&t->stop, 1, __ATOMIC_RELEASE);
		if (write(t->stopfd, &one, sizeof(one)) < 0)
			warnx_("net backend: cannot signal stop: %s", strerror(errno));
		pthread_join(t->thread, NULL);
		t->thread_on = false;
	}
	if (t->dev) {                   /* the device forgets the tap before it closes */
		pthread_mutex_lock(&t->dev->lock);
		t->dev->net.tapfd = t->dev->net.wakefd = -1;
		pthread_mutex_unlock(&t->dev->lock);
	}
	if (t->fd >= 0)
		close(t->fd);
	if (t->wakefd >= 0)
		close(t->wakefd);
	if (t->stopfd >= 0)
		close(t->stopfd);
	t->fd = t->wakefd = t->stopfd = -1;
}
