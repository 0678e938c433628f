/*
 * kvm.c - the system file descriptor: /dev/kvm, its API version and the
 * capabilities kvmlab uses (Documentation/virt/kvm/api.rst, 4.1-4.4).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvmlab.h"

/* KVM's API version has been 12 since Linux 2.6.22 (api.rst 4.1). */
#define KVM_API_VERSION_WANTED 12

const struct cap_desc cap_table[CAP_COUNT] = {
	[CAP_USER_MEMORY]   = { KVM_CAP_USER_MEMORY, "USER_MEMORY", "guest RAM from our own mmap", true },
	[CAP_IMMEDIATE_EXIT] = { KVM_CAP_IMMEDIATE_EXIT, "IMMEDIATE_EXIT", "watchdog stops KVM_RUN without a race", true },
	[CAP_HLT]           = { KVM_CAP_HLT, "HLT", "hlt exits to kvmlab and ends the run", false },
	[CAP_IRQCHIP]       = { KVM_CAP_IRQCHIP, "IRQCHIP", "in-kernel interrupt controller (devices handled in the kernel)", false },
	[CAP_READONLY_MEM]  = { KVM_CAP_READONLY_MEM, "READONLY_MEM", "ROM slots whose writes become MMIO exits", false },
	[CAP_COALESCED_MMIO] = { KVM_CAP_COALESCED_MMIO, "COALESCED_MMIO", "batched MMIO writes without exits", false },
	[CAP_IOEVENTFD]     = { KVM_CAP_IOEVENTFD, "IOEVENTFD", "doorbells completed inside KVM", false },
	[CAP_GET_TSC_KHZ]   = { KVM_CAP_GET_TSC_KHZ, "GET_TSC_KHZ", "cycles to nanoseconds", false },
	[CAP_BINARY_STATS_FD] = { KVM_CAP_BINARY_STATS_FD, "BINARY_STATS_FD", "KVM's own exit and fault counters", false },
	[CAP_EXIT_ON_EMULATION_FAILURE] = { KVM_CAP_EXIT_ON_EMULATION_FAILURE, "EXIT_ON_EMULATION_FAILURE", "instruction bytes on emulation failure", false },
	[CAP_SET_GUEST_DEBUG] = { KVM_CAP_SET_GUEST_DEBUG, "SET_GUEST_DEBUG", "single-step tracing", false },
	[CAP_X86_USER_SPACE_MSR] = { KVM_CAP_X86_USER_SPACE_MSR, "X86_USER_SPACE_MSR", "MSR accesses exit to kvmlab", false },
	[CAP_X86_MSR_FILTER] = { KVM_CAP_X86_MSR_FILTER, "X86_MSR_FILTER", "choose which MSRs exit", false },
	[CAP_MANUAL_DIRTY_LOG_PROTECT2] = { KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, "MANUAL_DIRTY_LOG_PROTECT2", "dirty log cleared by kvmlab", false },
	[CAP_DIRTY_LOG_RING] = { KVM_CAP_DIRTY_LOG_RING, "DIRTY_LOG_RING", "dirty pages through a ring", false },
	[CAP_EXT_CPUID]     = { KVM_CAP_EXT_CPUID, "EXT_CPUID", "KVM_GET_SUPPORTED_CPUID / KVM_SET_CPUID2", false },
	[CAP_NR_VCPUS]      = { KVM_CAP_NR_VCPUS, "NR_VCPUS", "recommended vCPU count", false },
	[CAP_MAX_VCPUS]     = { KVM_CAP_MAX_VCPUS, "MAX_VCPUS", "largest vCPU count", false },
	[CAP_X86_DISABLE_EXITS] = { KVM_CAP_X86_DISABLE_EXITS, "X86_DISABLE_EXITS", "let hlt/pause run without exits", false },
	[CAP_SYNC_MMU]      = { KVM_CAP_SYNC_MMU, "SYNC_MMU", "guest RAM may be remapped under a running VM", false },
	[CAP_SPLIT_IRQCHIP] = { KVM_CAP_SPLIT_IRQCHIP, "SPLIT_IRQCHIP", "--irqchip split: only the LAPIC in the kernel", false },
	[CAP_MP_STATE]      = { KVM_CAP_MP_STATE, "MP_STATE", "tell a vCPU halted in the kernel from a running one", false },
	[CAP_TSC_DEADLINE_TIMER] = { KVM_CAP_TSC_DEADLINE_TIMER, "TSC_DEADLINE_TIMER", "the LAPIC timer's TSC-deadline mode", false },
	[CAP_IRQFD]         = { KVM_CAP_IRQFD, "IRQFD", "the virtio console interrupts through an eventfd, no ioctl", false },
};

int kvm_open(struct kvm *k, char *err, size_t errlen)
{
	memset(k, 0, sizeof(*k));
	k->fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (k->fd < 0) {
		int e = errno;
		if (e == ENOENT)
			snprintf(err, errlen, "/dev/kvm does not exist: load the module "
				 "(modprobe kvm_intel or kvm_amd) or enable nested virtualization");
		else if (e == EACCES || e == EPERM)
			snprintf(err, errlen, "/dev/kvm: permission denied: add yourself to the kvm group "
				 "(sudo usermod -aG kvm $USER, then log in again) or run as root");
		else
			snprintf(err, errlen, "open /dev/kvm: %s", strerror(e));
		return XC_HOST;
	}
	k->api_version = ioctl(k->fd, KVM_GET_API_VERSION, 0);
	if (k->api_version != KVM_API_VERSION_WANTED) {
		snprintf(err, errlen, "KVM_GET_API_VERSION returned %d, kvmlab needs %d",
			 k->api_version, KVM_API_VERSION_WANTED);
		kvm_close(k);
		return XC_HOST;
	}
	for (int i = 0; i < CAP_COUNT; i++) {
		int r = ioctl(k->fd, KVM_CHECK_EXTENSION, cap_table[i].kvm_cap);
		k->cap[i] = r > 0 ? r : 0;
		if (cap_table[i].required && !k->cap[i]) {
			snprintf(err, errlen, "KVM lacks KVM_CAP_%s, which kvmlab requires (%s)",
				 cap_table[i].name, cap_table[i].why);
			kvm_close(k);
			return XC_HOST;
		}
	}
	k->run_size = ioctl(k->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (k->run_size < (int)sizeof(struct kvm_run)) {
		snprintf(err, errlen, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		kvm_close(k);
		return XC_HOST;
	}
	return XC_OK;
}

void kvm_close(struct kvm *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}

bool kvm_has(const struct kvm *k, enum cap_id c)
{
	return k->cap[c] > 0;
}
