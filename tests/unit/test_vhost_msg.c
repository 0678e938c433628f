/* test_vhost_msg.c - vhost-user messages as untrusted input (vmm/vhost/vhost_msg.c)
 * and kvmlab's check of a used ring a back-end wrote (traps/devices/vhost_watch.c):
 * one test per rule of QEMU's docs/interop/vhost-user.rst that kvmlab enforces. */
#include <stdlib.h>
#include <string.h>

#include "kvmlab.h"
#include "vmm/vhost/vhost.h"
#include "check.h"

static uint8_t buf[VHU_HDR_SIZE + VHU_PAYLOAD_MAX];
static struct vhu_msg out;
static char err[256];

/* A message of request/flags with size payload bytes (p or zeros); returns its length. */
static size_t msg(uint32_t req, uint32_t flags, uint32_t size, const void *p)
{
	memcpy(buf, &req, 4);
	memcpy(buf + 4, &flags, 4);
	memcpy(buf + 8, &size, 4);
	memset(buf + VHU_HDR_SIZE, 0, size);
	if (p)
		memcpy(buf + VHU_HDR_SIZE, p, size);
	return VHU_HDR_SIZE + size;
}

static int reply(size_t len, int nfds, uint32_t want, uint32_t cfg)
{
	return vhu_reply_parse(buf, len, nfds, want, cfg, &out, err, sizeof(err));
}

static void t_reply_good(void)
{
	uint64_t f = 1ULL << 32;
	CHECK(reply(msg(VHU_GET_FEATURES, 5, 8, &f), 0, VHU_GET_FEATURES, 0) == 0 && out.p.u64 == f);
	struct vhu_vring_state st = { 0, 32 };
	CHECK(reply(msg(VHU_GET_VRING_BASE, 5, 8, &st), 0, VHU_GET_VRING_BASE, 0) == 0 && out.p.state.num == 32);
	struct vhu_config c = { .offset = 0, .size = 16 };
	CHECK(reply(msg(VHU_GET_CONFIG, 5, 28, &c), 0, VHU_GET_CONFIG, 16) == 0);
	CHECK(reply(msg(VHU_SET_MEM_TABLE, 5, 8, NULL), 0, VHU_SET_MEM_TABLE, 0) == 0);    /* a REPLY_ACK */
	CHECK(reply(msg(VHU_SET_LOG_BASE, 5, 8, NULL), 0, VHU_SET_LOG_BASE, 0) == 0);      /* LOG_SHMFD's u64 */
	CHECK(reply(msg(VHU_SET_LOG_BASE, 5, 4, NULL), 0, VHU_SET_LOG_BASE, 0) == -1);     /* --misbehave log-reply */
}

static void t_reply_hostile(void)
{
	uint64_t f = 0;
	CHECK(reply(11, 0, VHU_GET_FEATURES, 0) == -1);                                 /* short header */
	CHECK(reply(msg(VHU_GET_FEATURES, 4 | 2, 8, &f), 0, VHU_GET_FEATURES, 0) == -1); /* version 2 */
	CHECK(reply(msg(VHU_GET_FEATURES, 1, 8, &f), 0, VHU_GET_FEATURES, 0) == -1);     /* no reply bit */
	CHECK(reply(msg(VHU_GET_PROTOCOL_FEATURES, 5, 8, &f), 0, VHU_GET_FEATURES, 0) == -1); /* another answer */
	CHECK(reply(msg(VHU_GET_FEATURES, 5, 4, &f), 0, VHU_GET_FEATURES, 0) == -1);     /* wrong size */
	CHECK(reply(msg(VHU_GET_FEATURES, 5, 8, &f), 1, VHU_GET_FEATURES, 0) == -1);     /* an fd with it */
	size_t n = msg(VHU_GET_FEATURES, 5, 8, &f);
	CHECK(reply(n - 1, 0, VHU_GET_FEATURES, 0) == -1);                              /* size field lies */
	uint32_t huge = 0xFFFFFFFF;
	memcpy(buf + 8, &huge, 4);
	CHECK(reply(n, 0, VHU_GET_FEATURES, 0) == -1);
	struct vhu_config c = { .offset = 0, .size = 12 };
	CHECK(reply(msg(VHU_GET_CONFIG, 5, 24, &c), 0, VHU_GET_CONFIG, 16) == -1);      /* short config */
	c = (struct vhu_config){ .offset = 4, .size = 16 };
	CHECK(reply(msg(VHU_GET_CONFIG, 5, 28, &c), 0, VHU_GET_CONFIG, 16) == -1);      /* other offset */
	struct vhu_vring_state st = { 1, 0 };
	CHECK(reply(msg(VHU_GET_VRING_BASE, 5, 8, &st), 0, VHU_GET_VRING_BASE, 0) == -1); /* other ring */
}

