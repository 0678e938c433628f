/*
 * vmm/vhost/vhost.h - the vhost-user protocol (QEMU docs/interop/vhost-user.rst),
 * as far as a block device needs it: the wire format (vhost_msg.c), the socket
 * with its file descriptors (vhost_sock.c) and the front-end's side of a
 * session (vhost_front.c).  kvmlab is the front-end ("master"); the back-end
 * is another process that maps guest RAM and processes the virtqueues itself.
 */
#ifndef KVMLAB_VHOST_H
#define KVMLAB_VHOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* vhost-user.rst "Message Specification": u32 request, u32 flags, u32 size, payload. */
#define VHU_HDR_SIZE            12u
#define VHU_VERSION             0x1u            /* flags bits 0-1: "the version, currently 0x1" */
#define VHU_VERSION_MASK        0x3u
#define VHU_FLAG_REPLY          (1u << 2)       /* "marks this message as a reply" */
#define VHU_FLAG_NEED_REPLY     (1u << 3)       /* "the sender wants a reply" (REPLY_ACK) */
#define VHU_FDS_MAX             8u              /* "Memory region description": at most 8 regions, one fd each */
#define VHU_REGIONS_MAX         8u
#define VHU_CONFIG_MAX          256u            /* "Device configuration space": 256 bytes at most */
#define VHU_PAYLOAD_MAX         (12u + VHU_CONFIG_MAX)  /* kvmlab's largest legal payload (GET_CONFIG) */
#define VHU_VRING_INDEX_MASK    0xFFu           /* "Vring descriptor indices": bits 0-7 the index */
#define VHU_VRING_NOFD          (1u << 8)       /* bit 8: no fd sent, the back-end polls */

/* Feature bits (vhost-user.rst "Feature bits" and "Protocol features"). */
#define VHU_F_PROTOCOL_FEATURES (1ULL << 30)    /* GET/SET_PROTOCOL_FEATURES exist; rings start disabled */
#define VHU_PF_REPLY_ACK        (1ULL << 3)     /* NEED_REPLY is honoured with a u64 status */
#define VHU_PF_CONFIG           (1ULL << 9)     /* GET_CONFIG/SET_CONFIG exist */
/* Migration (vhost-user.rst "Migration"): the back-end logs its writes to guest RAM. */
#define VHU_F_LOG_ALL           (1ULL << 26)    /* VHOST_F_LOG_ALL: log every write while the front-end asks */
#define VHU_PF_LOG_SHMFD        (1ULL << 1)     /* VHOST_USER_PROTOCOL_F_LOG_SHMFD: the log is a shared fd */
#define VHU_VRING_F_LOG         (1u << 0)       /* VHOST_VRING_F_LOG: log the used ring's writes too */
#define VHU_LOG_PAGE            0x1000u         /* VHOST_LOG_PAGE: one log bit covers 4 KiB of GPA */
#define VHU_LOG_MAX             (1ULL << 32)    /* kvmlab's cap on a log's bytes: 128 TiB of GPA, far past any guest */

/* Front-end requests (vhost-user.rst "Front-end message types"). */
#define VHU_REQUEST_LIST(X) \
	X(GET_FEATURES, 1) X(SET_FEATURES, 2) X(SET_OWNER, 3) X(RESET_OWNER, 4) \
	X(SET_MEM_TABLE, 5) X(SET_LOG_BASE, 6) X(SET_LOG_FD, 7) X(SET_VRING_NUM, 8) \
	X(SET_VRING_ADDR, 9) X(SET_VRING_BASE, 10) X(GET_VRING_BASE, 11) X(SET_VRING_KICK, 12) \
	X(SET_VRING_CALL, 13) X(SET_VRING_ERR, 14) X(GET_PROTOCOL_FEATURES, 15) \
	X(SET_PROTOCOL_FEATURES, 16) X(GET_QUEUE_NUM, 17) X(SET_VRING_ENABLE, 18) \
	X(GET_CONFIG, 24) X(SET_CONFIG, 25)
