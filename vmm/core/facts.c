/*
 * facts.c - every host fact that changes what a guest sees, and how it was found.
 *
 * A regression suite that runs on kvm_intel, kvm_amd and kvm_pvm, on Intel and
 * AMD CPUs, must derive each expectation from a probed fact, never from the
 * machine it was written on.  This file gathers those facts into one flat list
 * of (name, value, source); the expectations table (vmm/core/expect.def) states its
 * conditions over these names, `kvmlab info` prints them, and the tests read
 * them from `kvmlab info --json` ("facts", docs/json-schema.md).  Probes that
 * need a guest run live in vmm/measure/facts_guest.c; this file only asks the
 * host (and KVM's ioctls, facts_cpuid.c).
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <cpuid.h>
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "kvmlab.h"

/* CPUID bits (Intel SDM Vol. 2A, CPUID, Tables 3-10/3-11 and leaf 07H; AMD APM Vol. 3 App. E). */
#define CPUID_1_ECX_X2APIC        (1U << 21)
#define CPUID_1_ECX_TSC_DEADLINE  (1U << 24)
#define CPUID_1_ECX_HV            (1U << 31)   /* reserved for hypervisors (APM); "not used" (SDM) */
#define CPUID_7_ECX_UMIP          (1U << 2)
#define CPUID_7_ECX_PKU           (1U << 3)
#define CPUID_7_ECX_LA57          (1U << 16)
#define CPUID_80000001_EDX_RDTSCP (1U << 27)
#define CPUID_LEAF_HV_BASE        0x40000000U  /* hypervisor vendor leaf (KVM cpuid.rst) */

/* KVM_CAP_DISABLE_QUIRKS2 returns the quirks this KVM can disable (api.rst 7.31);
 * FIX_HYPERCALL_INSN: KVM rewrites the guest's VMCALL/VMMCALL into the host vendor's. */
#define QUIRK_FIX_HYPERCALL_INSN  (1U << 5)

/* Tools some tests and labs call; a missing one makes those tests skip. */
static const char *const tools[] = {
	"strace", "gnuplot", "pandoc", "qemu-storage-daemon", "qemu-img", "nasm", "taskset",
	"nsenter", "ping", "ip",                /* run --net: the tools that look into its namespace */
};

/* Copies at most n-1 bytes of s: facts are short, a longer value is cut, never overflows. */
static void str_copy(char *d, size_t n, const char *s)
{
	size_t l = strlen(s);

	if (l > n - 1)
		l = n - 1;
	memcpy(d, s, l);
	d[l] = '\0';
}

static struct fact *fact_add(struct host_facts *hf, const char *name, enum fact_type t, const char *source)
{
	if (hf->n >= FACTS_MAX)
		return NULL;            /* cannot happen with the lists below: FACTS_MAX is ample */
	struct fact *f = &hf->f[hf->n++];
	memset(f, 0, sizeof(*f));
	str_copy(f->name, sizeof(f->name), name);
	str_copy(f->source, sizeof(f->source), source);
	f->type = t;
	return f;
}

void facts_set_bool(struct host_facts *hf, const char *name, bool v, const char *source)
{
	struct fact *f = fact_add(hf, name, FACT_BOOL, source);
	if (f) { f->known = true; f->i = v; }
}

void facts_set_int(struct host_facts *hf, const char *name, int64_t v, const char *source)
{
	struct fact *f = fact_add(hf, name, FACT_INT, source);
	if (f) { f->known = true; f->i = v; }
}

void facts_set_str(struct host_facts *hf, const char *name, const char *v, const char *source)
{
	struct fact *f = fact_add(hf, name, FACT_STR, source);
	if (f) { f->known = true; str_copy(f->s, sizeof(f->s), v); }
}

void facts_set_unknown(struct host_facts *hf, const char *name, enum fact_type t, const char *source)
{
	fact_add(hf, name, t, source);
}

const struct fact *facts_find(const struct host_facts *hf, const char *name)
{
	for (int i = 0; i < hf->n; i++)
		if (!strcmp(hf->f[i].name, name))
			return &hf->f[i];
	return NULL;
}

