/*
 * setup.c - what creating a VM costs: every set-up step, timed.
 *
 * Before the first KVM_RUN a VMM makes a dozen ioctls (api.rst 4.2 onwards:
 * create the VM, give it memory, create a vCPU, set its registers...).  Most
 * cost microseconds; one can cost milliseconds (KVM_X86_SET_MSR_FILTER waits
 * for an SRCU grace period so that no vCPU still reads the old filter).
 * Each step is recorded here with its ioctl and its duration, logged under
 * --verbose and reported as the `setup` section of `run --json`
 * (docs/json-schema.md, docs/measurement.md "What creating a VM costs").
 */
#include <time.h>

#include "kvmlab.h"

uint64_t setup_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void setup_record(struct setup_log *log, const char *step, const char *ioctl_name, uint64_t t0)
{
	uint64_t ns = setup_clock() - t0;

	vlog("setup: %-18s %-30s %9.1f us", step, ioctl_name, ns / 1e3);
	if (!log)
		return;
	if (log->n >= SETUP_STEPS_MAX) {
		log->dropped++;         /* the JSON says so: never a silent short list */
		return;
	}
	log->step[log->n++] = (struct setup_step){ .step = step, .ioctl = ioctl_name, .ns = ns };
}

uint64_t setup_total_ns(const struct setup_log *log)
{
	uint64_t sum = 0;

	for (int i = 0; i < log->n; i++)
		sum += log->step[i].ns;
	return sum;
}