enum vhu_request {
#define X(name, n) VHU_##name = n,
	VHU_REQUEST_LIST(X)
#undef X
};
const char *vhu_request_name(uint32_t req);     /* "GET_FEATURES", ...; "unknown" */

/* Payloads, native byte order (vhost-user.rst "Message types" payload descriptions). */
struct vhu_vring_state { uint32_t index, num; } __attribute__((packed));
struct vhu_vring_addr {
	uint32_t index, flags;
	uint64_t desc, used, avail, log;        /* front-end virtual addresses ("user addresses") */
} __attribute__((packed));
struct vhu_region { uint64_t gpa, size, uva, mmap_offset; } __attribute__((packed));
struct vhu_memory {
	uint32_t nregions, padding;
	struct vhu_region region[VHU_REGIONS_MAX];
} __attribute__((packed));
struct vhu_log { uint64_t mmap_size, mmap_offset; } __attribute__((packed));  /* "Log description" */
struct vhu_config {
	uint32_t offset, size, flags;
	uint8_t data[VHU_CONFIG_MAX];
} __attribute__((packed));
struct vhu_msg {
	uint32_t request, flags, size;
	union {
		uint64_t u64;
		struct vhu_vring_state state;
		struct vhu_vring_addr addr;
		struct vhu_memory mem;
		struct vhu_config cfg;
		struct vhu_log log;
		uint8_t raw[VHU_PAYLOAD_MAX];
	} p;
} __attribute__((packed));
_Static_assert(sizeof(struct vhu_vring_addr) == 40, "vhost-user.rst: vring address description");
_Static_assert(sizeof(struct vhu_region) == 32, "vhost-user.rst: memory region description");

/* ---- vhost_msg.c: building and checking messages (pure: unit-tested, fuzzed) ---- */
/* A request with `size` payload bytes (the caller fills msg->p).  Version 1, no reply flag. */
void vhu_msg_init(struct vhu_msg *m, uint32_t request, uint32_t size);
/* The payload size a request carries, from the spec; -1 for a request kvmlab does not
 * know, -2 for one whose size varies (SET_MEM_TABLE, GET/SET_CONFIG: checked separately). */
int  vhu_payload_size(uint32_t request);
/* Checks a reply from the back-end (untrusted): buf/len as read, nfds fds came with it.
 * It must be a version-1 reply to `want`, with the exact payload size the spec gives
 * and no fds; for GET_CONFIG the region must be the `cfg_size` bytes asked for.
 * 0 with *out filled, or -1 with a one-line err. */
int  vhu_reply_parse(const uint8_t *buf, size_t len, int nfds, uint32_t want, uint32_t cfg_size,
		     struct vhu_msg *out, char *err, size_t errlen);
/* Checks a request from the front-end (what a back-end reads, equally untrusted): a known
 * request of the right size, fds only where the spec sends them (one per region for
 * SET_MEM_TABLE, at most one for SET_VRING_KICK/CALL/ERR).  0 with *out, or -1 with err. */
int  vhu_request_parse(const uint8_t *buf, size_t len, int nfds, struct vhu_msg *out,
		       char *err, size_t errlen);

/* ---- vhost_sock.c: one message over a Unix stream socket, fds as SCM_RIGHTS ---- */
/* Sends m (header + m->size bytes) with nfds descriptors.  0, or -1 with errno. */
int  vhu_send(int sock, const struct vhu_msg *m, const int *fds, int nfds);
/* Reads one whole message into buf (VHU_HDR_SIZE + VHU_PAYLOAD_MAX bytes) within timeout_ms
 * (-1: wait), the fds that came with it into fds[VHU_FDS_MAX] (*nfds; the caller owns
 * them).  Returns its length; 0 when the peer closed; -1 with err (timeout, oversized
 * size field, truncated, too many fds). */
long vhu_recv(int sock, uint8_t *buf, int *fds, int *nfds, int timeout_ms, char *err, size_t errlen);

