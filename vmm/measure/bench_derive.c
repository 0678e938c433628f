/*
 * bench_derive.c - where an operation was handled, decided from what moved.
 *
 * kvmlab never looks the answer up in a table of "cpuid exits to the kernel"
 * facts: those differ between VMX, SVM and kvm_pvm.  Instead bench measures,
 * per operation, how much every counter grew during the timed op loop minus
 * the empty loop of the same sample, and this file reads the verdict off
 * those movements.  Pure functions: tests/unit/test_bench_derive.c.
 */
#include <string.h>

#include "kvmlab.h"

#define PER_OP_THRESHOLD 0.5            /* "happens on every op", robust to stray exits */

/* Counters that only move when KVM did work for the guest outside plain
 * instruction execution (KVM's binary stats, api.rst 4.133; kvmlab's own). */
static const char *const kernel_work[] = {
	"kvm.exits", "kvm.io_exits", "kvm.mmio_exits", "kvm.halt_exits", "kvm.hypercalls",
	"kvm.pf_taken", "kvm.pf_fixed", "kvm.pf_emulate", "kvm.pf_guest", "kvm.tlb_flush",
	"kvm.invlpg", "kvmlab.doorbell_signals", "kvmlab.coalesced_writes",
	"host.minor_faults",            /* the host kernel mapped guest RAM on first touch */
};

static const struct bench_move *find(const struct bench_move *m, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(m[i].name, name))
			return &m[i];
	return NULL;
}

void bench_derive(const struct bench_move *m, int n, struct bench_verdict *out)
{
	const struct bench_move *x;

	memset(out, 0, sizeof(*out));
	x = find(m, n, "kvm.insn_emulation");
	out->emulated = x && x->per_op >= PER_OP_THRESHOLD;
	x = find(m, n, "kvmlab.exits");
	if (x && x->per_op >= PER_OP_THRESHOLD) {
		out->where = WHERE_KVMLAB;
		snprintf(out->evidence, sizeof(out->evidence), "%s %.2f/op", x->name, x->per_op);
		return;
	}
	for (size_t i = 0; i < sizeof(kernel_work) / sizeof(kernel_work[0]); i++) {
		x = find(m, n, kernel_work[i]);
		if (x && x->per_op >= PER_OP_THRESHOLD) {
			out->where = WHERE_KERNEL;
			snprintf(out->evidence, sizeof(out->evidence), "%s %.2f/op", x->name, x->per_op);
			return;
		}
	}
	out->where = WHERE_NONE;
	snprintf(out->evidence, sizeof(out->evidence), "no exit or kernel counter moved");
}

const char *bench_where_name(enum bench_where w)
{
	static const char *const names[] = { [WHERE_NONE] = "none", [WHERE_KERNEL] = "kernel",
					     [WHERE_KVMLAB] = "kvmlab" };
	return (unsigned)w <= WHERE_KVMLAB ? names[w] : "?";
}

double bench_net(uint64_t op_cycles, uint64_t loop_cycles, uint64_t iters)
{
	if (iters == 0)
		return 0;
	return ((double)op_cycles - (double)loop_cycles) / (double)iters;
}

/* What KVM's tracepoints show of kernel work for an op (docs/ktrace.md): an exit from
 * guest mode, a page fault its MMU handled, an access it completed or an exception it
 * injected.  Emulated instructions alone are not on it: on an emulating host every
 * instruction is one, and emulated says so separately. */
static const char *const trace_kernel_work[] = {
	"trace.kvm_exit", "trace.kvm_page_fault", "trace.kvm_pio", "trace.kvm_mmio", "trace.kvm_msr",
	"trace.kvm_cpuid", "trace.kvm_inj_exception", "trace.kvmmmu",
};

void bench_derive_trace(const struct bench_move *m, int n, struct bench_verdict *out)
{
	const struct bench_move *x;

	memset(out, 0, sizeof(*out));
	x = find(m, n, "trace.kvm_emulate_insn");
	out->emulated = x && x->per_op >= PER_OP_THRESHOLD;
	x = find(m, n, "trace.to_user_space");
	if (x && x->per_op >= PER_OP_THRESHOLD) {
		out->where = WHERE_KVMLAB;
		snprintf(out->evidence, sizeof(out->evidence), "%s %.2f/op", x->name, x->per_op);
		return;
	}
	for (size_t i = 0; i < sizeof(trace_kernel_work) / sizeof(trace_kernel_work[0]); i++) {
		x = find(m, n, trace_kernel_work[i]);
		if (x && x->per_op >= PER_OP_THRESHOLD) {
			out->where = WHERE_KERNEL;
			snprintf(out->evidence, sizeof(out->evidence), "%s %.2f/op", x->name, x->per_op);
			return;
		}
	}
	out->where = WHERE_NONE;
	snprintf(out->evidence, sizeof(out->evidence), "no KVM event moved");
}