static int request(size_t len, int nfds)
{
	return vhu_request_parse(buf, len, nfds, &out, err, sizeof(err));
}

static void t_request_rules(void)
{
	struct { uint32_t n, pad; struct vhu_region r[2]; } __attribute__((packed)) mt = {
		1, 0, { { 0, 4096, 0x10000, 0 }, { 0 } } };
	CHECK(request(msg(VHU_SET_MEM_TABLE, 1, 40, &mt), 1) == 0);
	CHECK(request(msg(VHU_SET_MEM_TABLE, 1, 40, &mt), 0) == -1);            /* a region without its fd */
	mt.n = 2;
	CHECK(request(msg(VHU_SET_MEM_TABLE, 1, 40, &mt), 2) == -1);            /* count and size disagree */
	mt.n = 1;
	mt.r[0].size = 0;
	CHECK(request(msg(VHU_SET_MEM_TABLE, 1, 40, &mt), 1) == -1);            /* empty region */
	mt.r[0] = (struct vhu_region){ ~0ULL - 10, 4096, 0, 0 };
	CHECK(request(msg(VHU_SET_MEM_TABLE, 1, 40, &mt), 1) == -1);            /* wraps */
	uint64_t v = 0;
	CHECK(request(msg(VHU_SET_VRING_KICK, 1, 8, &v), 1) == 0);
	CHECK(request(msg(VHU_SET_VRING_KICK, 1, 8, &v), 0) == -1);             /* no fd, no no-fd bit */
	v = VHU_VRING_NOFD;
	CHECK(request(msg(VHU_SET_VRING_KICK, 1, 8, &v), 0) == 0);
	v = 1ULL << 20;
	CHECK(request(msg(VHU_SET_VRING_CALL, 1, 8, &v), 1) == -1);             /* reserved bits */
	CHECK(request(msg(VHU_SET_FEATURES, 1, 8, NULL), 1) == -1);             /* an fd where none goes */
	CHECK(request(msg(VHU_SET_VRING_ADDR, 1, 39, NULL), 0) == -1);          /* short address */
	struct vhu_log lg = { 4096, 0 };
	CHECK(request(msg(VHU_SET_LOG_BASE, 1, 16, &lg), 1) == 0);              /* the log, its fd (LOG_SHMFD) */
	CHECK(request(msg(VHU_SET_LOG_BASE, 1, 16, &lg), 0) == -1);             /* no fd: nothing to map */
	CHECK(request(msg(VHU_SET_LOG_BASE, 1, 16, &lg), 2) == -1);             /* two fds */
	CHECK(request(msg(VHU_SET_LOG_BASE, 1, 8, &lg), 1) == -1);              /* the old u64 payload */
	lg.mmap_size = 0;
	CHECK(request(msg(VHU_SET_LOG_BASE, 1, 16, &lg), 1) == -1);             /* an empty log */
	lg = (struct vhu_log){ VHU_LOG_MAX + 1, 0 };
	CHECK(request(msg(VHU_SET_LOG_BASE, 1, 16, &lg), 1) == -1);             /* past kvmlab's cap */
	lg = (struct vhu_log){ 4096, ~0ULL };
	CHECK(request(msg(VHU_SET_LOG_BASE, 1, 16, &lg), 1) == -1);             /* offset + size wraps */
	CHECK(request(msg(VHU_SET_LOG_FD, 1, 0, NULL), 1) == -1);               /* never sent by kvmlab */
	struct vhu_vring_addr a = { .flags = VHU_VRING_F_LOG };
	CHECK(request(msg(VHU_SET_VRING_ADDR, 1, 40, &a), 0) == 0);
	a.flags = 2;
	CHECK(request(msg(VHU_SET_VRING_ADDR, 1, 40, &a), 0) == -1);            /* a flag the spec lacks */
	CHECK(request(msg(VHU_GET_FEATURES, 5, 0, NULL), 0) == -1);             /* a "request" with the reply bit */
	struct vhu_config c = { .offset = 250, .size = 16 };
	CHECK(request(msg(VHU_GET_CONFIG, 1, 28, &c), 0) == -1);                /* past the config space */
	CHECK(request(msg(VHU_SET_OWNER, 1, 0, NULL), 9) == -1);                /* too many fds */
}