/* Reads the first line of a small file; 0 or -1. */
static int read_line(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char *ok = fgets(buf, (int)n, f);
	fclose(f);
	if (!ok)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static void facts_cpu(struct host_facts *hf)
{
	unsigned a, b, c, d, max;
	char vendor[13];

	__cpuid(0, max, b, c, d);
	memcpy(vendor, &b, 4); memcpy(vendor + 4, &d, 4); memcpy(vendor + 8, &c, 4);
	vendor[12] = '\0';
	facts_set_str(hf, "cpu.vendor_string", vendor, "cpuid 0x0 ebx:edx:ecx");
	facts_set_str(hf, "vendor", !strcmp(vendor, "GenuineIntel") ? "intel" :
		      !strcmp(vendor, "AuthenticAMD") || !strcmp(vendor, "HygonGenuine") ? "amd" : "other",
		      "cpuid 0x0 vendor string: GenuineIntel -> intel (VMX), AuthenticAMD/HygonGenuine -> amd (SVM)");

	/* Family/model/stepping with the extended fields (SDM Vol. 2A CPUID, Figure 3-6). */
	__cpuid(1, a, b, c, d);
	unsigned fam = a >> 8 & 0xf, model = a >> 4 & 0xf;
	if (fam == 0xf)
		fam += a >> 20 & 0xff;
	if (fam == 0x6 || fam >= 0xf)
		model |= (a >> 16 & 0xf) << 4;
	facts_set_int(hf, "cpu.family", fam, "cpuid 0x1 eax[11:8] + eax[27:20]");
	facts_set_int(hf, "cpu.model", model, "cpuid 0x1 eax[7:4] + eax[19:16] << 4");
	facts_set_int(hf, "cpu.stepping", a & 0xf, "cpuid 0x1 eax[3:0]");
	facts_set_bool(hf, "x2apic", c & CPUID_1_ECX_X2APIC, "cpuid 0x1 ecx[21]");
	facts_set_bool(hf, "tsc_deadline", c & CPUID_1_ECX_TSC_DEADLINE, "cpuid 0x1 ecx[24]");
	bool hv = c & CPUID_1_ECX_HV;
	facts_set_bool(hf, "hypervisor", hv, "cpuid 0x1 ecx[31]: the host is itself a guest");

	unsigned c7 = 0;
	if (max >= 7)
		__cpuid_count(7, 0, a, b, c7, d);
	facts_set_bool(hf, "umip", c7 & CPUID_7_ECX_UMIP, "cpuid 0x7.0 ecx[2]");
	facts_set_bool(hf, "pku", c7 & CPUID_7_ECX_PKU, "cpuid 0x7.0 ecx[3]");
	facts_set_bool(hf, "la57", c7 & CPUID_7_ECX_LA57, "cpuid 0x7.0 ecx[16]");

	__cpuid(0x80000000, a, b, c, d);
	d = 0;
	if (a >= 0x80000001)
		__cpuid(0x80000001, a, b, c, d);
	facts_set_bool(hf, "rdtscp", d & CPUID_80000001_EDX_RDTSCP, "cpuid 0x80000001 edx[27]");

	/* The outer hypervisor's signature: only meaningful when the HV bit is set. */
	if (hv) {
		char sig[13];
		__cpuid(CPUID_LEAF_HV_BASE, a, b, c, d);
		memcpy(sig, &b, 4); memcpy(sig + 4, &c, 4); memcpy(sig + 8, &d, 4);
		sig[12] = '\0';
		for (int i = 0; i < 12; i++)
			if (sig[i] && (sig[i] < 0x20 || sig[i] > 0x7e))
				sig[i] = '?';
		facts_set_str(hf, "hypervisor.signature", sig, "cpuid 0x40000000 ebx:ecx:edx");
	} else {
		facts_set_unknown(hf, "hypervisor.signature", FACT_STR, "cpuid 0x40000000 (no hypervisor bit: not read)");
	}
}

/* CPUID faulting (Intel: MSR_PLATFORM_INFO bit 32; Linux exposes it as
 * arch_prctl(ARCH_SET_CPUID)): lets a hypervisor make CPL-3 CPUID trap.
 * ARCH_SET_CPUID(0) is undone at once: no CPUID runs in between. */
static void facts_cpuid_fault(struct host_facts *hf)
{
	long cur = syscall(SYS_arch_prctl, ARCH_GET_CPUID, 0);
	bool ok = false;

	if (cur == 1 && syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0) == 0) {
		ok = true;
		syscall(SYS_arch_prctl, ARCH_SET_CPUID, 1);
	}
	facts_set_bool(hf, "cpuid_fault", ok,
		       "arch_prctl(ARCH_SET_CPUID, 0) succeeds (ENODEV without CPUID faulting), then restored");
}

