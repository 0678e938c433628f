/*
 * ktrace_reasons.c - hardware exit reasons by name, from the tables in
 * ktrace_reasons.def (SDM Vol. 3D App. C for VMX, APM Vol. 2 App. C for SVM).
 */
#include <stdio.h>
#include <string.h>

#include "kvmlab.h"

struct reason_row {
	uint32_t code;
	uint32_t n;             /* 1, or the length of an SVM_RANGE */
	const char *name;       /* a printf format with %u for a range */
};

static const struct reason_row vmx_rows[] = {
#define VMX(c, s) { (c), 1, (s) },
#define SVM(c, s)
#define SVM_RANGE(c, n, f)
#include "ktrace_reasons.def"
#undef VMX
#undef SVM
#undef SVM_RANGE
};

static const struct reason_row svm_rows[] = {
#define VMX(c, s)
#define SVM(c, s) { (c), 1, (s) },
#define SVM_RANGE(c, n, f) { (c), (n), (f) },
#include "ktrace_reasons.def"
#undef VMX
#undef SVM
#undef SVM_RANGE
};

static const char *reason_lookup(const struct reason_row *t, size_t n, uint32_t code,
				 char *buf, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		if (code < t[i].code || code - t[i].code >= t[i].n)
			continue;
		if (t[i].n == 1)
			return t[i].name;
		snprintf(buf, len, t[i].name, code - t[i].code);
		return buf;
	}
	return NULL;
}

const char *ktrace_reason_name(const char *backend, uint32_t code, char *buf, size_t n)
{
	if (strcmp(backend, "kvm_intel") == 0)  /* basic exit reason: bits 15:0 (SDM Vol. 3C 28.2.1) */
		return reason_lookup(vmx_rows, sizeof(vmx_rows) / sizeof(vmx_rows[0]), code & 0xFFFF, buf, n);
	if (strcmp(backend, "kvm_amd") == 0)
		return reason_lookup(svm_rows, sizeof(svm_rows) / sizeof(svm_rows[0]), code, buf, n);
	return NULL;                            /* PVM and others: no manual's table */
}

static const char *const kind_names[KT_KINDS] = {
	[KT_RUN_ENTER] = "sys_enter_ioctl(KVM_RUN)",
	[KT_RUN_RET] = "sys_exit_ioctl",
	[KT_ENTRY] = "kvm_entry",
	[KT_EXIT] = "kvm_exit",
	[KT_USER_EXIT] = "kvm_userspace_exit",
	[KT_EMULATE] = "kvm_emulate_insn",
	[KT_EMULATE_FAILED] = "kvm_emulate_insn_failed",
	[KT_PAGE_FAULT] = "kvm_page_fault",
	[KT_PIO] = "kvm_pio",
	[KT_MMIO] = "kvm_mmio",
	[KT_MSR] = "kvm_msr",
	[KT_CPUID] = "kvm_cpuid",
	[KT_INJ_EXCEPTION] = "kvm_inj_exception",
	[KT_MMU] = "kvmmmu",
};

const char *ktrace_kind_name(int kind)
{
	return kind >= 0 && kind < KT_KINDS ? kind_names[kind] : "?";
}
