/*
 * vhost_front.c - kvmlab as a vhost-user front-end for one block device.
 *
 * The session follows vhost-user.rst: "Starting and stopping rings" and the
 * front-end message types.  Set-up (at --vhost-user-blk, before the guest runs):
 *   SET_OWNER, GET_FEATURES, GET_PROTOCOL_FEATURES/SET_PROTOCOL_FEATURES
 *   (CONFIG, REPLY_ACK), GET_CONFIG (the capacity the guest will read)
 * Start (the driver wrote DRIVER_OK, so the rings are where it said):
 *   SET_FEATURES, SET_MEM_TABLE (guest RAM's memfds), SET_VRING_NUM/BASE/ADDR,
 *   SET_VRING_KICK (the ioeventfd of QueueNotify), SET_VRING_CALL, SET_VRING_ENABLE
 * Stop: GET_VRING_BASE.
 * Migration (vhost-user.rst "Migration"): SET_LOG_BASE (a memfd bitmap, one bit
 *   a 4 KiB page by GPA), SET_FEATURES with VHOST_F_LOG_ALL, SET_VRING_ADDR with
 *   VHOST_VRING_F_LOG; the same without the bits ends it.  kvmlab reads the log
 *   each pre-copy round and never sends the optional SET_LOG_FD.
 * After start kvmlab is off the data path: the guest
 * kicks KVM's eventfd, the back-end reads it, and completes through the call fd.
 * Every answer goes through vhu_reply_parse before a field is used.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vmm/vhost/vhost.h"

/* The protocol features kvmlab speaks (vhost-user.rst "Protocol features"). */
#define FRONT_PROTOCOL (VHU_PF_CONFIG | VHU_PF_REPLY_ACK | VHU_PF_LOG_SHMFD)

/* Sends one request; with REPLY_ACK agreed, a SET waits for the back-end's u64 status. */
static int request(struct vhost_front *f, struct vhu_msg *m, const int *fds, int nfds, char *err, size_t errlen)
{
	bool ack = (f->protocol & VHU_PF_REPLY_ACK) && vhu_payload_size(m->request) != 0 &&
		   m->request != VHU_GET_VRING_BASE && m->request != VHU_GET_CONFIG &&
		   m->request != VHU_SET_LOG_BASE;      /* answered on its own (vhost_front_log) */
	if (ack)
		m->flags |= VHU_FLAG_NEED_REPLY;
	f->messages++;
	if (vhu_send(f->sock, m, fds, nfds) != 0) {
		snprintf(err, errlen, "vhost-user %s: send: %s (the back-end is gone)", vhu_request_name(m->request),
			 strerror(errno));
		return -1;
	}
	if (!ack)
		return 0;
	struct vhu_msg r;
	uint32_t req = m->request;
	if (vhost_front_recv_reply(f, req, 0, &r, err, errlen) != 0)
		return -1;
	if (r.p.u64 != 0) {
		snprintf(err, errlen, "vhost-user %s: the back-end refused it (status %llu)", vhu_request_name(req),
			 (unsigned long long)r.p.u64);
		return -1;
	}
	return 0;
}

int vhost_front_recv_reply(struct vhost_front *f, uint32_t want, uint32_t cfg_size, struct vhu_msg *out,
			   char *err, size_t errlen)
{
	uint8_t buf[VHU_HDR_SIZE + VHU_PAYLOAD_MAX];
	int fds[VHU_FDS_MAX], nfds = 0;
	char why[200];
	long n = vhu_recv(f->sock, buf, fds, &nfds, f->timeout_ms, why, sizeof(why));

	for (int i = 0; i < nfds; i++)
		close(fds[i]);                  /* no answer of ours carries fds: never keep one */
	if (n == 0) {
		snprintf(err, errlen, "vhost-user %s: the back-end closed the socket", vhu_request_name(want));
		return -1;
	}
	if (n < 0) {
		snprintf(err, errlen, "vhost-user %s: %s", vhu_request_name(want), why);
		return -1;
	}
	if (vhu_reply_parse(buf, (size_t)n, nfds, want, cfg_size, out, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "vhost-user back-end: %s", why);
		return -1;
	}
	return 0;
}

/* A GET: the request, then its checked answer. */
static int get(struct vhost_front *f, uint32_t req, struct vhu_msg *m, uint32_t cfg_size, struct vhu_msg *out,
	       char *err, size_t errlen)
{
	if (request(f, m, NULL, 0, err, errlen) != 0)
		return -1;
	return vhost_front_recv_reply(f, req, cfg_size, out, err, errlen);
}

static int get_u64(struct vhost_front *f, uint32_t req, uint64_t *val, char *err, size_t errlen)
{
	struct vhu_msg m, r;
	vhu_msg_init(&m, req, 0);
	if (get(f, req, &m, 0, &r, err, errlen) != 0)
		return -1;
	*val = r.p.u64;
	return 0;
}

