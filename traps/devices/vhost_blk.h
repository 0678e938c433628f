/*
 * traps/devices/vhost_blk.h - the state of a virtio-blk device served over
 * vhost-user (vhost_blk.c, vhost_watch.c); the report reads it after the run.
 */
#ifndef KVMLAB_VHOST_BLK_H
#define KVMLAB_VHOST_BLK_H

#include <pthread.h>

#include "vmm/vhost/vhost.h"

/* Who touches what: the vCPU thread (under dev->lock) starts and stops the
 * session; the watch thread reads the call fd and the used ring (under
 * gmem_hold) and sets dev's error (under dev->lock); the main thread reads
 * all of it after vhost_watch_stop joined the watch thread. */
struct vhost_blk {
	struct vm *vm;
	struct virtio_dev *dev;         /* the transport in front (io->blk) */
	struct vhost_front front;       /* the session (vmm/vhost/vhost_front.c) */
	int kick;                       /* eventfd kvmlab writes when QueueNotify exits (no ioeventfd) */
	int call;                       /* the back-end's completion eventfd */
	bool irqfd_wanted, irqfd;       /* call is a KVM irqfd into IOAPIC pin VIRTIO_BLK_GSI */
	int regions;                    /* memory regions handed over */
	uint64_t calls;                 /* completions kvmlab read from call (without irqfd) */
	uint64_t kicks_relayed;         /* QueueNotify exits passed on (without ioeventfd) */
	char stop_error[200];           /* GET_VRING_BASE at stop failed: why */
	/* The watch thread. */
	pthread_t watch;
	bool watch_on;
	int stopfd;
	int watch_stopping;             /* atomic: set before stopfd is signalled */
	struct virtq watch_q;           /* the ring as the driver laid it out (copied at start) */
	uint16_t watch_seen;            /* used entries checked so far */
	uint64_t hangups;               /* the back-end closed its socket while the ring was live */
	/* Live migration (vmm/migrate/vhostmig.c): the back-end's dirty log, a memfd
	 * bitmap of one bit a 4 KiB page by GPA, which kvmlab maps too. */
	int log_fd;                     /* -1: not logging */
	uint64_t *log;                  /* log_bytes, a multiple of 8: taken a word at a time */
	uint64_t log_bytes;
	uint64_t log_pages;             /* pages the back-end's log gave this migration */
	uint16_t base;                  /* the next start's SET_VRING_BASE (a migrated index), then 0 */
	bool mig_stopped;               /* the migration stopped the ring (GET_VRING_BASE) */
	bool deferred;                  /* destination: start once post-copy has placed every page */
	bool pages_in;                  /* destination: post-copy has placed every page */
	struct mem_listener mem;        /* memregion_listen: hotplug's slots reach the back-end */
};

#endif
