/*
 * iodev.c - the I/O devices of one VM (docs/io.md) and the I/O thread that
 * wakes on the virtio console's doorbell (or polls).  Where each device lives
 * and which in-kernel path it may use (the QueueNotify ioeventfd, the sink's
 * coalesced zone) are rows of the machine table, vmm/core/machine.c.
 *
 *   notify=exit       QueueNotify -> KVM_EXIT_MMIO -> kvmlab processes the queue
 *                     on the vCPU thread, then re-enters the guest
 *   notify=ioeventfd  QueueNotify -> KVM signals an eventfd (api.rst 4.59
 *                     KVM_IOEVENTFD) and resumes the guest at once; the
 *                     I/O thread wakes and processes: vhost's shape
 *   notify=poll       the device sets VIRTQ_USED_F_NO_NOTIFY, the driver stops
 *                     ringing, the I/O thread spins on the avail ring
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvmlab.h"

/* Defaults for `kvmlab run`: small, because every guest instruction may be emulated. */
static const uint32_t param_default[IOPARAM_COUNT] = {
	[IOPARAM_TOTAL] = 4096, [IOPARAM_CHUNK] = 256, [IOPARAM_BATCH] = 4,
};

/* The guest's MAC (virtio_net_config.mac): QEMU's default prefix 52:54:00, a locally administered address. */
static const uint8_t net_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static void *io_thread(void *arg)
{
	struct iodev *io = arg;
	int efd = io->virtio.kick.on ? io->virtio.kick.efd : -1;        /* poll(2) skips fd -1 */
	struct pollfd p[2] = { { .fd = efd, .events = POLLIN }, { .fd = io->stopfd, .events = POLLIN } };
	sigset_t stop;

	/* SIGINT/SIGTERM are for the vCPU and main threads (vmm/core/watchdog.c):
	 * the kernel must not pick this one, whose filter has no tgkill. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	/* The guest controls the rings this thread walks: with --sandbox it
	 * locks itself down before touching any of it (docs/security.md). */
	int rc = io->sandbox_on ? sandbox_enter_io(io->sandbox_err, sizeof(io->sandbox_err)) : 0;
	pthread_mutex_lock(&io->lock);
	io->sandbox_rc = rc;
	io->ready = true;
	pthread_cond_signal(&io->ready_cv);
	pthread_mutex_unlock(&io->lock);
	if (rc != 0)
		return NULL;

	while (!__atomic_load_n(&io->stop, __ATOMIC_ACQUIRE)) {
		if (io->notify == IO_NOTIFY_POLL) {
			if (virtio_process(&io->virtio) == 0)
				sched_yield();          /* nothing new: let the vCPU have the core */
			continue;
		}
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		uint64_t n;
		if ((p[0].revents & POLLIN) && read(efd, &n, sizeof(n)) == sizeof(n)) {
			io->thread_wakeups++;       /* n doorbells may have merged into one wakeup */
			virtio_process(&io->virtio);
		}
	}
	return NULL;
}

