/*
 * tss.c - the pages KVM on VMX needs for real mode, placed outside guest RAM.
 *
 * VMX without "unrestricted guest" cannot run real mode natively (SDM Vol. 3C
 * 26.8): KVM runs it as virtual-8086 mode, which needs a TSS with an I/O bitmap
 * (three pages) and, without EPT's real-mode support, an identity-mapped page
 * table (one page).  api.rst 4.48 KVM_SET_TSS_ADDR ("required on Intel-based
 * hosts") and 4.49 KVM_SET_IDENTITY_MAP_ADDR: without them KVM puts the TSS at
 * a default address that may be guest RAM.  kvmlab reserves 0xFFFBC000-0xFFFBFFFF
 * in the MMIO window, where no RAM and no device of kvmlab's lives
 * (docs/guest-abi.md).  Whether a host needs them is a row of vmm/core/expect.def
 * ("setup"), decided by the backend fact.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvmlab.h"

/* Does this host's KVM need the pages?  Decided once per process from the table. */
static bool tss_needed(void)
{
	static int needed = -1;
	if (needed < 0) {
		static struct host_facts hf;
		struct host_info h;
		host_probe(&h);
		facts_set_str(&hf, "backend", h.backend, "/sys/module (host.c)");
		const struct expect_row *r = expect_lookup(&hf, "setup", "tss-identity-map", NULL);
		needed = r && !strcmp(r->expect, "required");
	}
	return needed;
}

int tss_setup(struct vm *vm, char *err, size_t errlen)
{
	if (!tss_needed())
		return 0;
	uint64_t idmap = GPA_VMX_IDENTITY_MAP;
	/* The identity map first: KVM refuses it once a vCPU exists (api.rst 4.49). */
	if (ioctl(vm->fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap) < 0) {
		snprintf(err, errlen, "KVM_SET_IDENTITY_MAP_ADDR(%#llx): %s", (unsigned long long)idmap, strerror(errno));
		return -1;
	}
	if (ioctl(vm->fd, KVM_SET_TSS_ADDR, (unsigned long)GPA_VMX_TSS) < 0) {
		snprintf(err, errlen, "KVM_SET_TSS_ADDR(%#llx): %s", (unsigned long long)GPA_VMX_TSS, strerror(errno));
		return -1;
	}
	vlog("ioctl(vm, KVM_SET_IDENTITY_MAP_ADDR, %#llx); ioctl(vm, KVM_SET_TSS_ADDR, %#llx): VMX real mode",
	     (unsigned long long)idmap, (unsigned long long)GPA_VMX_TSS);
	return 0;
}