static int set_u64(struct vhost_front *f, uint32_t req, uint64_t val, const int *fds, int nfds,
		   char *err, size_t errlen)
{
	struct vhu_msg m;
	vhu_msg_init(&m, req, 8);
	m.p.u64 = val;
	return request(f, &m, fds, nfds, err, errlen);
}

static int set_state(struct vhost_front *f, uint32_t req, uint32_t num, char *err, size_t errlen)
{
	struct vhu_msg m;
	vhu_msg_init(&m, req, sizeof(struct vhu_vring_state));
	m.p.state = (struct vhu_vring_state){ .index = 0, .num = num };
	return request(f, &m, NULL, 0, err, errlen);
}

/* SET_VRING_ADDR from f->addr, logging the used ring at f->log_used when log is set. */
static int set_addr(struct vhost_front *f, bool log, char *err, size_t errlen)
{
	struct vhu_msg m;
	vhu_msg_init(&m, VHU_SET_VRING_ADDR, sizeof(struct vhu_vring_addr));
	m.p.addr = f->addr;
	m.p.addr.flags = log ? VHU_VRING_F_LOG : 0;
	m.p.addr.log = log ? f->log_used : 0;   /* log_guest_addr: the used ring's GPA */
	return request(f, &m, NULL, 0, err, errlen);
}

/* SET_LOG_BASE with the log's fd (LOG_SHMFD); the back-end answers with a u64 whose
 * value the spec leaves open (QEMU only waits for it), so only its form is checked. */
static int log_base(struct vhost_front *f, int fd, uint64_t size, char *err, size_t errlen)
{
	struct vhu_msg m, r;
	vhu_msg_init(&m, VHU_SET_LOG_BASE, sizeof(struct vhu_log));
	m.p.log = (struct vhu_log){ .mmap_size = size, .mmap_offset = 0 };
	if (request(f, &m, &fd, 1, err, errlen) != 0)
		return -1;
	return vhost_front_recv_reply(f, VHU_SET_LOG_BASE, 0, &r, err, errlen);
}

