/*
 * session.c - the back-end's side of vhost-user (QEMU docs/interop/vhost-user.rst):
 * read one request, check it (vhu_request_parse: the front-end is untrusted
 * too), act, answer.  What a block back-end must do:
 *   features      VIRTIO_F_VERSION_1 and VHOST_USER_F_PROTOCOL_FEATURES;
 *                 protocol features CONFIG (the capacity) and REPLY_ACK
 *   SET_MEM_TABLE map each region's memfd; from now on guest RAM is ours too
 *   SET_VRING_*   the ring's size, start index, addresses (front-end virtual
 *                 addresses, translated here through the region table),
 *                 kick and call eventfds, enable
 *   GET_VRING_BASE stop the ring and say where we stopped
 *   SET_LOG_BASE  (migration) map the front-end's dirty log; while
 *                 VHOST_F_LOG_ALL is negotiated every write to guest RAM is
 *                 marked in it (serve.c), the used ring's when
 *                 SET_VRING_ADDR says VHOST_VRING_F_LOG (vhost-user.rst "Migration")
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tools/vhost-blk/vhost_blk.h"

#define BACKEND_FEATURES ((1ULL << 32) /* VIRTIO_F_VERSION_1 */ | VHU_F_PROTOCOL_FEATURES | VHU_F_LOG_ALL)
#define BACKEND_PROTOCOL (VHU_PF_CONFIG | VHU_PF_REPLY_ACK | VHU_PF_LOG_SHMFD)

/* What this back-end offers, less what --misbehave takes away. */
static uint64_t offered_features(const struct backend *b)
{
	return b->mis == MIS_NO_LOG ? BACKEND_FEATURES & ~VHU_F_LOG_ALL : BACKEND_FEATURES;
}
static uint64_t offered_protocol(const struct backend *b)
{
	if (b->mis == MIS_NO_ACK)
		return BACKEND_PROTOCOL & ~VHU_PF_REPLY_ACK;
	return b->mis == MIS_NO_LOG || b->mis == MIS_LOG_NO_SHMFD ? BACKEND_PROTOCOL & ~VHU_PF_LOG_SHMFD
								     : BACKEND_PROTOCOL;
}

static void log_unmap(struct backend *b)
{
	if (b->log)
		munmap(b->log, b->log_map_len);
	b->log = NULL;
	b->log_size = b->log_map_len = 0;
}

/* SET_LOG_BASE: the log is size bytes at offset in the fd, one bit a 4 KiB page. */
static int log_map(struct backend *b, const struct vhu_msg *m, int fd, char *err, size_t errlen)
{
	log_unmap(b);
	if (!(b->protocol & VHU_PF_LOG_SHMFD)) {
		snprintf(err, errlen, "SET_LOG_BASE without VHOST_USER_PROTOCOL_F_LOG_SHMFD agreed");
		return -1;
	}
	uint64_t len = m->p.log.mmap_size + m->p.log.mmap_offset;      /* both <= VHU_LOG_MAX: checked */
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "SET_LOG_BASE: mmap of %llu bytes: %s", (unsigned long long)len, strerror(errno));
		return -1;
	}
	b->log = (uint8_t *)p + m->p.log.mmap_offset;
	b->log_size = m->p.log.mmap_size;
	b->log_map_len = len;
	return 0;
}

static int reply(struct backend *b, const struct vhu_msg *req, uint32_t size, const void *payload)
{
	struct vhu_msg r;
	vhu_msg_init(&r, req->request, size);
	r.flags |= VHU_FLAG_REPLY;
	memcpy(&r.p, payload, size);
	return vhu_send(b->sock, &r, NULL, 0);
}

static void unmap_all(struct backend *b)
{
	for (int i = 0; i < b->nregions; i++)
		munmap(b->map[i], b->map_len[i]);
	b->nregions = 0;
	b->mem.nslots = 0;
}

/* SET_MEM_TABLE: map every region; the slots let gmem_ptr check each access. */
static int map_table(struct backend *b, const struct vhu_msg *m, int *fds, char *err, size_t errlen)
{
	unmap_all(b);
	for (uint32_t i = 0; i < m->p.mem.nregions; i++) {
		const struct vhu_region *r = &m->p.mem.region[i];
		uint64_t len = r->size + r->mmap_offset;
		void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fds[i], 0);
		if (p == MAP_FAILED) {
			snprintf(err, errlen, "SET_MEM_TABLE: mmap of region %u (%llu bytes): %s", i,
				 (unsigned long long)len, strerror(errno));
			return -1;
		}
		b->region[i] = *r;
		b->map[i] = p;
		b->map_len[i] = len;
		b->nregions = (int)i + 1;
		struct mem_slot s = { .id = i, .gpa = r->gpa, .size = r->size,
				      .hva = (uint8_t *)p + r->mmap_offset, .map_size = r->size, .name = "ram", .memfd = -1 };
		if (memslots_add(&b->mem, &s, err, errlen) != 0)
			return -1;      /* overlapping regions: the table lies */
	}
	return 0;
}

/* A front-end virtual address to a guest physical one, through the region table. */
static int uva_to_gpa(const struct backend *b, uint64_t uva, uint64_t *gpa)
{
	for (int i = 0; i < b->nregions; i++) {
		const struct vhu_region *r = &b->region[i];
		if (uva >= r->uva && uva - r->uva < r->size) {
			*gpa = r->gpa + (uva - r->uva);
			return 0;
		}
	}
	return -1;
}