/* --blk FILE [--blk-size SIZE]: the file, grown (sparse) to SIZE if shorter. */
static int blk_open(struct vm *vm, struct iodev *io, char *err, size_t errlen)
{
	const struct io_config *c = &vm->cfg.io;
	struct stat st;

	if (c->vhost_blk)
		return vhost_blk_setup(vm, &io->blk, c->vhost_blk, err, errlen);
	if (!c->blk_path) {
		virtio_init_blk(&io->blk, &vm->mem, -1, 0);     /* device id 0: empty slot */
		return 0;
	}
	int fd = open(c->blk_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "--blk %s: %s", c->blk_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* ftruncate to a larger size allocates nothing: the file is sparse. */
	if (c->blk_size > (uint64_t)st.st_size && ftruncate(fd, (off_t)c->blk_size) != 0) {
		snprintf(err, errlen, "--blk %s: ftruncate to %llu bytes: %s", c->blk_path,
			 (unsigned long long)c->blk_size, strerror(errno));
		close(fd);
		return -1;
	}
	uint64_t size = c->blk_size > (uint64_t)st.st_size ? c->blk_size : (uint64_t)st.st_size;
	if (size < 512) {
		snprintf(err, errlen, "--blk %s: the disk is empty (give --blk-size)", c->blk_path);
		close(fd);
		return -1;
	}
	virtio_init_blk(&io->blk, &vm->mem, fd, size / 512);
	return 0;
}

int iodev_setup(struct vm *vm, char *err, size_t errlen)
{
	const struct io_config *c = &vm->cfg.io;
	struct iodev *io = calloc(1, sizeof(*io));

	if (!io) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	vm->io = io;
	pthread_mutex_init(&io->lock, NULL);
	pthread_mutex_init(&io->com1.lock, NULL);
	pthread_mutex_init(&io->sink.lock, NULL);
	pthread_mutex_init(&io->ioparam.lock, NULL);
	io->stopfd = -1;
	io->blk.blk.fd = -1;
	io->notify = c->notify;
	for (int i = 0; i < IOPARAM_COUNT; i++)
		io->ioparam.param[i] = c->param[i] ? c->param[i] : param_default[i];
	uart_reset(&io->com1.uart, c->uart_input, c->uart_input_len);
	io->com1.con = &vm->con;
	virtio_init(&io->virtio, &vm->mem, c->notify == IO_NOTIFY_POLL, &vm->con);
	io->sink.fnv = io->virtio.fnv;
	virtio_init_net(&io->net, &vm->mem, c->net, net_mac);
	io->tap.fd = io->tap.wakefd = io->tap.stopfd = io->tap.kickfd = -1;
	if (ksmctl_setup(&io->ksm, &vm->mem, vm->cfg.memcfg.ksm, vm->cfg.sandbox, vm->cfg.memcfg.backing,
			 err, errlen) != 0)
		return -1;
	return blk_open(vm, io, err, errlen);
}

int iodev_start(struct vm *vm, char *err, size_t errlen)
{
	struct iodev *io = vm->io;

	/* --net: the backend thread creates its namespace and tap, then says where they are. */
	if (vm->cfg.io.net) {
		io->tap.sandbox = vm->cfg.sandbox;
		if (tap_start(&io->tap, &io->net, err, errlen) != 0)
			return -1;
		warnx_("net: tap %s, host side %s/24, guest %s, in network namespace /proc/%d/task/%d/ns/net",
		       TAP_IFNAME, TAP_HOST_IP, NET_GUEST_IP, (int)getpid(), (int)io->tap.tid);
	}
	if (io->notify == IO_NOTIFY_EXIT)
		return 0;
	io->stopfd = eventfd(0, EFD_CLOEXEC);
	if (io->stopfd < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		return -1;
	}
	io->sandbox_on = vm->cfg.sandbox;
	pthread_cond_init(&io->ready_cv, NULL);
	int e = pthread_create(&io->thread, NULL, io_thread, io);
	if (e) {
		snprintf(err, errlen, "pthread_create (I/O thread): %s", strerror(e));
		return -1;
	}
	io->thread_on = true;
	pthread_mutex_lock(&io->lock);
	while (!io->ready)
		pthread_cond_wait(&io->ready_cv, &io->lock);
	pthread_mutex_unlock(&io->lock);
	if (io->sandbox_rc != 0) {
		snprintf(err, errlen, "I/O thread: %s", io->sandbox_err);
		return -1;
	}
	return 0;
}

void iodev_quiesce(struct vm *vm)
{
	struct iodev *io = vm->io;

	if (!io)
		return;
	tap_stop(&io->tap);             /* the namespace and the tap go with it */
	vhost_blk_quiesce(io->vhost);   /* the ring back from the back-end, before the report */
	if (!io->thread_on)
		return;
	uint64_t one = 1;
	__atomic_store_n(&io->stop, 1, __ATOMIC_RELEASE);
	if (write(io->stopfd, &one, sizeof(one)) < 0)
		warnx_("I/O thread: cannot signal stop: %s", strerror(errno));
	pthread_join(io->thread, NULL);
	io->thread_on = false;
}

void iodev_stop(struct vm *vm)
{
	struct iodev *io = vm->io;

	if (!io)
		return;
	iodev_quiesce(vm);
	if (io->stopfd >= 0)
		close(io->stopfd);
	pthread_mutex_destroy(&io->virtio.lock);
	pthread_mutex_destroy(&io->ksm.lock);
	pthread_mutex_destroy(&io->ioparam.lock);
	pthread_mutex_destroy(&io->sink.lock);
	pthread_mutex_destroy(&io->com1.lock);
	pthread_mutex_destroy(&io->lock);
	vhost_blk_teardown(io->vhost);  /* GET_VRING_BASE while the device's lock still exists */
	io->vhost = NULL;
	if (io->net.type)
		pthread_mutex_destroy(&io->net.lock);
	if (io->blk.type) {
		if (io->blk.blk.fd >= 0)
			close(io->blk.blk.fd);
		pthread_mutex_destroy(&io->blk.lock);
	}
	free(io);
	vm->io = NULL;
}
