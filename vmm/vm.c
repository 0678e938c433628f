/*
 * vm.c - one VM: its fd, its RAM and its buses.
 *
 * A VM is a file descriptor returned by KVM_CREATE_VM (api.rst 4.2); guest
 * RAM is ordinary anonymous memory of this process, handed to KVM as a
 * memory slot (api.rst 4.35 KVM_SET_USER_MEMORY_REGION).  That is the whole
 * trick of "a VM is a process".
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvmlab.h"

#define SLOT_RAM 0

int vm_create(struct vm *vm, struct kvm *k, const struct vm_config *cfg, char *err, size_t errlen)
{
	memset(vm, 0, sizeof(*vm));
	vm->kvm = k;
	vm->cfg = *cfg;
	vm->fd = -1;
	vm->stats.fd = -1;
	vm->bench.doorbell_fd = -1;

	vm->fd = ioctl(k->fd, KVM_CREATE_VM, 0);
	vlog("ioctl(/dev/kvm, KVM_CREATE_VM) = %d", vm->fd);
	if (vm->fd < 0) {
		snprintf(err, errlen, "KVM_CREATE_VM: %s", strerror(errno));
		return XC_HOST;
	}
	/* MAP_NORESERVE: pages are reserved when the guest first touches them,
	 * so --mem 3G costs nothing until used. */
	void *ram = mmap(NULL, cfg->mem, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ram == MAP_FAILED) {
		snprintf(err, errlen, "mmap of %llu bytes of guest RAM: %s",
			 (unsigned long long)cfg->mem, strerror(errno));
		vm_destroy(vm);
		return XC_HOST;
	}
	vm->mem.hva = ram;
	vm->mem.size = cfg->mem;

	struct kvm_userspace_memory_region r = {
		.slot = SLOT_RAM,
		.guest_phys_addr = 0,
		.memory_size = cfg->mem,
		.userspace_addr = (uintptr_t)ram,
	};
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
		snprintf(err, errlen, "KVM_SET_USER_MEMORY_REGION (slot 0, %llu bytes): %s",
			 (unsigned long long)cfg->mem, strerror(errno));
		vm_destroy(vm);
		return XC_HOST;
	}
	vlog("ioctl(vm, KVM_SET_USER_MEMORY_REGION, slot 0: GPA 0x0 + 0x%llx -> HVA %p)",
	     (unsigned long long)cfg->mem, ram);
	kvmstats_open(&vm->stats, vm->fd);
	if (machine_setup(vm, err, errlen) != 0) {
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
	if (vm->mem.hva)
		munmap(vm->mem.hva, vm->mem.size);
	vm->mem.hva = NULL;
	if (vm->fd >= 0)
		close(vm->fd);
	vm->fd = -1;
}