static bool param_truthy(const char *v)
{
	return !strcmp(v, "Y") || !strcmp(v, "y") || !strcmp(v, "1");
}

/* Every readable parameter of the KVM modules, as "param.MODULE.NAME". */
static void facts_module_params(struct host_facts *hf, const char *mod)
{
	char dir[128], path[512], v[64], name[FACT_NAME_MAX];
	snprintf(dir, sizeof(dir), "/sys/module/%s/parameters", mod);
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	/* readdir order is arbitrary: collect, then sort for a stable listing. */
	char names[64][64];
	int n = 0;
	while ((e = readdir(d)) && n < 64)
		if (e->d_name[0] != '.')
			str_copy(names[n++], sizeof(names[0]), e->d_name);
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), (int (*)(const void *, const void *))strcmp);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%.63s", dir, names[i]);
		snprintf(name, sizeof(name), "param.%.12s.%.44s", mod, names[i]);
		if (read_line(path, v, sizeof(v)) == 0)
			facts_set_str(hf, name, v, path);
	}
}

static void facts_kvm(struct host_facts *hf, const struct host_info *h, const struct kvm *k)
{
	facts_set_str(hf, "backend", h->backend, "/sys/module/kvm_intel, kvm_amd or kvm_pvm present");
	facts_set_bool(hf, "tdp", h->tdp, "/sys/module/kvm_intel/parameters/ept or kvm_amd/parameters/npt");
	facts_set_int(hf, "api_version", k->api_version, "ioctl KVM_GET_API_VERSION");
	static const char *const mods[] = { "kvm", "kvm_intel", "kvm_amd", "kvm_pvm" };
	for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++)
		facts_module_params(hf, mods[i]);
	/* unrestricted_guest: VMX can run real mode natively (SDM Vol. 3C 26.8);
	 * without it KVM needs the vm86 TSS and identity map (api.rst 4.48, 4.49). */
	const struct fact *ug = facts_find(hf, "param.kvm_intel.unrestricted_guest");
	facts_set_bool(hf, "unrestricted_guest", ug && param_truthy(ug->s),
		       "/sys/module/kvm_intel/parameters/unrestricted_guest (false when not kvm_intel)");

	for (int i = 0; i < CAP_COUNT; i++) {
		char name[FACT_NAME_MAX];
		snprintf(name, sizeof(name), "cap.%s", cap_table[i].name);
		facts_set_int(hf, name, k->cap[i], "ioctl KVM_CHECK_EXTENSION");
	}
	int q = ioctl(k->fd, KVM_CHECK_EXTENSION, KVM_CAP_DISABLE_QUIRKS2);
	facts_set_int(hf, "quirks", q > 0 ? q : 0, "ioctl KVM_CHECK_EXTENSION(KVM_CAP_DISABLE_QUIRKS2): disableable quirks mask");
	facts_set_bool(hf, "quirk.fix_hypercall_insn", q > 0 && (q & QUIRK_FIX_HYPERCALL_INSN),
		       "KVM_CAP_DISABLE_QUIRKS2 mask bit 5 (KVM_X86_QUIRK_FIX_HYPERCALL_INSN; on by default)");
}

/* Can `kvmlab run --ktrace` record here?  Root, tracefs, and the events it needs
 * (vmm/measure/ktrace.c).  Not mounted: kvmlab mounts it, so tracefs support is
 * what can be known without mounting. */
