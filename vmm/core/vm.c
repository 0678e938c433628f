/*
 * vm.c - one VM: its fd, its RAM and its buses.
 *
 * A VM is a file descriptor returned by KVM_CREATE_VM (api.rst 4.2); guest
 * RAM is ordinary memory of this process, handed to KVM as memory slots
 * (api.rst 4.35 KVM_SET_USER_MEMORY_REGION; memregion.c, docs/memory.md).  That is the whole
 * trick of "a VM is a process".
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvmlab.h"

int vm_create(struct vm *vm, struct kvm *k, const struct vm_config *cfg, char *err, size_t errlen)
{
	memset(vm, 0, sizeof(*vm));
	vm->kvm = k;
	vm->cfg = *cfg;
	vm->fd = -1;
	vm->stats.fd = -1;
	vm->virtio_irqfd = -1;
	gmem_init(&vm->mem);
	pthread_mutex_init(&vm->coalesced_lock, NULL);
	if (console_init(&vm->con, cfg->console_limit, cfg->echo_console) != 0) {
		snprintf(err, errlen, "out of memory");
		return XC_HOST;
	}

	uint64_t t0 = setup_clock();
	vm->fd = ioctl(k->fd, KVM_CREATE_VM, 0);
	setup_record(&vm->setup, "create VM", "KVM_CREATE_VM", t0);
	vlog("ioctl(/dev/kvm, KVM_CREATE_VM) = %d", vm->fd);
	if (vm->fd < 0) {
		snprintf(err, errlen, "KVM_CREATE_VM: %s", strerror(errno));
		return XC_HOST;
	}
	/* The MSR filter first: KVM_X86_SET_MSR_FILTER waits for an SRCU grace
	 * period, quick while the new VM's SRCU is idle but ~15 ms here right
	 * after a call that synchronized it (a memory slot, an ioeventfd). */
	if (machine_msr_filter(vm, err, errlen) != 0) {
		vm_destroy(vm);
		return XC_HOST;
	}
	/* VMX real mode's pages, before any vCPU (tss.c). */
	if (tss_setup(vm, err, errlen) != 0) {
		vm_destroy(vm);
		return XC_HOST;
	}
	/* Dirty logging must be configured before the first slot and vCPU exist. */
	int rc = memlab_create(vm, err, errlen);
	if (rc == XC_OK)
		rc = memlab_add_slots(vm, err, errlen);     /* memlab.c: RAM, then ROM */
	if (rc != XC_OK) {
		vm_destroy(vm);
		return rc;
	}
	t0 = setup_clock();
	kvmstats_open(&vm->stats, vm->fd);
	setup_record(&vm->setup, "VM stats fd", "KVM_GET_STATS_FD", t0);
	if (machine_setup(vm, err, errlen) != 0 || irqchip_create(vm, err, errlen) != 0 ||
	    irqchip_irqfd(vm, err, errlen) != 0) {
		vm_destroy(vm);
		return XC_HOST;
	}
	return XC_OK;
}

int vm_load(struct vm *vm, const struct payload *p, char *err, size_t errlen)
{
	if (gmem_write(&vm->mem, p->hdr.load_addr, p->data, p->size) != 0) {
		snprintf(err, errlen, "payload header: %zu bytes at 0x%x do not fit in guest RAM",
			 p->size, p->hdr.load_addr);
		return XC_PAYLOAD_SIZE;
	}
	return XC_OK;
}

void vm_destroy(struct vm *vm)
{
	machine_teardown(vm);
	kvmstats_close(&vm->stats);
	memregion_remove_all(vm);
	memlab_destroy(vm);
	console_free(&vm->con);
	if (vm->fd >= 0)
		close(vm->fd);
	vm->fd = -1;
	if (vm->virtio_irqfd >= 0)
		close(vm->virtio_irqfd);        /* KVM dropped its reference with the VM */
	vm->virtio_irqfd = -1;
}
