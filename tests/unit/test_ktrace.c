/*
 * test_ktrace.c - the join of KVM's events into KVM_RUN rows (vmm/measure/ktrace_join.c)
 * and the exit-reason tables (ktrace_reasons.def), with synthetic events, no tracefs.
 */
#include "check.h"

#define T1 100                  /* a vCPU thread */
#define T2 200                  /* another */

static struct ktrace_event ev(uint64_t ts, int32_t tid, int kind, uint32_t code, int32_t err)
{
	return (struct ktrace_event){ .ts = ts, .tid = tid, .kind = (uint16_t)kind, .code = code, .err = err };
}

/* One VMX-style KVM_RUN: enter 10, guest 20..50, an in-kernel exit, guest 60..90, out to user at 95. */
static void ktrace_join_splits_guest_kernel_and_user_time(void)
{
	struct ktrace_event e[] = {
		ev(10, T1, KT_RUN_ENTER, 0, 0),
		ev(20, T1, KT_ENTRY, 0, 0),
		ev(50, T1, KT_EXIT, 10, 0),             /* VMX CPUID, handled in the kernel */
		ev(60, T1, KT_ENTRY, 0, 0),
		ev(90, T1, KT_EXIT, 30, 0),             /* IO_INSTRUCTION, goes to user space */
		ev(92, T1, KT_PIO, 0, 0),
		ev(94, T1, KT_USER_EXIT, KVM_EXIT_IO, 0),
		ev(95, T1, KT_RUN_RET, 0, 0),
		ev(125, T1, KT_RUN_ENTER, 0, 0),        /* user mode 95..125 */
		ev(130, T1, KT_USER_EXIT, KVM_EXIT_HLT, 0),
		ev(131, T1, KT_RUN_RET, 0, 0),
	};
	struct ktrace_result r = { 0 };

	CHECK_EQ(ktrace_join(e, sizeof(e) / sizeof(e[0]), &r), 0);
	CHECK_EQ(r.nruns, 2);
	CHECK(r.guest_seen);
	CHECK_EQ(r.runs[0].guest, 30 + 30);
	CHECK_EQ(r.runs[0].kernel, 85 - 60);
	CHECK_EQ(r.runs[0].user, 30);
	CHECK(r.runs[0].user_known);
	CHECK(!r.runs[1].user_known);           /* the last KVM_RUN has no next */
	CHECK_EQ(r.runs[0].nexits, 2);
	CHECK_EQ(r.runs[0].nreasons, 2);
	CHECK_EQ(r.runs[0].counts[KT_PIO], 1);
	CHECK_EQ(r.runs[0].user_reason, KVM_EXIT_IO);
	CHECK_EQ(r.user_reasons[KVM_EXIT_IO], 1);
	CHECK_EQ(r.user_reasons[KVM_EXIT_HLT], 1);
	CHECK_EQ(r.guest, 60);
	CHECK_EQ(r.user, 30);
	ktrace_result_free(&r);
}

/* The per-CPU buffers come out interleaved; threads are kept apart and events outside
 * a KVM_RUN (another ioctl's return, setup) are counted, not joined. */
static void ktrace_join_orders_by_time_and_keeps_threads_apart(void)
{
	struct ktrace_event e[] = {
		ev(40, T2, KT_RUN_RET, 0, 0),
		ev(5, T1, KT_RUN_RET, 0, 0),            /* the return of an ioctl that is not KVM_RUN */
		ev(10, T1, KT_RUN_ENTER, 0, 0),
		ev(20, T2, KT_RUN_ENTER, 0, 0),
		ev(30, T1, KT_EMULATE, 0, 0),
		ev(31, T2, KT_EMULATE, 0, 0),
		ev(32, T2, KT_EMULATE, 0, 0),
		ev(35, T2, KT_USER_EXIT, KVM_EXIT_INTR, -4),   /* a signal: errno -EINTR */
		ev(36, T1, KT_USER_EXIT, KVM_EXIT_MMIO, 0),
		ev(37, T1, KT_RUN_RET, 0, 0),
		ev(50, T1, KT_PAGE_FAULT, 0, 0),        /* outside any KVM_RUN */
	};
	struct ktrace_result r = { 0 };

	CHECK_EQ(ktrace_join(e, sizeof(e) / sizeof(e[0]), &r), 0);
	CHECK_EQ(r.nruns, 2);
	CHECK_EQ(r.runs[0].tid, T1);
	CHECK_EQ(r.runs[0].counts[KT_EMULATE], 1);
	CHECK_EQ(r.runs[0].kernel, 27);
	CHECK_EQ(r.runs[1].tid, T2);
	CHECK_EQ(r.runs[1].counts[KT_EMULATE], 2);
	CHECK_EQ(r.runs[1].kernel, 20);
	CHECK_EQ(r.interrupted, 1);
	CHECK_EQ(r.user_reasons[KVM_EXIT_MMIO], 1);
	CHECK(!r.guest_seen);                   /* PVM-like: no kvm_entry at all */
	CHECK_EQ(r.outside, 1);
	CHECK_EQ(r.counts[KT_EMULATE], 3);
	CHECK_EQ(r.counts[KT_PAGE_FAULT], 1);
	ktrace_result_free(&r);
}

