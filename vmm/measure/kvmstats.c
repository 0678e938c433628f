/*
 * kvmstats.c - KVM's binary statistics (api.rst 4.133 KVM_GET_STATS_FD).
 *
 * The fd holds a header, an id string, descriptors and a data block.  kvmlab
 * reads the descriptors once and then pread()s the data block before and
 * after a run, so exits KVM handled in the kernel (and never showed us) are
 * counted too.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvmlab.h"

static void fail_close(struct kvm_stats *st)
{
	kvmstats_close(st);
	st->fd = -1;
}

void kvmstats_open(struct kvm_stats *st, int owner_fd)
{
	struct kvm_stats_header h;

	memset(st, 0, sizeof(*st));
	st->fd = ioctl(owner_fd, KVM_GET_STATS_FD, NULL);
	if (st->fd < 0) {
		st->fd = -1;
		return;
	}
	if (pread(st->fd, &h, sizeof(h), 0) != sizeof(h) || h.num_desc == 0 || h.num_desc > 4096 ||
	    h.name_size == 0 || h.name_size > 256) {
		fail_close(st);
		return;
	}
	size_t dsz = sizeof(struct kvm_stats_desc) + h.name_size;
	uint8_t *descs = malloc(dsz * h.num_desc);
	st->stat = calloc(h.num_desc, sizeof(*st->stat));
	st->offset = calloc(h.num_desc, sizeof(*st->offset));
	if (!descs || !st->stat || !st->offset ||
	    pread(st->fd, descs, dsz * h.num_desc, h.desc_offset) != (ssize_t)(dsz * h.num_desc)) {
		free(descs);
		fail_close(st);
		return;
	}
	st->data_offset = h.data_offset;
	for (uint32_t i = 0; i < h.num_desc; i++) {
		const struct kvm_stats_desc *d = (const void *)(descs + i * dsz);
		uint32_t type = d->flags & KVM_STATS_TYPE_MASK;

		/* Histograms (size > 1) are left out: kvmlab reports scalar counters. */
		if (d->size != 1 || type > KVM_STATS_TYPE_PEAK)
			continue;
		struct kvm_stat *s = &st->stat[st->n];
		snprintf(s->name, sizeof(s->name), "%.*s", (int)h.name_size, d->name);
		s->flags = d->flags;
		st->offset[st->n] = d->offset;
		st->n++;
	}
	free(descs);
}

int kvmstats_sample(struct kvm_stats *st, bool after)
{
	if (st->fd < 0)
		return -1;
	for (int i = 0; i < st->n; i++) {
		uint64_t v;
		if (pread(st->fd, &v, sizeof(v), st->data_offset + st->offset[i]) != sizeof(v))
			return -1;
		if (after)
			st->stat[i].after = v;
		else
			st->stat[i].before = v;
	}
	return 0;
}

void kvmstats_close(struct kvm_stats *st)
{
	if (st->fd >= 0)
		close(st->fd);
	free(st->stat);
	free(st->offset);
	st->stat = NULL;
	st->offset = NULL;
	st->n = 0;
	st->fd = -1;
}

const struct kvm_stat *kvmstats_find(const struct kvm_stats *st, const char *name)
{
	for (int i = 0; i < st->n; i++)
		if (!strcmp(st->stat[i].name, name))
			return &st->stat[i];
	return NULL;
}

uint64_t kvmstats_delta(const struct kvm_stat *s)
{
	if ((s->flags & KVM_STATS_TYPE_MASK) == KVM_STATS_TYPE_CUMULATIVE)
		return s->after >= s->before ? s->after - s->before : 0;
	return s->after;
}
