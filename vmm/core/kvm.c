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

/* Generated from CAP_LIST (core.h), so names and enum never drift. */
const struct cap_desc cap_table[CAP_COUNT] = {
#define X(name, req, why_) [CAP_##name] = { KVM_CAP_##name, #name, why_, req },
	CAP_LIST(X)
#undef X
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
