/*
 * host.c - which KVM this is.
 *
 * The same guest instruction costs ~1 µs of hardware exit on a VMX host and
 * ~1,700 cycles of software emulation on a PVM host; every number kvmlab
 * prints has to be read against this.  Facts come from the loaded modules'
 * parameters in /sys/module and from CPUID on the host.
 */
#include <cpuid.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "kvmlab.h"

/* CPUID.1:ECX bit 31 is reserved for hypervisors to say "you are a guest"
 * (SDM vol. 2A, CPUID, table 3-10 note; KVM's Documentation/virt/kvm/x86/cpuid.rst). */
#define CPUID_1_ECX_HYPERVISOR (1U << 31)

static int read_param(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (!fgets(buf, (int)n, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static bool param_on(const char *v)
{
	return !strcmp(v, "Y") || !strcmp(v, "1") || !strcmp(v, "y");
}

void host_probe(struct host_info *h)
{
	char v[32];
	unsigned a, b, c, d;
	struct utsname u;

	memset(h, 0, sizeof(*h));
	snprintf(h->backend, sizeof(h->backend), "unknown");
	snprintf(h->paging, sizeof(h->paging), "unknown");

	if (access("/sys/module/kvm_intel", F_OK) == 0) {
		snprintf(h->backend, sizeof(h->backend), "kvm_intel");
		h->tdp = read_param("/sys/module/kvm_intel/parameters/ept", v, sizeof(v)) == 0 && param_on(v);
		snprintf(h->paging, sizeof(h->paging), h->tdp ? "ept" : "shadow");
	} else if (access("/sys/module/kvm_amd", F_OK) == 0) {
		snprintf(h->backend, sizeof(h->backend), "kvm_amd");
		h->tdp = read_param("/sys/module/kvm_amd/parameters/npt", v, sizeof(v)) == 0 && param_on(v);
		snprintf(h->paging, sizeof(h->paging), h->tdp ? "npt" : "shadow");
	} else if (access("/sys/module/kvm_pvm", F_OK) == 0) {
		/* PVM has no hardware TDP: it always shadows the guest's page tables. */
		snprintf(h->backend, sizeof(h->backend), "kvm_pvm");
		h->tdp = false;
		snprintf(h->paging, sizeof(h->paging), "shadow");
	}

	__cpuid(1, a, b, c, d);
	h->host_is_guest = c & CPUID_1_ECX_HYPERVISOR;

	/* Brand string, CPUID 0x80000002-4 (SDM vol. 2A, CPUID). */
	__cpuid(0x80000000, a, b, c, d);
	if (a >= 0x80000004) {
		unsigned regs[12];
		for (unsigned i = 0; i < 3; i++)
			__cpuid(0x80000002 + i, regs[4 * i], regs[4 * i + 1], regs[4 * i + 2], regs[4 * i + 3]);
		char brand[49];
		memcpy(brand, regs, 48);
		brand[48] = '\0';
		char *s = brand;
		while (*s == ' ')
			s++;
		snprintf(h->cpu_model, sizeof(h->cpu_model), "%s", s);
	}
	if (uname(&u) == 0)
		snprintf(h->kernel, sizeof(h->kernel), "%s", u.release);
}