static void take_fd(int *slot, int *fds, int nfds)
{
	if (*slot >= 0)
		close(*slot);
	*slot = nfds ? fds[0] : -1;
}

int session_handle(struct backend *b, char *err, size_t errlen)
{
	uint8_t buf[VHU_HDR_SIZE + VHU_PAYLOAD_MAX];
	int fds[VHU_FDS_MAX], nfds = 0, rc = 0;
	struct vhu_msg m;
	uint64_t status = 0;            /* the REPLY_ACK answer: 0 = done */
	bool answered = false;

	long n = vhu_recv(b->sock, buf, fds, &nfds, -1, err, errlen);
	if (n <= 0)
		return n == 0 ? 1 : -1;         /* the front-end hung up: the session is over */
	if (vhu_request_parse(buf, (size_t)n, nfds, &m, err, errlen) != 0) {
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		return -1;
	}
	switch (m.request) {
	case VHU_SET_OWNER:
	case VHU_RESET_OWNER:
		break;
	case VHU_GET_FEATURES: {
		uint64_t f = offered_features(b);
		rc = reply(b, &m, 8, &f);
		answered = true;
		break;
	}
	case VHU_SET_FEATURES:
		b->features = m.p.u64 & (offered_features(b) | VHU_F_PROTOCOL_FEATURES);
		break;
	case VHU_SET_LOG_BASE: {
		if (b->mis == MIS_LOG_CLOSE)
			return 1;               /* "log-close": hang up instead of logging */
		if (log_map(b, &m, fds[0], err, errlen) != 0)
			return -1;
		/* The answer QEMU waits for under LOG_SHMFD: a u64; "log-reply" sends 4 bytes. */
		uint64_t zero = 0;
		rc = reply(b, &m, b->mis == MIS_LOG_REPLY ? 4 : 8, &zero);
		answered = true;
		break;
	}
	case VHU_GET_PROTOCOL_FEATURES: {
		uint64_t f = offered_protocol(b);
		rc = reply(b, &m, 8, &f);
		answered = true;
		break;
	}
	case VHU_SET_PROTOCOL_FEATURES:
		b->protocol = m.p.u64 & offered_protocol(b);
		break;
	case VHU_GET_CONFIG: {
		struct vhu_config c = { .offset = m.p.cfg.offset, .size = m.p.cfg.size };
		uint64_t cap = b->dev.blk.sectors;
		memcpy(c.data, &cap, sizeof(cap) < c.size ? sizeof(cap) : c.size);
		uint32_t size = 12 + c.size;
		if (b->mis == MIS_CONFIG_SIZE) {        /* "config-size": a short answer */
			c.size = c.size > 4 ? c.size - 4 : 0;
			size = 12 + c.size;
		}
		rc = reply(b, &m, size, &c);
		answered = true;
		break;
	}
	case VHU_SET_MEM_TABLE:
		if (map_table(b, &m, fds, err, errlen) != 0)
			status = 1;
		for (int i = 0; i < nfds; i++)
			close(fds[i]);          /* mapped: the mapping keeps the memory */
		nfds = 0;
		break;
	case VHU_SET_VRING_NUM:
		b->q.num = (uint16_t)(m.p.state.num <= VIRTQ_NUM_MAX ? m.p.state.num : 0);
		status = m.p.state.index != 0 || b->q.num != m.p.state.num;
		break;
	case VHU_SET_VRING_BASE:
		b->q.last_avail = b->q.used_idx = (uint16_t)m.p.state.num;
		status = m.p.state.index != 0;
		break;
	case VHU_SET_VRING_ADDR:
		b->log_used = m.p.addr.flags & VHU_VRING_F_LOG;
		b->log_used_gpa = m.p.addr.log;
		if (m.p.addr.index != 0 || uva_to_gpa(b, m.p.addr.desc, &b->q.desc) != 0 ||
		    uva_to_gpa(b, m.p.addr.avail, &b->q.avail) != 0 || uva_to_gpa(b, m.p.addr.used, &b->q.used) != 0 ||
		    virtq_check(&b->mem, &b->q, VIRTQ_NUM_MAX) != VQ_OK)
			status = 1;             /* a ring outside the memory we were given */
		break;
	case VHU_SET_VRING_KICK:
		take_fd(&b->kick, fds, nfds);
		nfds = 0;
		break;
	case VHU_SET_VRING_CALL:
		take_fd(&b->call, fds, nfds);
		nfds = 0;
		break;
	case VHU_SET_VRING_ERR:
		break;                          /* kvmlab's back-end never reports through it */
	case VHU_SET_VRING_ENABLE:
		b->enabled = m.p.state.num != 0;
		break;
	case VHU_GET_VRING_BASE: {
		/* "Stopping rings": stop, then say where the next request would start. */
		struct vhu_vring_state st = { .index = 0, .num = b->q.last_avail };
		if (b->kick >= 0)
			close(b->kick);
		b->kick = -1;
		b->enabled = false;
		rc = reply(b, &m, sizeof(st), &st);
		answered = true;
		break;
	}
	default:
		status = 1;                     /* parsed, but nothing a block back-end does */
	}
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	if (rc != 0) {
		snprintf(err, errlen, "%s: reply: %s", vhu_request_name(m.request), strerror(errno));
		return -1;
	}
	if (!answered && (m.flags & VHU_FLAG_NEED_REPLY) && (b->protocol & VHU_PF_REPLY_ACK) &&
	    reply(b, &m, 8, &status) != 0) {
		snprintf(err, errlen, "%s: ack: %s", vhu_request_name(m.request), strerror(errno));
		return -1;
	}
	return 0;
}
