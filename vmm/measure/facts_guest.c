/*
 * facts_guest.c - host facts only a guest can observe.
 *
 * "Does guest CPL 3 CPUID see the VMM's CPUID table?"  On VMX/SVM CPUID always
 * leaves the guest (SDM Vol. 3C 26.1.2; APM Vol. 2 15.9 CPUID intercept), so
 * KVM answers from KVM_SET_CPUID2's table at any CPL.  A host that runs guest
 * ring 3 natively (kvm_pvm) can only intercept CPL-3 CPUID with CPUID
 * faulting; without it the guest reads the host CPU's own answer.  The probe
 * overrides leaf 0 EBX and runs the catalogue's cpuid row (cpu/probe) at CPL 0
 * and at CPL 3, each in a fresh VM, and compares what the guest read.  The
 * calibration run's verdict (calibrate.c) is recorded here too: whether guest
 * ring 0 runs in KVM's emulator is also something only a guest shows.
 */
#include <stdlib.h>
#include <string.h>

#include "kvmlab.h"

#define PROBE_CPUID_MARK 0x4c4d564bU    /* "KVML": no CPU vendor string starts so */
#define PROBE_TIMEOUT_S  2.0

/* The value the cpuid row read at cpl with leaf 0 EBX overridden; -1 if the probe did not run. */
static int64_t probe_cpuid_ebx(struct kvm *k, const struct payload *p, int row, int cpl)
{
	struct run *r = RUN_NEW(struct run);
	char err[256];
	int64_t seen = -1;

	if (!r)
		return -1;
	struct vm_config cfg = { .mem = payload_default_mem(p, 0), .timeout = PROBE_TIMEOUT_S,
				 .entry_arg = (uint64_t)SENS_PROBE_ID(row, cpl) };
	cfg.cpuid.ov[0] = (struct cpuid_override){ .leaf = CPUID_LEAF_VENDOR, .reg = CPUID_EBX,
						   .value = PROBE_CPUID_MARK };
	cfg.cpuid.n = 1;
	if (run_payload(r, k, p, &cfg, err, sizeof(err)) == XC_OK && r->vcpu.end == END_EXIT_PORT)
		for (int i = 0; i < r->vcpu.nreports; i++) {
			const struct report_entry *e = &r->vcpu.reports[i];
			if (e->kind == REPORT_KIND_VALUE && !strcmp(e->text, "probe.value"))
				seen = (int64_t)(uint32_t)e->value;
		}
	run_teardown(r);
	free(r);
	return seen;
}

void facts_guest(struct host_facts *hf, struct kvm *k, const struct calibration *cal)
{
	const char *csrc = "calibration run: insn_emulation stat over a 3-instruction real-mode loop (calibrate.c)";
	const char *src = "probe VM: --cpuid 0:ebx=0x4c4d564b, cpu/probe's cpuid row at CPL 0 and CPL 3 (facts_guest.c)";
	char path[4096], err[256];
	struct payload p;
	int row = -1;

	if (cal && cal->ran && cal->have_stat)
		facts_set_bool(hf, "ring0_emulated", cal->emulated, csrc);
	else
		facts_set_unknown(hf, "ring0_emulated", FACT_BOOL, csrc);
	if (!cal) {                     /* --no-calibrate: no probe VMs either */
		facts_set_unknown(hf, "cpuid_table.cpl0", FACT_BOOL, "not probed (--no-calibrate)");
		facts_set_unknown(hf, "cpuid_table.cpl3", FACT_BOOL, "not probed (--no-calibrate)");
		return;
	}

	for (int i = 0; i < sens_count; i++)
		if (!strcmp(sens_table[i].name, "cpuid"))
			row = i;
	snprintf(path, sizeof(path), "%s/cpu/probe.bin", payload_dir());
	if (row < 0 || payload_load(path, &p, err, sizeof(err)) != XC_OK) {
		facts_set_unknown(hf, "cpuid_table.cpl0", FACT_BOOL, src);
		facts_set_unknown(hf, "cpuid_table.cpl3", FACT_BOOL, src);
		return;
	}
	int64_t v0 = probe_cpuid_ebx(k, &p, row, 0), v3 = probe_cpuid_ebx(k, &p, row, 3);
	payload_free(&p);
	if (v0 < 0)
		facts_set_unknown(hf, "cpuid_table.cpl0", FACT_BOOL, src);
	else
		facts_set_bool(hf, "cpuid_table.cpl0", v0 == PROBE_CPUID_MARK, src);
	if (v3 < 0)
		facts_set_unknown(hf, "cpuid_table.cpl3", FACT_BOOL, src);
	else
		facts_set_bool(hf, "cpuid_table.cpl3", v3 == PROBE_CPUID_MARK, src);
}
