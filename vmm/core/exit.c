/*
 * exit.c - the exit dispatch table.
 *
 * When KVM_RUN returns, kvm_run.exit_reason says why the guest stopped
 * (api.rst 5 "The kvm_run structure").  The run loop looks the reason up
 * in this table, calls its handler in traps/, counts it, and acts on the
 * returned action; that lookup, exit_dispatch, is inline in the loop
 * (vm.h), this file has the table and the traced case.  Exits KVM handles itself never reach this table: they show up
 * only in KVM's binary stats.
 */
#include "kvmlab.h"

/* Every KVM_EXIT_* of linux/kvm.h, once: the names cannot drift from the enum. */
#define KVM_EXIT_LIST(X) \
	X(UNKNOWN) X(EXCEPTION) X(IO) X(HYPERCALL) X(DEBUG) X(HLT) X(MMIO) \
	X(IRQ_WINDOW_OPEN) X(SHUTDOWN) X(FAIL_ENTRY) X(INTR) X(SET_TPR) X(TPR_ACCESS) \
	X(S390_SIEIC) X(S390_RESET) X(DCR) X(NMI) X(INTERNAL_ERROR) X(OSI) \
	X(PAPR_HCALL) X(S390_UCONTROL) X(WATCHDOG) X(S390_TSCH) X(EPR) X(SYSTEM_EVENT) \
	X(S390_STSI) X(IOAPIC_EOI) X(HYPERV) X(ARM_NISV) X(X86_RDMSR) X(X86_WRMSR) \
	X(DIRTY_RING_FULL) X(AP_RESET_HOLD) X(X86_BUS_LOCK) X(XEN) X(RISCV_SBI) \
	X(RISCV_CSR) X(NOTIFY)

static const char *const exit_names[EXIT_REASON_MAX] = {
#define X(n) [KVM_EXIT_##n] = #n,
	KVM_EXIT_LIST(X)
#undef X
};

/* Read inline by exit_dispatch (vm.h), in the run loop. */
const exit_handler exit_table[EXIT_REASON_MAX] = {
	[KVM_EXIT_IO]             = trap_io,             /* in/out: traps/pio.c */
	[KVM_EXIT_MMIO]           = trap_mmio,           /* access with no RAM behind it: traps/mmio.c */
	[KVM_EXIT_HLT]            = trap_hlt,            /* hlt without an in-kernel irqchip */
	[KVM_EXIT_SHUTDOWN]       = trap_shutdown,       /* triple fault */
	[KVM_EXIT_FAIL_ENTRY]     = trap_fail_entry,     /* VMLAUNCH/VMRUN refused the guest state */
	[KVM_EXIT_INTERNAL_ERROR] = trap_internal_error, /* KVM could not go on (emulation failure...) */
	[KVM_EXIT_DEBUG]          = trap_debug,          /* single step / hardware breakpoint: traps/debug.c */
	[KVM_EXIT_DIRTY_RING_FULL] = trap_dirty_ring_full, /* harvest the dirty ring: traps/dirty_ring_full.c */
	[KVM_EXIT_X86_RDMSR]      = trap_rdmsr,          /* rdmsr of a filtered MSR: traps/msr.c */
	[KVM_EXIT_X86_WRMSR]      = trap_wrmsr,          /* wrmsr of a filtered MSR: traps/msr.c */
	[KVM_EXIT_IOAPIC_EOI]     = trap_ioapic_eoi,     /* split irqchip: kvmlab's IOAPIC clears Remote IRR */
};

const char *exit_reason_name(uint32_t reason)
{
	if (reason < EXIT_REASON_MAX && exit_names[reason])
		return exit_names[reason];
	return "UNKNOWN_REASON";
}

exit_handler exit_lookup(uint32_t reason)
{
	return exit_table_at(reason);
}

enum action exit_dispatch_traced(struct vcpu *v, uint64_t cycles, struct trace *trace)
{
	uint32_t reason = v->run->exit_reason;
	exit_handler h = exit_table_at(reason);

	counters_exit(&v->ctr, reason, cycles);
	return trace_action(v, trace, reason, h ? h(v) : trap_unhandled(v));
}
