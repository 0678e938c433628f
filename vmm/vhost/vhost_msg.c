/*
 * vhost_msg.c - vhost-user messages: how they are built and how a received
 * one is checked before any field is used (QEMU docs/interop/vhost-user.rst,
 * "Message Specification").
 *
 * Both directions are untrusted: kvmlab reads replies from a back-end that may
 * be buggy or hostile, and kvmlab's own back-end (tools/vhost-blk/) reads
 * requests from whatever connects to its socket.  So a message is accepted
 * only when its version, reply bit, request code, size field and number of
 * file descriptors are exactly what the spec says for that request; the
 * caller then reads only the checked copy.  Pure: no I/O, so tests/unit and
 * tests/fuzz/vhost_user.c drive it with arbitrary bytes.
 */
#include <stdio.h>
#include <string.h>

#include "vmm/vhost/vhost.h"

const char *vhu_request_name(uint32_t req)
{
	switch (req) {
#define X(name, n) case n: return #name;
	VHU_REQUEST_LIST(X)
#undef X
	}
	return "unknown";
}

void vhu_msg_init(struct vhu_msg *m, uint32_t request, uint32_t size)
{
	memset(m, 0, VHU_HDR_SIZE + (size <= VHU_PAYLOAD_MAX ? size : VHU_PAYLOAD_MAX));
	m->request = request;
	m->flags = VHU_VERSION;
	m->size = size;
}

int vhu_payload_size(uint32_t request)
{
	switch (request) {
	case VHU_GET_FEATURES: case VHU_SET_OWNER: case VHU_RESET_OWNER:
	case VHU_GET_PROTOCOL_FEATURES: case VHU_GET_QUEUE_NUM:
		return 0;
	case VHU_SET_FEATURES: case VHU_SET_PROTOCOL_FEATURES:
	case VHU_SET_VRING_KICK: case VHU_SET_VRING_CALL: case VHU_SET_VRING_ERR:
		return 8;                               /* "A single 64-bit integer" */
	case VHU_SET_VRING_NUM: case VHU_SET_VRING_BASE: case VHU_GET_VRING_BASE:
	case VHU_SET_VRING_ENABLE:
		return (int)sizeof(struct vhu_vring_state);     /* "A vring state description" */
	case VHU_SET_VRING_ADDR:
		return (int)sizeof(struct vhu_vring_addr);
	case VHU_SET_LOG_BASE:
		return (int)sizeof(struct vhu_log);             /* "A log description" (with LOG_SHMFD) */
	case VHU_SET_MEM_TABLE: case VHU_GET_CONFIG: case VHU_SET_CONFIG:
		return -2;
	}
	return -1;                                      /* SET_LOG_FD, the rest: kvmlab never sends them */
}

/* What the payload of a reply to `req` is: the answer of a GET, else a REPLY_ACK u64
 * (SET_LOG_BASE's reply, which QEMU waits for with LOG_SHMFD, is a u64 too). */