static void facts_ktrace(struct host_facts *hf)
{
	static const char *const need[] = {
		"/sys/kernel/tracing/events/kvm/kvm_userspace_exit",
		"/sys/kernel/tracing/events/syscalls/sys_enter_ioctl",
	};
	FILE *f;
	char line[128];
	bool have_fs = false;

	if (geteuid() != 0) {
		facts_set_bool(hf, "ktrace", false, "not root: tracefs is root-only");
		return;
	}
	if (access("/sys/kernel/tracing/events", F_OK) == 0) {
		bool ok = true;
		for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
			ok = ok && access(need[i], F_OK) == 0;
		facts_set_bool(hf, "ktrace", ok, "tracefs: events kvm/kvm_userspace_exit, syscalls/sys_enter_ioctl");
		return;
	}
	if ((f = fopen("/proc/filesystems", "r"))) {
		while (fgets(line, sizeof(line), f))
			have_fs |= strstr(line, "\ttracefs") != NULL;
		fclose(f);
	}
	facts_set_bool(hf, "ktrace", have_fs, "tracefs not mounted (--ktrace mounts it): /proc/filesystems");
}

static void facts_os(struct host_facts *hf, const struct host_info *h)
{
	char v[128];

	facts_set_str(hf, "kernel", h->kernel, "uname(2) release");
	int major = 0, minor = 0;
	if (sscanf(h->kernel, "%d.%d", &major, &minor) == 2)
		facts_set_int(hf, "kernel.version", major * 100 + minor, "uname(2) release: major * 100 + minor (6.18 -> 618)");
	else
		facts_set_unknown(hf, "kernel.version", FACT_INT, "uname(2) release: not MAJOR.MINOR");
	facts_set_int(hf, "cpus.online", sysconf(_SC_NPROCESSORS_ONLN), "sysconf(_SC_NPROCESSORS_ONLN)");
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		facts_set_int(hf, "cpus.usable", CPU_COUNT(&set), "sched_getaffinity(2)");
	else
		facts_set_unknown(hf, "cpus.usable", FACT_INT, "sched_getaffinity(2) failed");
	/* "always [madvise] never": the bracketed word is the mode. */
	const char *thp = "/sys/kernel/mm/transparent_hugepage/enabled";
	char *lb, *rb;
	if (read_line(thp, v, sizeof(v)) == 0 && (lb = strchr(v, '[')) && (rb = strchr(lb, ']'))) {
		*rb = '\0';
		facts_set_str(hf, "thp", lb + 1, thp);
	} else {
		facts_set_unknown(hf, "thp", FACT_STR, thp);
	}
	if (read_line("/proc/sys/vm/nr_hugepages", v, sizeof(v)) == 0)
		facts_set_int(hf, "hugepages.reserved", strtoll(v, NULL, 10), "/proc/sys/vm/nr_hugepages");
	else
		facts_set_unknown(hf, "hugepages.reserved", FACT_INT, "/proc/sys/vm/nr_hugepages");
	facts_set_bool(hf, "root", geteuid() == 0, "geteuid(2) == 0");
}

/* Is NAME an executable on $PATH? */
static bool tool_present(const char *name)
{
	const char *path = getenv("PATH");
	char dir[4096], full[4200];

	if (!path)
		return false;
	while (*path) {
		size_t n = strcspn(path, ":");
		if (n && n < sizeof(dir)) {
			memcpy(dir, path, n);
			dir[n] = '\0';
			snprintf(full, sizeof(full), "%s/%s", dir, name);
			if (access(full, X_OK) == 0)
				return true;
		}
		path += n + (path[n] == ':');
	}
	return false;
}

static void facts_tools(struct host_facts *hf)
{
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		char name[FACT_NAME_MAX];
		snprintf(name, sizeof(name), "tool.%s", tools[i]);
		facts_set_bool(hf, name, tool_present(tools[i]), "executable on $PATH");
	}
}

void facts_probe(struct host_facts *hf, const struct host_info *h, struct kvm *k)
{
	memset(hf, 0, sizeof(*hf));
	facts_cpu(hf);
	facts_cpuid_fault(hf);
	facts_kvm(hf, h, k);
	facts_os(hf, h);
	facts_ktrace(hf);
	facts_tools(hf);
	facts_cpuid_set(hf, k);
}

void facts_value_text(const struct fact *f, char *out, size_t n)
{
	if (!f->known)
		snprintf(out, n, "unknown");
	else if (f->type == FACT_BOOL)
		snprintf(out, n, "%s", f->i ? "true" : "false");
	else if (f->type == FACT_INT)
		snprintf(out, n, "%lld", (long long)f->i);
	else
		snprintf(out, n, "%s", f->s);
}