int vhost_front_connect(struct vhost_front *f, const char *path, uint32_t config_size, int timeout_ms,
			char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vhu_msg m, r;
	uint64_t theirs = 0;

	memset(f, 0, sizeof(*f));
	f->sock = -1;
	f->log_fd = -1;
	f->timeout_ms = timeout_ms;
	if (strlen(path) >= sizeof(sa.sun_path) || config_size > VHU_CONFIG_MAX) {
		snprintf(err, errlen, "--vhost-user-blk %s: the socket path is longer than %zu bytes", path,
			 sizeof(sa.sun_path) - 1);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s", path);
	memcpy(sa.sun_path, path, strlen(path));
	f->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (f->sock < 0 || connect(f->sock, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		snprintf(err, errlen, "--vhost-user-blk %s: connect: %s (is the back-end listening?)", path,
			 strerror(errno));
		vhost_front_close(f);
		return -1;
	}
	vhu_msg_init(&m, VHU_SET_OWNER, 0);
	if (request(f, &m, NULL, 0, err, errlen) != 0 ||
	    get_u64(f, VHU_GET_FEATURES, &f->features, err, errlen) != 0)
		goto fail;
	/* "Protocol features": only a back-end offering bit 30 has GET_PROTOCOL_FEATURES,
	 * and GET_CONFIG needs VHOST_USER_PROTOCOL_F_CONFIG. */
	if ((f->features & VHU_F_PROTOCOL_FEATURES) &&
	    get_u64(f, VHU_GET_PROTOCOL_FEATURES, &theirs, err, errlen) != 0)
		goto fail;              /* err says why the answer was refused */
	if (!(theirs & VHU_PF_CONFIG)) {
		snprintf(err, errlen, "vhost-user back-end at %s lacks VHOST_USER_PROTOCOL_F_CONFIG: "
			 "kvmlab cannot learn the disk's capacity", path);
		goto fail;
	}
	/* SET_PROTOCOL_FEATURES itself is sent before REPLY_ACK is in force. */
	if (set_u64(f, VHU_SET_PROTOCOL_FEATURES, theirs & FRONT_PROTOCOL, NULL, 0, err, errlen) != 0)
		goto fail;
	f->protocol = theirs & FRONT_PROTOCOL;
	vhu_msg_init(&m, VHU_GET_CONFIG, 12 + config_size);
	m.p.cfg.size = config_size;
	if (get(f, VHU_GET_CONFIG, &m, config_size, &r, err, errlen) != 0)
		goto fail;
	memcpy(f->config, r.p.cfg.data, config_size);
	f->config_size = config_size;
	return 0;
fail:
	vhost_front_close(f);
	return -1;
}

int vhost_front_set_mem_table(struct vhost_front *f, const struct vhu_region *reg, const int *fds, int nregions,
			      char *err, size_t errlen)
{
	struct vhu_msg m;

	if (f->sock < 0) {
		snprintf(err, errlen, "vhost-user: not connected");
		return -1;
	}
	if (nregions <= 0 || nregions > (int)VHU_REGIONS_MAX) {
		snprintf(err, errlen, "vhost-user SET_MEM_TABLE: %d memory regions (1 to %u)", nregions, VHU_REGIONS_MAX);
		return -1;
	}
	vhu_msg_init(&m, VHU_SET_MEM_TABLE, 8 + (uint32_t)nregions * sizeof(struct vhu_region));
	m.p.mem.nregions = (uint32_t)nregions;
	memcpy(m.p.mem.region, reg, (size_t)nregions * sizeof(*reg));
	if (request(f, &m, fds, nregions, err, errlen) != 0)
		return -1;
	f->mem_tables++;
	return 0;
}

int vhost_front_start(struct vhost_front *f, uint64_t features, const struct vhu_region *reg,
		      const int *fds, int nregions, const struct vhost_ring *ring, char *err, size_t errlen)
{
	if (f->sock < 0) {
		snprintf(err, errlen, "vhost-user: not connected");
		return -1;
	}
	/* The front-end acks bit 30 back, or the back-end would keep the ring disabled. */
	f->ack_features = features | (f->features & VHU_F_PROTOCOL_FEATURES);
	if (set_u64(f, VHU_SET_FEATURES, f->ack_features | (f->log_fd >= 0 ? VHU_F_LOG_ALL : 0), NULL, 0,
		    err, errlen) != 0)
		return -1;
	if (vhost_front_set_mem_table(f, reg, fds, nregions, err, errlen) != 0)
		return -1;
	if (f->log_fd >= 0 && log_base(f, f->log_fd, f->log_size, err, errlen) != 0)
		return -1;              /* a migration is logging: this ring logs from its first request */
	if (set_state(f, VHU_SET_VRING_NUM, ring->num, err, errlen) != 0 ||
	    set_state(f, VHU_SET_VRING_BASE, ring->base, err, errlen) != 0)
		return -1;
	f->addr = (struct vhu_vring_addr){ .index = 0, .desc = ring->desc, .used = ring->used, .avail = ring->avail };
	if (set_addr(f, f->log_fd >= 0, err, errlen) != 0)
		return -1;
	/* "Vring descriptor indices": bit 8 set = no fd, the back-end polls / is not told. */
	if (set_u64(f, VHU_SET_VRING_KICK, ring->kick >= 0 ? 0 : VHU_VRING_NOFD, &ring->kick, ring->kick >= 0,
		    err, errlen) != 0 ||
	    set_u64(f, VHU_SET_VRING_CALL, ring->call >= 0 ? 0 : VHU_VRING_NOFD, &ring->call, ring->call >= 0,
		    err, errlen) != 0)
		return -1;
	if ((f->features & VHU_F_PROTOCOL_FEATURES) && set_state(f, VHU_SET_VRING_ENABLE, 1, err, errlen) != 0)
		return -1;
	f->started = true;
	return 0;
}

int vhost_front_log(struct vhost_front *f, int fd, uint64_t size, uint64_t used_gpa, char *err, size_t errlen)
{
	if (f->sock < 0) {
		snprintf(err, errlen, "vhost-user: not connected");
		return -1;
	}
	if (fd >= 0 && !(f->features & VHU_F_LOG_ALL)) {
		snprintf(err, errlen, "the vhost-user back-end at %s does not offer VHOST_F_LOG_ALL: it cannot log its "
			 "writes to guest RAM, so a live migration would lose them", f->path);
		return -1;
	}
	if (fd >= 0 && !(f->protocol & VHU_PF_LOG_SHMFD)) {
		snprintf(err, errlen, "the vhost-user back-end at %s does not offer VHOST_USER_PROTOCOL_F_LOG_SHMFD: "
			 "it cannot map a dirty log kvmlab can read", f->path);
		return -1;
	}
	bool on = fd >= 0;
	if (f->started) {
		/* QEMU's order (vhost_dev_set_log): the base, the feature, then each ring's flag. */
		if ((on && log_base(f, fd, size, err, errlen) != 0) ||
		    set_u64(f, VHU_SET_FEATURES, f->ack_features | (on ? VHU_F_LOG_ALL : 0), NULL, 0, err, errlen) != 0)
			return -1;
		f->log_used = used_gpa;
		if (set_addr(f, on, err, errlen) != 0)
			return -1;
	}
	f->log_fd = fd;
	f->log_size = on ? size : 0;
	f->log_used = used_gpa;
	return 0;
}

int vhost_front_stop(struct vhost_front *f, char *err, size_t errlen)
{
	struct vhu_msg m, r;

	if (f->sock < 0 || !f->started)
		return 0;
	f->started = false;
	vhu_msg_init(&m, VHU_GET_VRING_BASE, sizeof(struct vhu_vring_state));
	if (get(f, VHU_GET_VRING_BASE, &m, 0, &r, err, errlen) != 0)
		return -1;
	f->stop_base = r.p.state.num;
	return 0;
}

void vhost_front_close(struct vhost_front *f)
{
	if (f->sock >= 0)
		close(f->sock);
	f->sock = -1;
	f->started = false;
}
