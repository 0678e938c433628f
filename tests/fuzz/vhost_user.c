/*
 * vhost_user.c - libFuzzer harness: a hostile vhost-user peer against the
 * message checks (vmm/vhost/vhost_msg.c) and kvmlab's used-ring watch
 * (traps/devices/vhost_watch.c).
 *
 * Input: byte 0 picks the request a reply is expected for (from the requests
 * kvmlab sends), byte 1 the GET_CONFIG size asked for, byte 2 the number of
 * fds "received"; the rest is the message as read from the socket, parsed as a
 * reply and as a request.  The same bytes are then a 4 KiB guest RAM holding a
 * used ring the back-end wrote.  Properties: no out-of-bounds access (ASan), no
 * UB (UBSan); an accepted message's size field matches the bytes given and
 * stays within VHU_PAYLOAD_MAX; an accepted GET_CONFIG answer is the size asked;
 * an accepted SET_LOG_BASE has its one fd and a bounded log (seeds log_*).
 */
#include <stdlib.h>
#include <string.h>

#include "kvmlab.h"
#include "vmm/vhost/vhost.h"

static const uint32_t wants[] = {
	VHU_GET_FEATURES, VHU_GET_PROTOCOL_FEATURES, VHU_GET_CONFIG, VHU_GET_VRING_BASE,
	VHU_SET_FEATURES, VHU_SET_MEM_TABLE, VHU_SET_VRING_ADDR, VHU_SET_VRING_KICK,
	VHU_SET_LOG_BASE,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t ram[4096];
	struct vhu_msg m;
	char err[256];

	if (size < 3)
		return 0;
	uint32_t want = wants[data[0] % (sizeof(wants) / sizeof(wants[0]))];
	uint32_t cfg = data[1];
	int nfds = data[2] % (VHU_FDS_MAX + 2);
	const uint8_t *msg = data + 3;
	size_t len = size - 3;

	if (vhu_reply_parse(msg, len, nfds, want, cfg, &m, err, sizeof(err)) == 0) {
		if (m.size != len - VHU_HDR_SIZE || m.size > VHU_PAYLOAD_MAX || m.request != want)
			abort();
		if (want == VHU_GET_CONFIG && m.p.cfg.size != cfg)
			abort();
	}
	if (vhu_request_parse(msg, len, nfds, &m, err, sizeof(err)) == 0) {
		if (m.size != len - VHU_HDR_SIZE || m.size > VHU_PAYLOAD_MAX)
			abort();
		if (m.request == VHU_SET_MEM_TABLE && (m.p.mem.nregions == 0 || m.p.mem.nregions > VHU_REGIONS_MAX))
			abort();
		/* An accepted log is one fd of a size the back-end can map without wrapping. */
		if (m.request == VHU_SET_LOG_BASE && (nfds != 1 || m.p.log.mmap_size == 0 ||
						       m.p.log.mmap_size > VHU_LOG_MAX || m.p.log.mmap_offset > VHU_LOG_MAX))
			abort();
	}

	/* The used ring as the back-end left it, at GPA 0x100 of a 4 KiB RAM. */
	struct guest_mem mem = { .hva = ram, .size = sizeof(ram) };
	memset(ram, 0, sizeof(ram));
	memcpy(ram, msg, len < sizeof(ram) ? len : sizeof(ram));
	struct virtq q = { .num = (uint16_t)(1u << (data[0] & 7)), .avail = 0x40, .used = 0x100 + (data[1] & 0xFC) * 8ull };
	uint16_t seen = (uint16_t)(data[2] | data[1] << 8);
	if (vhost_used_check(&mem, &q, &seen, err, sizeof(err)) == 0) {
		uint16_t used, avail;
		memcpy(&used, ram + q.used + 2, 2);
		memcpy(&avail, ram + q.avail + 2, 2);
		if ((uint16_t)(avail - used) > q.num || seen != used)
			abort();        /* accepted a device that used what was never made available */
	}
	return 0;
}