/* Equal timestamps (two events in one clock tick) keep the order they came in. */
static void ktrace_join_keeps_ties_in_input_order(void)
{
	struct ktrace_event e[] = {
		ev(10, T1, KT_RUN_ENTER, 0, 0),
		ev(10, T1, KT_USER_EXIT, KVM_EXIT_HLT, 0),
		ev(10, T1, KT_RUN_RET, 0, 0),
	};
	struct ktrace_result r = { 0 };

	CHECK_EQ(ktrace_join(e, 3, &r), 0);
	CHECK_EQ(r.nruns, 1);
	CHECK_EQ(r.runs[0].user_reason, KVM_EXIT_HLT);
	CHECK_EQ(r.outside, 0);
	ktrace_result_free(&r);
}

/* A KVM_RUN whose sys_exit_ioctl the buffer lost is closed by the next one. */
static void ktrace_join_survives_a_lost_return(void)
{
	struct ktrace_event e[] = {
		ev(10, T1, KT_RUN_ENTER, 0, 0),
		ev(20, T1, KT_RUN_ENTER, 0, 0),
		ev(25, T1, KT_RUN_RET, 0, 0),
	};
	struct ktrace_result r = { 0 };

	CHECK_EQ(ktrace_join(e, 3, &r), 0);
	CHECK_EQ(r.nruns, 2);
	CHECK_EQ(r.runs[0].t_ret, 20);
	CHECK_EQ(r.runs[1].kernel, 5);
	ktrace_result_free(&r);
}

static void ktrace_reason_names_come_from_the_manuals_tables(void)
{
	char buf[32];

	/* SDM Vol. 3D Table C-1 */
	CHECK_STR(ktrace_reason_name("kvm_intel", 30, buf, sizeof(buf)), "IO_INSTRUCTION");
	CHECK_STR(ktrace_reason_name("kvm_intel", 48, buf, sizeof(buf)), "EPT_VIOLATION");
	CHECK_STR(ktrace_reason_name("kvm_intel", 0x80000021, buf, sizeof(buf)), "ENTRY_FAIL_GUEST_STATE");
	CHECK(ktrace_reason_name("kvm_intel", 35, buf, sizeof(buf)) == NULL);     /* unused number */
	/* APM Vol. 2 Table C-1, including the ranges */
	CHECK_STR(ktrace_reason_name("kvm_amd", 0x7B, buf, sizeof(buf)), "IOIO");
	CHECK_STR(ktrace_reason_name("kvm_amd", 0x400, buf, sizeof(buf)), "NPF");
	CHECK_STR(ktrace_reason_name("kvm_amd", 0x4E, buf, sizeof(buf)), "EXCP14");
	CHECK_STR(ktrace_reason_name("kvm_amd", 0x13, buf, sizeof(buf)), "WRITE_CR3");
	CHECK_STR(ktrace_reason_name("kvm_amd", 0xFFFFFFFF, buf, sizeof(buf)), "INVALID");
	/* PVM: no manual's table */
	CHECK(ktrace_reason_name("kvm_pvm", 30, buf, sizeof(buf)) == NULL);
	CHECK_STR(ktrace_kind_name(KT_EMULATE), "kvm_emulate_insn");
}

const struct unit_test ktrace_tests[] = {
	UNIT(ktrace_join_splits_guest_kernel_and_user_time),
	UNIT(ktrace_join_orders_by_time_and_keeps_threads_apart),
	UNIT(ktrace_join_keeps_ties_in_input_order),
	UNIT(ktrace_join_survives_a_lost_return),
	UNIT(ktrace_reason_names_come_from_the_manuals_tables),
	{ 0 }
};