static uint32_t reply_size(uint32_t req, uint32_t cfg_size)
{
	switch (req) {
	case VHU_GET_VRING_BASE: return sizeof(struct vhu_vring_state);
	case VHU_GET_CONFIG:     return 12 + cfg_size;
	default:                 return 8;
	}
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

/* The header every message shares: long enough, version 1, size field = bytes that came. */
static int check_header(const uint8_t *buf, size_t len, struct vhu_msg *out, char *err, size_t errlen)
{
	if (len < VHU_HDR_SIZE)
		FAIL("a %zu-byte message is shorter than the 12-byte header", len);
	memcpy(out, buf, VHU_HDR_SIZE);
	if ((out->flags & VHU_VERSION_MASK) != VHU_VERSION)
		FAIL("%s: version %u, not 1", vhu_request_name(out->request), out->flags & VHU_VERSION_MASK);
	if (out->size > VHU_PAYLOAD_MAX || out->size != len - VHU_HDR_SIZE)
		FAIL("%s: size field %u but %zu payload bytes (at most %u)", vhu_request_name(out->request),
		     out->size, len - VHU_HDR_SIZE, VHU_PAYLOAD_MAX);
	memcpy(&out->p, buf + VHU_HDR_SIZE, out->size);
	return 0;
}

int vhu_reply_parse(const uint8_t *buf, size_t len, int nfds, uint32_t want, uint32_t cfg_size,
		    struct vhu_msg *out, char *err, size_t errlen)
{
	if (check_header(buf, len, out, err, errlen) != 0)
		return -1;
	const char *name = vhu_request_name(want);
	if (!(out->flags & VHU_FLAG_REPLY))
		FAIL("%s: the answer lacks the reply flag", name);
	if (out->request != want)
		FAIL("%s: the answer is to request %u (%s)", name, out->request, vhu_request_name(out->request));
	if (nfds != 0)
		FAIL("%s: the answer carries %d file descriptors, none expected", name, nfds);
	if (cfg_size > VHU_CONFIG_MAX)
		FAIL("%s: %u config bytes asked for, at most %u", name, cfg_size, VHU_CONFIG_MAX);
	uint32_t need = reply_size(want, cfg_size);
	if (out->size != need)
		FAIL("%s: a %u-byte answer, the spec gives %u", name, out->size, need);
	if (want == VHU_GET_CONFIG && (out->p.cfg.offset != 0 || out->p.cfg.size != cfg_size))
		FAIL("GET_CONFIG: the answer covers offset %u size %u, not the 0..%u asked for",
		     out->p.cfg.offset, out->p.cfg.size, cfg_size);
	if (want == VHU_GET_VRING_BASE && out->p.state.index != 0)
		FAIL("GET_VRING_BASE: the answer is for ring %u, not 0", out->p.state.index);
	return 0;
}

/* SET_MEM_TABLE: 1..8 regions, one fd each, none empty or wrapping. */
static int check_mem_table(const struct vhu_msg *m, int nfds, char *err, size_t errlen)
{
	if (m->size < 8)
		FAIL("SET_MEM_TABLE: %u bytes, no region count", m->size);
	uint32_t n = m->p.mem.nregions;
	if (n == 0 || n > VHU_REGIONS_MAX || m->size != 8 + n * sizeof(struct vhu_region))
		FAIL("SET_MEM_TABLE: %u regions in %u bytes (1 to %u regions of 32 bytes)", n, m->size, VHU_REGIONS_MAX);
	if ((uint32_t)nfds != n)
		FAIL("SET_MEM_TABLE: %u regions but %d file descriptors", n, nfds);
	for (uint32_t i = 0; i < n; i++) {
		const struct vhu_region *r = &m->p.mem.region[i];
		if (r->size == 0 || r->gpa + r->size < r->gpa || r->uva + r->size < r->uva ||
		    r->mmap_offset + r->size < r->mmap_offset)
			FAIL("SET_MEM_TABLE: region %u is empty or wraps", i);
	}
	return 0;
}

int vhu_request_parse(const uint8_t *buf, size_t len, int nfds, struct vhu_msg *out, char *err, size_t errlen)
{
	if (nfds < 0 || nfds > (int)VHU_FDS_MAX)
		FAIL("%d file descriptors (at most %u)", nfds, VHU_FDS_MAX);
	if (check_header(buf, len, out, err, errlen) != 0)
		return -1;
	const char *name = vhu_request_name(out->request);
	if (out->flags & VHU_FLAG_REPLY)
		FAIL("%s: a request with the reply flag", name);
	int want = vhu_payload_size(out->request);
	if (want == -1)
		FAIL("request %u (%s) is not supported", out->request, name);
	if (want >= 0 && out->size != (uint32_t)want)
		FAIL("%s: %u payload bytes, the spec gives %d", name, out->size, want);
	switch (out->request) {
	case VHU_SET_MEM_TABLE:
		return check_mem_table(out, nfds, err, errlen);
	case VHU_GET_CONFIG:
	case VHU_SET_CONFIG:
		if (out->size < 12 || out->p.cfg.size > VHU_CONFIG_MAX || out->size != 12 + out->p.cfg.size ||
		    out->p.cfg.offset > VHU_CONFIG_MAX - out->p.cfg.size)
			FAIL("%s: a %u-byte payload for offset %u size %u", name, out->size,
			     out->p.cfg.offset, out->p.cfg.size);
		break;
	case VHU_SET_LOG_BASE:
		/* The log is the fd (LOG_SHMFD): exactly one, and a size that fits in it. */
		if (nfds != 1)
			FAIL("SET_LOG_BASE: %d file descriptors, the log's one expected", nfds);
		if (out->p.log.mmap_size == 0 || out->p.log.mmap_size > VHU_LOG_MAX ||
		    out->p.log.mmap_offset > VHU_LOG_MAX)
			FAIL("SET_LOG_BASE: a log of %llu bytes at offset %llu (1 to %llu bytes)",
			     (unsigned long long)out->p.log.mmap_size, (unsigned long long)out->p.log.mmap_offset,
			     (unsigned long long)VHU_LOG_MAX);
		return 0;
	case VHU_SET_VRING_ADDR:
		if (out->p.addr.flags & ~VHU_VRING_F_LOG)
			FAIL("SET_VRING_ADDR: flags 0x%x beyond VHOST_VRING_F_LOG", out->p.addr.flags);
		break;
	case VHU_SET_VRING_KICK:
	case VHU_SET_VRING_CALL:
	case VHU_SET_VRING_ERR: {
		bool nofd = out->p.u64 & VHU_VRING_NOFD;
		if (out->p.u64 & ~(uint64_t)(VHU_VRING_INDEX_MASK | VHU_VRING_NOFD))
			FAIL("%s: reserved bits set in 0x%llx", name, (unsigned long long)out->p.u64);
		if (nfds != (nofd ? 0 : 1))
			FAIL("%s: %d file descriptors with the no-fd bit %s", name, nfds, nofd ? "set" : "clear");
		return 0;
	}
	}
	if (out->request != VHU_SET_MEM_TABLE && nfds != 0)
		FAIL("%s: %d file descriptors, none expected", name, nfds);
	return 0;
}
