/*
 * run.c - one run of a payload, start to finish, in the order api.rst
 * describes: VM, memory, vCPU, registers, KVM_RUN until done.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include <stdlib.h>

#include "kvmlab.h"

/* Ask KVM to report failed emulation with the instruction bytes (api.rst 7.29). */
static void enable_emulation_failure_exit(struct vm *vm)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_EXIT_ON_EMULATION_FAILURE, .args = { 1 } };

	if (!kvm_has(vm->kvm, CAP_EXIT_ON_EMULATION_FAILURE))
		return;
	uint64_t t0 = setup_clock();
	int rc = ioctl(vm->fd, KVM_ENABLE_CAP, &cap);

	setup_record(&vm->setup, "emulation failure", "KVM_ENABLE_CAP", t0);
	if (rc < 0)
		warnx_("KVM_ENABLE_CAP(EXIT_ON_EMULATION_FAILURE): %s (going on without instruction bytes)",
		       strerror(errno));
}

int run_payload(struct run *r, struct kvm *k, const struct payload *p,
		const struct vm_config *cfg, char *err, size_t errlen)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->vm.fd = -1;
	r->vcpu.fd = -1;
	struct vm_config c = *cfg;

	/* Both cost milliseconds (an SRCU grace period at set-up or teardown): only when asked. */
	c.kvmlab_msrs = (p->hdr.flags & KVMLAB_FLAG_MSRS) != 0;
	c.kernel_devs = (p->hdr.flags & KVMLAB_FLAG_KERNEL_DEVS) != 0;
	if (!cfg->irqchip_forced)               /* --irqchip overrides what the payload states */
		c.irqchip = irqchip_from_flags(p->hdr.flags);
	rc = vm_create(&r->vm, k, &c, err, errlen);
	if (rc != XC_OK)
		return rc;
	rc = vm_load(&r->vm, p, err, errlen);
	if (rc != XC_OK)
		return rc;
	enable_emulation_failure_exit(&r->vm);
	rc = vcpu_create(&r->vcpu, &r->vm, 0, err, errlen);
	if (rc != XC_OK)
		return rc;
	if (memlab_vcpu_ready(&r->vcpu, err, errlen) != 0)     /* the dirty ring, if asked for */
		return XC_HOST;
	if (mode_setup(&r->vcpu, p, err, errlen) != 0)
		return XC_HOST;
	if (cfg->trace && trace_attach(&r->vcpu, cfg->trace, err, errlen) != 0)
		return XC_HOST;                 /* kvmlab trace: vmm/measure/trace.c */
	if (cfg->sandbox) {             /* no open(2) or mmap of a library once the filter is in */
		translate_open_host_files();
		disasm_load();
	}
	if (cfg->vcpus > 0)
		return smp_run(r, p, err, errlen);     /* --vcpus/--pin: one thread per vCPU, vmm/core/smp.c */
	return run_ready(r, cfg, err, errlen);
}

int run_ready(struct run *r, const struct vm_config *cfg, char *err, size_t errlen)
{
	struct kvm *k = r->vm.kvm;

	if (kvm_has(k, CAP_GET_TSC_KHZ)) {
		uint64_t t0 = setup_clock();
		int khz = ioctl(r->vcpu.fd, KVM_GET_TSC_KHZ, 0);

		setup_record(&r->vm.setup, "TSC rate", "KVM_GET_TSC_KHZ", t0);
		r->tsc_khz = khz > 0 ? (uint64_t)khz : 0;
		r->vm.tsc_khz = (uint32_t)r->tsc_khz;   /* what timer payloads ask port 0xE0 for */
	}
	if (watchdog_arm(&r->vcpu, cfg->timeout, err, errlen) != 0)
		return XC_HOST;

	kvmstats_sample(&r->vm.stats, false);
	kvmstats_sample(&r->vcpu.stats, false);
	if (cfg->ktrace)
		ktrace_add_thread();            /* vCPU 0 runs on this thread */
	uint64_t t0 = setup_clock();
	vcpu_schedstat_open(&r->vcpu);  /* before the sandbox: it needs open(2) */
	if (cfg->sandbox && sandbox_enter(&r->vcpu, err, errlen) != 0) {
		watchdog_disarm();      /* its timer must not outlive this vcpu */
		return XC_HOST;
	}
	if (cfg->sandbox)
		setup_record(&r->vm.setup, "sandbox", "seccomp(SET_MODE_FILTER)", t0);
	char lerr[256];
	if (cfg->live > 0 && run_live_start(r, &r->vcpu.fd, 1, lerr, sizeof(lerr)) != 0)
		fprintf(stderr, "kvmlab: %s; running without it\n", lerr);     /* as --ktrace does */
	if (cfg->start_hook)
		cfg->start_hook(r, cfg->start_hook_arg);        /* live migration's thread */
	vcpu_run(&r->vcpu);
	r->wall_seconds = r->vcpu.loop_seconds;
	if (r->live)
		live_stop(r->live);
	if (cfg->trace)
		trace_finish(&r->vcpu, cfg->trace);
	coalesced_drain(&r->vcpu);              /* writes queued after the last exit */
	iodev_quiesce(&r->vm);                  /* the report reads devices and console at rest */
	benchdev_doorbell_read(&r->vm);
	kvmstats_sample(&r->vcpu.stats, true);
	kvmstats_sample(&r->vm.stats, true);
	watchdog_disarm();
	memlab_finish(&r->vcpu);                /* --translate, with the guest's tables in place */

	r->regs_valid = ioctl(r->vcpu.fd, KVM_GET_REGS, &r->regs) == 0 &&
			ioctl(r->vcpu.fd, KVM_GET_SREGS, &r->sregs) == 0;
	r->exit_code = end_exit_code(r->vcpu.end, r->vcpu.exit_status);
	return XC_OK;
}

int run_live_start(struct run *r, const int *vcpu_fds, int n, char *err, size_t errlen)
{
	r->live = calloc(1, sizeof(*r->live));
	if (!r->live)
		die(XC_HOST, "out of memory");
	if (live_start(r->live, r->vm.cfg.live, vcpu_fds, n, err, errlen) != 0) {
		free(r->live);
		r->live = NULL;
		return -1;
	}
	return 0;
}

void *run_zalloc(size_t align, size_t size)
{
	void *p = aligned_alloc(align, (size + align - 1) / align * align);

	if (p)
		memset(p, 0, size);
	return p;
}

void run_teardown(struct run *r)
{
	if (r->live) {
		live_free(r->live);
		free(r->live);
		r->live = NULL;
	}
	if (r->smp)
		smp_teardown(r);
	if (r->vcpu.fd >= 0 || r->vcpu.run)
		vcpu_destroy(&r->vcpu);
	vm_destroy(&r->vm);
}