static void t_used_check(void)
{
	static uint8_t ram[4096];
	struct guest_mem m = { .hva = ram, .size = sizeof(ram) };
	struct virtq q = { .num = 8, .avail = 0x80, .used = 0x100 };
	uint16_t seen = 0, idx = 2, avail = 4;
	uint32_t e[2][2] = { { 0, 1 }, { 3, 1025 } };

	memset(ram, 0, sizeof(ram));
	memcpy(ram + 0x104, e, sizeof(e));
	memcpy(ram + 0x102, &idx, 2);
	memcpy(ram + 0x82, &avail, 2);
	CHECK(vhost_used_check(&m, &q, &seen, err, sizeof(err)) == 0 && seen == 2);
	idx = 5;                                                /* one past what the driver made available */
	memcpy(ram + 0x102, &idx, 2);
	CHECK(vhost_used_check(&m, &q, &seen, err, sizeof(err)) == -1 && strstr(err, "past the available index"));
	/* The guest consumed and refilled while the watch slept: used moved 20 since the
	 * last check, all made available; only the ring's last 8 entries can be read. */
	seen = 2, idx = 22, avail = 24;
	memcpy(ram + 0x102, &idx, 2);
	memcpy(ram + 0x82, &avail, 2);
	uint32_t lie[2] = { 8, 1 };                             /* entry 21 (slot 5): id >= num */
	memcpy(ram + 0x104 + 8 * 5, lie, sizeof(lie));
	CHECK(vhost_used_check(&m, &q, &seen, err, sizeof(err)) == -1 && strstr(err, "used id"));
	memset(ram + 0x104 + 8 * 5, 0, sizeof(lie));
	seen = 2;
	CHECK(vhost_used_check(&m, &q, &seen, err, sizeof(err)) == 0 && seen == 22);
	idx = 3, seen = 2, avail = 4;
	memcpy(ram + 0x82, &avail, 2);
	memcpy(ram + 0x102, &idx, 2);
	uint32_t bad[2] = { 8, 1 };                             /* id >= num */
	memcpy(ram + 0x104 + 8 * 2, bad, sizeof(bad));
	CHECK(vhost_used_check(&m, &q, &seen, err, sizeof(err)) == -1 && strstr(err, "used id"));
	uint32_t big[2] = { 1, VIRTQ_CHAIN_BYTES_MAX + 1 };      /* longer than any chain */
	memcpy(ram + 0x104 + 8 * 2, big, sizeof(big));
	CHECK(vhost_used_check(&m, &q, &seen, err, sizeof(err)) == -1 && strstr(err, "used length"));
	q.used = sizeof(ram);                                   /* the ring outside RAM */
	CHECK(vhost_used_check(&m, &q, &seen, err, sizeof(err)) == -1);
}

const struct unit_test vhost_msg_tests[] = {
	UNIT(t_reply_good),
	UNIT(t_reply_hostile),
	UNIT(t_request_rules),
	UNIT(t_used_check),
	{ 0 },
};