/* ---- vhost_front.c: kvmlab's side of a vhost-user session ---- */
struct vhost_front {
	int sock;                       /* -1: not connected */
	char path[108];                 /* the socket (sun_path) */
	uint64_t features;              /* the back-end's GET_FEATURES */
	uint64_t protocol;              /* the protocol features both sides use */
	uint8_t config[VHU_CONFIG_MAX]; /* GET_CONFIG's answer */
	uint32_t config_size;
	int timeout_ms;                 /* a back-end that does not answer in time is dead */
	uint64_t messages;              /* requests sent */
	uint64_t mem_tables;            /* SET_MEM_TABLEs the back-end took: 1 a start, 1 a hotplug change */
	bool started;                   /* the vring is handed over */
	uint32_t stop_base;             /* GET_VRING_BASE: the back-end's next avail index */
	uint64_t ack_features;          /* what SET_FEATURES last said (without VHU_F_LOG_ALL) */
	struct vhu_vring_addr addr;     /* what SET_VRING_ADDR last said (without VHU_VRING_F_LOG) */
	/* Dirty logging (migration): the log's memfd, its bytes, and the used ring's GPA
	 * (log_guest_addr); log_fd -1: the back-end does not log. */
	int log_fd;
	uint64_t log_size, log_used;
};
/* One ring to hand over: size, where it lives in kvmlab's address space, its fds. */
struct vhost_ring {
	uint16_t num;
	uint64_t desc, avail, used;     /* front-end virtual addresses */
	int kick, call;                 /* eventfds; -1: none (VHU_VRING_NOFD) */
	uint16_t base;                  /* SET_VRING_BASE: the first avail index to serve (0, or a migrated one) */
};
/* Connects to the back-end's socket, takes ownership (SET_OWNER), reads its features,
 * agrees on protocol features (CONFIG required, REPLY_ACK if offered) and reads
 * config_size bytes of device configuration.  0, or -1 with a one-line err. */
int  vhost_front_connect(struct vhost_front *f, const char *path, uint32_t config_size, int timeout_ms,
			 char *err, size_t errlen);
/* SET_MEM_TABLE: the whole guest memory map again, the regions' memfds with it
 * (vhost-user.rst "Memory regions description").  Sent at every start, and while
 * the ring runs when memory is hotplugged or unplugged, as QEMU does; with
 * REPLY_ACK the back-end has applied it when this returns.  0, or -1 with err. */
int  vhost_front_set_mem_table(struct vhost_front *f, const struct vhu_region *reg, const int *fds, int nregions,
			       char *err, size_t errlen);
/* Driver OK: the negotiated features, guest RAM (regions with their memfds) and ring 0.
 * 0, or -1 with err. */
int  vhost_front_start(struct vhost_front *f, uint64_t features, const struct vhu_region *reg,
		       const int *fds, int nregions, const struct vhost_ring *ring, char *err, size_t errlen);
/* Starts (fd >= 0: the log memfd of size bytes, GPA 0 up) or ends (fd < 0) the back-end's
 * dirty log: SET_LOG_BASE with the fd, SET_FEATURES with/without VHOST_F_LOG_ALL and, on a
 * started ring, SET_VRING_ADDR with/without VHOST_VRING_F_LOG (vhost-user.rst "Migration");
 * a ring started later logs from the start.  Refuses (-1, err naming the feature) a back-end
 * without VHOST_F_LOG_ALL or VHOST_USER_PROTOCOL_F_LOG_SHMFD.  f does not own fd. */
int  vhost_front_log(struct vhost_front *f, int fd, uint64_t size, uint64_t used_gpa, char *err, size_t errlen);
/* Stops ring 0 (GET_VRING_BASE) and records where the back-end stopped.  0, or -1 with err. */
int  vhost_front_stop(struct vhost_front *f, char *err, size_t errlen);
/* Reads and checks the answer to `want` (vhu_reply_parse) within f->timeout_ms.  0, or -1 with err. */
int  vhost_front_recv_reply(struct vhost_front *f, uint32_t want, uint32_t cfg_size, struct vhu_msg *out,
			    char *err, size_t errlen);
void vhost_front_close(struct vhost_front *f);  /* closes the socket; safe twice */

#endif
