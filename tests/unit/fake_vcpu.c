/*
 * fake_vcpu.c - the one fake vCPU every dispatcher test uses (check.h).
 *
 * exit_dispatch and every handler need only a struct vcpu whose kvm_run
 * area is memory and whose fds are -1; building it in one place keeps the
 * kvm_run layout the tests assume equal to KVM's.
 */
#include <stdlib.h>

#include "check.h"

struct fake *fake_new(void)
{
	struct fake *f = RUN_NEW(struct fake);
	char err[200];

	f->kvm.fd = -1;
	f->ram = calloc(1, FAKE_RAM);
	f->vm.kvm = &f->kvm;
	f->vm.fd = -1;
	f->vm.stats.fd = -1;
	f->vm.mem = (struct guest_mem){ .hva = f->ram, .size = FAKE_RAM };
	if (machine_setup(&f->vm, err, sizeof(err)) != 0)
		check_fail(__FILE__, __LINE__, "machine_setup: %s", err);
	f->v.vm = &f->vm;
	f->v.fd = -1;
	f->v.stats.fd = -1;
	f->v.run_size = FAKE_RUN_SIZE;
	f->v.run = calloc(1, FAKE_RUN_SIZE);
	f->vm.con.buf = malloc(CONSOLE_CAP);
	f->vm.con.limit = CONSOLE_LIMIT_DEFAULT;
	return f;
}

void fake_free(struct fake *f)
{
	machine_teardown(&f->vm);           /* what machine_setup allocated (traps/devices/iodev.c) */
	free(f->v.run);
	free(f->vm.con.buf);
	free(f->v.reports);
	counters_free(&f->v.ctr);           /* exit_dispatch keeps round-trip samples */
	free(f->ram);
	free(f);
}

uint8_t *fake_pio_data(struct fake *f)
{
	return (uint8_t *)f->v.run + FAKE_PIO_OFFSET;
}
