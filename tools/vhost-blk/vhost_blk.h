/*
 * tools/vhost-blk/vhost_blk.h - kvmlab-vhost-blk, a small vhost-user-blk
 * back-end serving a raw file: the session (session.c) and the queue (serve.c).
 */
#ifndef KVMLAB_VHOST_BLK_TOOL_H
#define KVMLAB_VHOST_BLK_TOOL_H

#include "kvmlab.h"
#include "vmm/vhost/vhost.h"

/* --misbehave=KIND: a back-end that breaks one rule, to test the front-end. */
enum misbehave { MIS_NONE, MIS_USED_IDX, MIS_USED_LEN, MIS_CONFIG_SIZE, MIS_STALL, MIS_CLOSE,
		 MIS_NO_LOG,            /* offers no VHOST_F_LOG_ALL: it cannot be migrated live */
		 MIS_LOG_NO_SHMFD,      /* offers VHOST_F_LOG_ALL but not LOG_SHMFD: no log kvmlab could read */
		 MIS_LOG_REPLY,         /* answers SET_LOG_BASE with a 4-byte reply (the spec gives 8) */
		 MIS_LOG_CLOSE,         /* hangs up at SET_LOG_BASE */
		 MIS_NO_ACK,            /* offers no REPLY_ACK: nothing tells the front-end a table is in */
		 MIS_COUNT };

struct backend {
	int sock;                       /* the connection to the front-end */
	enum misbehave mis;
	uint64_t features, protocol;
	/* Guest RAM as the front-end described it (SET_MEM_TABLE), mapped here. */
	struct vhu_region region[VHU_REGIONS_MAX];
	void *map[VHU_REGIONS_MAX];
	uint64_t map_len[VHU_REGIONS_MAX];
	int nregions;
	struct guest_mem mem;           /* the same RAM as slots, for virtqueue.c's checked access */
	/* Ring 0. */
	struct virtq q;
	int kick, call;                 /* -1: none */
	bool enabled;
	struct virtio_dev dev;          /* virtio_blk.c's request handler, reused as it is */
	/* The dirty log (SET_LOG_BASE), used while VHOST_F_LOG_ALL is negotiated. */
	uint8_t *log;
	uint64_t log_size, log_map_len;
	bool log_used;                  /* VHOST_VRING_F_LOG: the used ring's writes too, at log_used_gpa */
	uint64_t log_used_gpa;
	uint64_t logged;                /* pages marked */
	uint64_t requests, kicks;
};

/* serve.c: every available chain of ring 0 through virtio_blk.c, then one call.
 * Returns 0, or -1 when the back-end should end (a broken ring, MIS_CLOSE). */
int  serve_kick(struct backend *b);
/* session.c: one front-end message, answered.  0, 1 = the session is over, -1 with err. */
int  session_handle(struct backend *b, char *err, size_t errlen);

#endif
