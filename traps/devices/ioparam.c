/*
 * ioparam.c - port 0xE0: the workload parameters of I/O payloads, so one
 * binary runs any size `kvmlab iobench` asks for.
 *   out 0xE0, al     select parameter (0 total bytes, 1 chunk bytes, 2 chunks per notification)
 *   in  eax, 0xE4    its value (0 for an unknown parameter)
 * Selectors 3 and 4 are machine facts for timer payloads, not workload
 * parameters: the guest TSC rate in kHz and the LAPIC timer tick in ns
 * (abi.h IOPARAM_SEL_*; 0 when unknown or without a LAPIC in KVM).
 * Two exits per parameter: negligible next to the workload, and counted.
 */
#include <string.h>

#include "kvmlab.h"

#define IOPARAM_SELECT  0       /* offset of the select port */
#define IOPARAM_VALUE   4       /* offset of the value port */
_Static_assert(IOPARAM_COUNT <= IOPARAM_SEL_TSC_KHZ, "machine-fact selectors follow the workload parameters");

enum action ioparam_io(struct vcpu *v, struct io_req *io, void *opaque)
{
	struct ioparam *d = opaque;
	unsigned off = io->off;

	pthread_mutex_lock(&d->lock);
	for (uint32_t i = 0; i < io->count; i++) {
		uint8_t *el = io->data + (size_t)i * io->size;
		if (io->out) {
			if (off == IOPARAM_SELECT)
				d->sel = el[0];
			continue;
		}
		uint32_t val = 0xFFFFFFFFu;     /* other ports: open bus */
		if (off == IOPARAM_VALUE)
			val = d->sel < IOPARAM_COUNT ? d->param[d->sel] :
			      d->sel == IOPARAM_SEL_TSC_KHZ ? v->vm->tsc_khz :
			      d->sel == IOPARAM_SEL_APIC_TICK_NS ? v->vm->apic_tick_ns : 0;
		memcpy(el, &val, io->size);
	}
	pthread_mutex_unlock(&d->lock);
	return ACT_CONTINUE;
}

/* Limits keep every workload inside the payload's buffers and 32-bit registers. */
static const struct { uint64_t min, max; } param_range[IOPARAM_COUNT] = {
	[IOPARAM_TOTAL] = { 1, 64u << 20 },
	[IOPARAM_CHUNK] = { 1, 4096 },          /* the payloads' chunk buffer */
	[IOPARAM_BATCH] = { 1, 64 },            /* descriptors in flight <= queue size / 2 */
};

int io_param_parse(int id, const char *s, uint32_t *param)
{
	uint64_t v;

	if (id < 0 || id >= IOPARAM_COUNT || parse_size(s, &v) != 0 ||
	    v < param_range[id].min || v > param_range[id].max)
		return -1;
	param[id] = (uint32_t)v;
	return 0;
}
