/*
 * test_exit.c - the exit dispatcher with synthetic exits, no KVM.
 *
 * The shared fake vCPU (check.h) has a heap kvm_run area and fd -1, so the few ioctls a
 * handler makes (KVM_GET_REGS to note RIP, KVM_GET_SREGS to disassemble)
 * fail harmlessly.  Each test fills kvm_run as KVM would for one exit,
 * calls exit_dispatch() and checks the action, how the run ended and the
 * counters: the spec of vmm/core/exit.c, traps/ and vmm/core/end.c.
 */
#include <stdlib.h>

#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <pthread.h>
#include <string.h>

#include "check.h"
#include "x86.h"

#define RUN_SIZE   FAKE_RUN_SIZE     /* the shared fake's kvm_run area (check.h) */
#define PIO_OFFSET FAKE_PIO_OFFSET
#define RAM        FAKE_RAM

static uint8_t *pio_data(struct fake *f)
{
	return fake_pio_data(f);
}

/* KVM_EXIT_IO as KVM fills it (api.rst 5, "KVM_EXIT_IO"); data for OUT is copied in. */
static enum action io_exit(struct fake *f, uint16_t port, uint8_t size, bool out, uint32_t count,
			   const void *data)
{
	struct kvm_run *run = f->v.run;

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = out ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN;
	run->io.size = size;
	run->io.port = port;
	run->io.count = count;
	run->io.data_offset = PIO_OFFSET;
	memset(pio_data(f), 0x00, 64);
	if (out && data)
		memcpy(pio_data(f), data, (size_t)size * count);
	return exit_dispatch(&f->v, 1000, f->v.vm->cfg.trace);
}

static enum action mmio_exit(struct fake *f, uint64_t gpa, uint32_t len, bool write, uint64_t data)
{
	struct kvm_run *run = f->v.run;

	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = len;
	run->mmio.is_write = write;
	memcpy(run->mmio.data, &data, sizeof(run->mmio.data));
	return exit_dispatch(&f->v, 1000, f->v.vm->cfg.trace);
}

static enum action bare_exit(struct fake *f, uint32_t reason)
{
	f->v.run->exit_reason = reason;
	return exit_dispatch(&f->v, 1000, f->v.vm->cfg.trace);
}

/* ---- port 0xE9: the console ---- */

static void t_console_out_appends_and_continues(void)
{
	struct fake *f = fake_new();

	CHECK_EQ(io_exit(f, PORT_CONSOLE, 1, true, 1, "H"), ACT_CONTINUE);
	CHECK_EQ(io_exit(f, PORT_CONSOLE, 1, true, 1, "i"), ACT_CONTINUE);
	CHECK_EQ(f->vm.con.len, 2);
	CHECK_EQ(f->vm.con.total, 2);
	CHECK(memcmp(f->vm.con.buf, "Hi", 2) == 0);
	CHECK_EQ(f->v.end, END_NONE);
	CHECK_EQ(f->v.ctr.reason[KVM_EXIT_IO].count, 2);
	CHECK_EQ(f->v.ctr.nports, 1);
	CHECK_EQ(f->v.ctr.port[0].addr, PORT_CONSOLE);
	CHECK_EQ(f->v.ctr.port[0].write, 1);
	CHECK_EQ(f->v.ctr.port[0].claimed, 1);
	CHECK_EQ(f->v.ctr.port[0].count, 2);
	fake_free(f);
}

static void t_console_string_out_takes_every_element(void)
{
	struct fake *f = fake_new();

	/* rep outsb batched by KVM: one exit, count 3. */
	CHECK_EQ(io_exit(f, PORT_CONSOLE, 1, true, 3, "abc"), ACT_CONTINUE);
	CHECK_EQ(f->vm.con.len, 3);
	CHECK(memcmp(f->vm.con.buf, "abc", 3) == 0);
	CHECK_EQ(f->v.ctr.port[0].count, 1);
	CHECK_EQ(f->v.ctr.port[0].elems, 3);
	fake_free(f);
}

static void t_console_wide_out_prints_the_low_byte(void)
{
	struct fake *f = fake_new();
	uint32_t two[2] = { 0x11223341, 0x55667742 };           /* 'A', 'B' */

	CHECK_EQ(io_exit(f, PORT_CONSOLE, 4, true, 2, two), ACT_CONTINUE);
	CHECK_EQ(f->vm.con.len, 2);
	CHECK(memcmp(f->vm.con.buf, "AB", 2) == 0);
	fake_free(f);
}

static void t_console_in_reads_e9(void)
{
	struct fake *f = fake_new();

	CHECK_EQ(io_exit(f, PORT_CONSOLE, 2, false, 1, NULL), ACT_CONTINUE);
	CHECK_EQ(pio_data(f)[0], CONSOLE_READBACK);
	CHECK_EQ(pio_data(f)[1], CONSOLE_READBACK);
	CHECK_EQ(pio_data(f)[2], 0);                            /* nothing past the access */
	CHECK_EQ(f->vm.con.total, 0);
	fake_free(f);
}

/* ---- unclaimed ports ---- */

static void t_unclaimed_in_reads_all_ones(void)
{
	struct fake *f = fake_new();

	CHECK_EQ(io_exit(f, 0x200, 1, false, 1, NULL), ACT_CONTINUE);
	CHECK_EQ(pio_data(f)[0], 0xFF);
	CHECK_EQ(pio_data(f)[1], 0x00);
	CHECK_EQ(io_exit(f, 0x204, 2, false, 1, NULL), ACT_CONTINUE);
	CHECK_EQ(*(uint16_t *)pio_data(f), 0xFFFF);
	CHECK_EQ(pio_data(f)[2], 0x00);
	CHECK_EQ(io_exit(f, 0x204, 4, false, 1, NULL), ACT_CONTINUE);
	CHECK_EQ(*(uint32_t *)pio_data(f), 0xFFFFFFFFu);
	CHECK_EQ(io_exit(f, 0x208, 1, false, 5, NULL), ACT_CONTINUE);  /* rep insb: every element */
	CHECK(memcmp(pio_data(f), "\xff\xff\xff\xff\xff", 5) == 0);
	CHECK_EQ(pio_data(f)[5], 0x00);
	CHECK_EQ(f->v.end, END_NONE);
	/* One key per (port, width, direction), each unclaimed. */
	CHECK_EQ(f->v.ctr.nports, 4);
	CHECK_EQ(f->v.ctr.port[1].addr, 0x204);
	CHECK_EQ(f->v.ctr.port[1].size, 2);
	CHECK_EQ(f->v.ctr.port[2].size, 4);
	CHECK_EQ(f->v.ctr.port[3].count, 1);
	CHECK_EQ(f->v.ctr.port[3].elems, 5);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(f->v.ctr.port[i].claimed, 0);
	fake_free(f);
}

static void t_unclaimed_out_is_ignored_and_counted(void)
{
	struct fake *f = fake_new();

	CHECK_EQ(io_exit(f, 0x200, 1, true, 1, "\x5a"), ACT_CONTINUE);
	CHECK_EQ(f->v.end, END_NONE);
	CHECK_EQ(f->vm.con.total, 0);
	CHECK_EQ(f->v.ctr.nports, 1);
	CHECK_EQ(f->v.ctr.port[0].addr, 0x200);
	CHECK_EQ(f->v.ctr.port[0].claimed, 0);
	CHECK_EQ(f->v.ctr.port[0].write, 1);
	fake_free(f);
}

static void t_impossible_io_exit_is_a_host_error(void)
{
	struct fake *f = fake_new();
	struct kvm_run *run = f->v.run;

	CHECK_EQ(io_exit(f, PORT_CONSOLE, 3, true, 1, "abc"), ACT_FAIL);       /* width 3 */
	CHECK_EQ(f->v.end, END_HOST_ERROR);
	CHECK_EQ(io_exit(f, PORT_CONSOLE, 1, true, 0, NULL), ACT_FAIL);        /* count 0 */
	CHECK_EQ(f->v.end, END_HOST_ERROR);
	/* Data that would lie past the mapped kvm_run area is never touched. */
	run->exit_reason = KVM_EXIT_IO;
	run->io.size = 4;
	run->io.count = 2;
	run->io.data_offset = RUN_SIZE - 4;
	CHECK_EQ(exit_dispatch(&f->v, 0, f->v.vm->cfg.trace), ACT_FAIL);
	CHECK_EQ(f->v.end, END_HOST_ERROR);
	run->io.data_offset = UINT64_MAX;
	CHECK_EQ(exit_dispatch(&f->v, 0, f->v.vm->cfg.trace), ACT_FAIL);
	CHECK_EQ(f->vm.con.total, 0);
	fake_free(f);
}

/* ---- port 0xF4: the exit port ---- */

static void t_exit_port_ends_with_status(void)
{
	struct fake *f = fake_new();
	uint32_t seven = 7;

	CHECK_EQ(io_exit(f, PORT_EXIT, 4, true, 1, &seven), ACT_DONE);
	CHECK_EQ(f->v.end, END_EXIT_PORT);
	CHECK_EQ(f->v.exit_status, 7);
	CHECK_EQ(end_exit_code(f->v.end, f->v.exit_status), XC_GUEST_FAIL);
	CHECK_CONTAINS(f->v.end_detail, "7");
	CHECK(!f->v.end_rip_valid);                             /* fd -1: no registers */
	fake_free(f);
}

static void t_exit_port_widths_zero_extend(void)
{
	struct fake *f = fake_new();
	uint32_t v = 0xAABBCC00;                                /* low byte 0 */

	CHECK_EQ(io_exit(f, PORT_EXIT, 1, true, 1, &v), ACT_DONE);
	CHECK_EQ(f->v.exit_status, 0);
	CHECK_EQ(end_exit_code(f->v.end, f->v.exit_status), XC_OK);
	v = 0x1234FFFF;
	CHECK_EQ(io_exit(f, PORT_EXIT, 2, true, 1, &v), ACT_DONE);
	CHECK_EQ(f->v.exit_status, 0xFFFF);
	v = 0xFFFFFFFF;
	CHECK_EQ(io_exit(f, PORT_EXIT, 4, true, 1, &v), ACT_DONE);
	CHECK_EQ(f->v.exit_status, 0xFFFFFFFFu);
	fake_free(f);
}

static void t_exit_port_in_reads_all_ones(void)
{
	struct fake *f = fake_new();

	CHECK_EQ(io_exit(f, PORT_EXIT, 1, false, 1, NULL), ACT_CONTINUE);
	CHECK_EQ(pio_data(f)[0], 0xFF);
	CHECK_EQ(f->v.end, END_NONE);
	fake_free(f);
}

/* ---- port 0xF0: the report channel ---- */

static uint32_t put_record(struct fake *f, uint32_t gpa, uint16_t kind, const char *text, uint64_t value)
{
	struct report_rec r = { .magic = REPORT_MAGIC, .kind = kind, .len = (uint16_t)strlen(text), .value = value };

	memcpy(f->ram + gpa, &r, sizeof(r));
	memcpy(f->ram + gpa + sizeof(r), text, r.len);
	return gpa;
}

static void t_report_is_recorded(void)
{
	struct fake *f = fake_new();
	uint32_t gpa = put_record(f, 0x2000, REPORT_KIND_VALUE, "answer", 42);

	CHECK_EQ(io_exit(f, PORT_REPORT, 4, true, 1, &gpa), ACT_CONTINUE);
	CHECK_EQ(f->v.nreports, 1);
	CHECK_STR(f->v.reports[0].text, "answer");
	CHECK_EQ(f->v.reports[0].value, 42);
	CHECK_EQ(f->v.reports[0].kind, REPORT_KIND_VALUE);
	CHECK_EQ(f->v.end, END_NONE);
	fake_free(f);
}

static void t_fail_report_ends_the_run(void)
{
	struct fake *f = fake_new();
	uint32_t gpa = put_record(f, 0x2000, REPORT_KIND_FAIL, "expected-7", 6);

	CHECK_EQ(io_exit(f, PORT_REPORT, 4, true, 1, &gpa), ACT_DONE);
	CHECK_EQ(f->v.end, END_REPORT_FAIL);
	CHECK_EQ(f->v.nreports, 1);
	CHECK_CONTAINS(f->v.end_detail, "expected-7");
	CHECK_EQ(end_exit_code(f->v.end, 0), XC_GUEST_FAIL);
	fake_free(f);
}

static void t_report_port_bad_width_is_a_protocol_error(void)
{
	static const uint8_t widths[] = { 1, 2 };
	uint32_t gpa = 0x2000;

	for (size_t i = 0; i < sizeof(widths); i++) {
		struct fake *f = fake_new();
		put_record(f, gpa, REPORT_KIND_VALUE, "x", 1);
		CHECK_EQ(io_exit(f, PORT_REPORT, widths[i], true, 1, &gpa), ACT_FAIL);
		CHECK_EQ(f->v.end, END_PROTOCOL);
		CHECK_EQ(f->v.nreports, 0);
		CHECK_EQ(end_exit_code(f->v.end, 0), XC_PROTOCOL);
		fake_free(f);
	}
	struct fake *f = fake_new();
	CHECK_EQ(io_exit(f, PORT_REPORT, 4, false, 1, NULL), ACT_FAIL);         /* IN */
	CHECK_EQ(f->v.end, END_PROTOCOL);
	fake_free(f);
	f = fake_new();
	uint32_t two[2] = { gpa, gpa };
	put_record(f, gpa, REPORT_KIND_VALUE, "x", 1);
	CHECK_EQ(io_exit(f, PORT_REPORT, 4, true, 2, two), ACT_FAIL);           /* rep outsd */
	CHECK_EQ(f->v.end, END_PROTOCOL);
	fake_free(f);
}

static void t_report_bad_pointer_is_a_protocol_error(void)
{
	struct fake *f = fake_new();
	uint32_t gpa = RAM - 8;                                 /* header straddles the end of RAM */

	CHECK_EQ(io_exit(f, PORT_REPORT, 4, true, 1, &gpa), ACT_FAIL);
	CHECK_EQ(f->v.end, END_PROTOCOL);
	CHECK_CONTAINS(f->v.end_detail, "report channel");
	gpa = 0xD0000000;                                        /* the MMIO window */
	CHECK_EQ(io_exit(f, PORT_REPORT, 4, true, 1, &gpa), ACT_FAIL);
	CHECK_EQ(f->v.end, END_PROTOCOL);
	fake_free(f);
}

/* ---- MMIO ---- */

static void t_unclaimed_mmio(void)
{
	struct fake *f = fake_new();

	CHECK_EQ(mmio_exit(f, 0xD0000000, 4, true, 0x12345678), ACT_CONTINUE);
	CHECK_EQ(mmio_exit(f, 0xD0000000, 4, false, 0), ACT_CONTINUE);
	CHECK(memcmp(f->v.run->mmio.data, "\xff\xff\xff\xff\0\0\0\0", 8) == 0);
	CHECK_EQ(mmio_exit(f, 0xD0000008, 8, false, 0), ACT_CONTINUE);
	CHECK(memcmp(f->v.run->mmio.data, "\xff\xff\xff\xff\xff\xff\xff\xff", 8) == 0);
	CHECK_EQ(f->v.ctr.reason[KVM_EXIT_MMIO].count, 3);
	CHECK_EQ(f->v.ctr.nmmio, 3);
	CHECK_EQ(f->v.ctr.mmio[0].addr, 0xD0000000);
	CHECK_EQ(f->v.ctr.mmio[0].write, 1);
	CHECK_EQ(f->v.ctr.mmio[2].size, 8);
	CHECK_EQ(f->v.ctr.mmio[2].claimed, 0);
	CHECK_EQ(f->v.end, END_NONE);
	fake_free(f);
}

static void t_impossible_mmio_length_is_a_host_error(void)
{
	struct fake *f = fake_new();

	CHECK_EQ(mmio_exit(f, 0xD0000000, 0, false, 0), ACT_FAIL);
	CHECK_EQ(f->v.end, END_HOST_ERROR);
	CHECK_EQ(mmio_exit(f, 0xD0000000, 9, false, 0), ACT_FAIL);
	CHECK_EQ(f->v.end, END_HOST_ERROR);
	fake_free(f);
}

/* ---- hlt, shutdown, entry failure, internal error, the rest ---- */

static void t_hlt_ends_normally(void)
{
	struct fake *f = fake_new();

	CHECK_EQ(bare_exit(f, KVM_EXIT_HLT), ACT_DONE);
	CHECK_EQ(f->v.end, END_HLT);
	CHECK_EQ(end_exit_code(f->v.end, 0), XC_OK);
	CHECK_EQ(f->v.ctr.reason[KVM_EXIT_HLT].count, 1);
	fake_free(f);
}

static void t_shutdown_is_a_crash(void)
{
	struct fake *f = fake_new();

	CHECK_EQ(bare_exit(f, KVM_EXIT_SHUTDOWN), ACT_FAIL);
	CHECK_EQ(f->v.end, END_SHUTDOWN);
	CHECK_CONTAINS(f->v.end_detail, "triple fault");
	CHECK_EQ(end_exit_code(f->v.end, 0), XC_GUEST_CRASH);
	fake_free(f);
}

static void t_fail_entry_vmx_invalid_guest_state(void)
{
	struct fake *f = fake_new();

	/* VMX: exit reason 33 with bit 31 set (SDM vol. 3C, appendix C). */
	f->v.run->fail_entry.hardware_entry_failure_reason = 0x80000021;
	f->v.run->fail_entry.cpu = 1;
	CHECK_EQ(bare_exit(f, KVM_EXIT_FAIL_ENTRY), ACT_FAIL);
	CHECK_EQ(f->v.end, END_FAIL_ENTRY);
	CHECK_CONTAINS(f->v.end_detail, "invalid guest state");
	CHECK_CONTAINS(f->v.end_detail, "0x80000021");
	CHECK_CONTAINS(f->v.end_detail, "CPU 1");
	CHECK_EQ(end_exit_code(f->v.end, 0), XC_GUEST_CRASH);
	fake_free(f);
}

static void t_fail_entry_svm_invalid(void)
{
	struct fake *f = fake_new();

	f->v.run->fail_entry.hardware_entry_failure_reason = (uint64_t)-1;   /* VMEXIT_INVALID */
	CHECK_EQ(bare_exit(f, KVM_EXIT_FAIL_ENTRY), ACT_FAIL);
	CHECK_EQ(f->v.end, END_FAIL_ENTRY);
	CHECK_CONTAINS(f->v.end_detail, "VMEXIT_INVALID");
	fake_free(f);
}

static void t_entry_failure_names(void)
{
	CHECK_CONTAINS(entry_failure_name(0x80000021), "invalid guest state");
	CHECK_CONTAINS(entry_failure_name(0x80000022), "MSR loading");
	CHECK_CONTAINS(entry_failure_name(0x80000029), "machine-check");
	CHECK_CONTAINS(entry_failure_name(UINT64_MAX), "VMEXIT_INVALID");
	CHECK_CONTAINS(entry_failure_name(0x80000001), "unknown");
	CHECK_CONTAINS(entry_failure_name(0), "unknown");
}

static void set_emulation_failure(struct fake *f, uint64_t flags, uint32_t ndata, uint8_t size,
				  const uint8_t *bytes, size_t n)
{
	struct kvm_run *run = f->v.run;

	run->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run->emulation_failure.ndata = ndata;
	run->emulation_failure.flags = flags;
	run->emulation_failure.insn_size = size;
	memcpy(run->emulation_failure.insn_bytes, bytes, n);
}

static void t_internal_error_shows_instruction_bytes(void)
{
	static const uint8_t rdtscp[] = { 0x0f, 0x01, 0xf9 };
	struct fake *f = fake_new();

	set_emulation_failure(f, KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES, 3, 3, rdtscp, 3);
	CHECK_EQ(bare_exit(f, KVM_EXIT_INTERNAL_ERROR), ACT_FAIL);
	CHECK_EQ(f->v.end, END_INTERNAL_ERROR);
	CHECK_CONTAINS(f->v.end_detail, "emulation failure");
	CHECK_CONTAINS(f->v.end_detail, "suberror 1");
	CHECK_CONTAINS(f->v.end_detail, "instruction bytes 0f 01 f9");
	CHECK_EQ(end_exit_code(f->v.end, 0), XC_GUEST_CRASH);
	fake_free(f);
}

static void t_internal_error_without_bytes(void)
{
	static const uint8_t rdtscp[] = { 0x0f, 0x01, 0xf9 };
	struct fake *f = fake_new();

	/* No INSTRUCTION_BYTES flag (capability not enabled): no bytes claimed. */
	set_emulation_failure(f, 0, 3, 3, rdtscp, 3);
	CHECK_EQ(bare_exit(f, KVM_EXIT_INTERNAL_ERROR), ACT_FAIL);
	CHECK_CONTAINS(f->v.end_detail, "emulation failure");
	CHECK(strstr(f->v.end_detail, "0f 01") == NULL);
	fake_free(f);
	/* Flag set but ndata too small to hold them: not trusted either. */
	f = fake_new();
	set_emulation_failure(f, KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES, 1, 3, rdtscp, 3);
	CHECK_EQ(bare_exit(f, KVM_EXIT_INTERNAL_ERROR), ACT_FAIL);
	CHECK(strstr(f->v.end_detail, "0f 01") == NULL);
	fake_free(f);
}

static void t_internal_error_insn_size_is_clamped(void)
{
	uint8_t bytes[15];
	struct fake *f = fake_new();

	memset(bytes, 0x90, sizeof(bytes));
	set_emulation_failure(f, KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES, 3, 200, bytes, 15);
	CHECK_EQ(bare_exit(f, KVM_EXIT_INTERNAL_ERROR), ACT_FAIL);
	/* At most the 15 bytes kvm_run holds: 14 "90 " and a final "90". */
	CHECK_CONTAINS(f->v.end_detail, "instruction bytes 90 90 90 90 90 90 90 90 90 90 90 90 90 90 90");
	CHECK(strstr(f->v.end_detail, "90 90 90 90 90 90 90 90 90 90 90 90 90 90 90 90") == NULL);
	fake_free(f);
}

static void t_internal_error_suberror_names(void)
{
	struct fake *f = fake_new();

	f->v.run->internal.suberror = KVM_INTERNAL_ERROR_DELIVERY_EV;
	CHECK_EQ(bare_exit(f, KVM_EXIT_INTERNAL_ERROR), ACT_FAIL);
	CHECK_CONTAINS(f->v.end_detail, "event delivery");
	CHECK_CONTAINS(f->v.end_detail, "suberror 3");
	CHECK_CONTAINS(internal_suberror_name(KVM_INTERNAL_ERROR_SIMUL_EX), "exception");
	CHECK_CONTAINS(internal_suberror_name(KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON), "unexpected");
	CHECK_STR(internal_suberror_name(99), "unknown suberror");
	fake_free(f);
}

static void t_unknown_exit_reasons_are_unhandled(void)
{
	static const uint32_t reasons[] = { 63, 1000, KVM_EXIT_NMI, KVM_EXIT_HYPERCALL, KVM_EXIT_UNKNOWN };

	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		struct fake *f = fake_new();
		char want[32];
		CHECK_EQ(bare_exit(f, reasons[i]), ACT_FAIL);
		CHECK_EQ(f->v.end, END_UNHANDLED);
		snprintf(want, sizeof(want), "unhandled exit reason %u", reasons[i]);
		CHECK_CONTAINS(f->v.end_detail, want);
		CHECK_CONTAINS(f->v.end_detail, exit_reason_name(reasons[i]));
		CHECK_EQ(end_exit_code(f->v.end, 0), XC_GUEST_CRASH);
		CHECK_EQ(f->v.ctr.total_exits, 1);
		fake_free(f);
	}
}

static void t_counters_follow_the_reason(void)
{
	struct fake *f = fake_new();

	io_exit(f, PORT_CONSOLE, 1, true, 1, "a");
	io_exit(f, 0x200, 1, false, 1, NULL);
	mmio_exit(f, 0xD0000000, 4, false, 0);
	bare_exit(f, 63);
	f->v.run->exit_reason = 1000;
	exit_dispatch(&f->v, 77, f->v.vm->cfg.trace);
	bare_exit(f, KVM_EXIT_HLT);
	counters_settle(&f->v.ctr);
	CHECK_EQ(f->v.ctr.reason[KVM_EXIT_IO].count, 2);
	CHECK_EQ(f->v.ctr.reason[KVM_EXIT_MMIO].count, 1);
	CHECK_EQ(f->v.ctr.reason[63].count, 1);
	CHECK_EQ(f->v.ctr.reason[KVM_EXIT_HLT].count, 1);
	CHECK_EQ(f->v.ctr.other.count, 1);
	CHECK_EQ(f->v.ctr.fig_other.tsc_sum, 77);
	CHECK_EQ(f->v.ctr.fig[KVM_EXIT_IO].tsc_sum, 2000);
	CHECK_EQ(f->v.ctr.total_exits, 6);
	fake_free(f);
}

/* ---- the tables ---- */

static void t_exit_reason_names(void)
{
	/* Every KVM_EXIT_* of linux/kvm.h, spelled out independently of exit.c. */
	static const struct { uint32_t r; const char *name; } names[] = {
		{ KVM_EXIT_UNKNOWN, "UNKNOWN" }, { KVM_EXIT_EXCEPTION, "EXCEPTION" }, { KVM_EXIT_IO, "IO" },
		{ KVM_EXIT_HYPERCALL, "HYPERCALL" }, { KVM_EXIT_DEBUG, "DEBUG" }, { KVM_EXIT_HLT, "HLT" },
		{ KVM_EXIT_MMIO, "MMIO" }, { KVM_EXIT_IRQ_WINDOW_OPEN, "IRQ_WINDOW_OPEN" },
		{ KVM_EXIT_SHUTDOWN, "SHUTDOWN" }, { KVM_EXIT_FAIL_ENTRY, "FAIL_ENTRY" }, { KVM_EXIT_INTR, "INTR" },
		{ KVM_EXIT_SET_TPR, "SET_TPR" }, { KVM_EXIT_TPR_ACCESS, "TPR_ACCESS" },
		{ KVM_EXIT_S390_SIEIC, "S390_SIEIC" }, { KVM_EXIT_S390_RESET, "S390_RESET" }, { KVM_EXIT_DCR, "DCR" },
		{ KVM_EXIT_NMI, "NMI" }, { KVM_EXIT_INTERNAL_ERROR, "INTERNAL_ERROR" }, { KVM_EXIT_OSI, "OSI" },
		{ KVM_EXIT_PAPR_HCALL, "PAPR_HCALL" }, { KVM_EXIT_S390_UCONTROL, "S390_UCONTROL" },
		{ KVM_EXIT_WATCHDOG, "WATCHDOG" }, { KVM_EXIT_S390_TSCH, "S390_TSCH" }, { KVM_EXIT_EPR, "EPR" },
		{ KVM_EXIT_SYSTEM_EVENT, "SYSTEM_EVENT" }, { KVM_EXIT_S390_STSI, "S390_STSI" },
		{ KVM_EXIT_IOAPIC_EOI, "IOAPIC_EOI" }, { KVM_EXIT_HYPERV, "HYPERV" }, { KVM_EXIT_ARM_NISV, "ARM_NISV" },
		{ KVM_EXIT_X86_RDMSR, "X86_RDMSR" }, { KVM_EXIT_X86_WRMSR, "X86_WRMSR" },
		{ KVM_EXIT_DIRTY_RING_FULL, "DIRTY_RING_FULL" }, { KVM_EXIT_AP_RESET_HOLD, "AP_RESET_HOLD" },
		{ KVM_EXIT_X86_BUS_LOCK, "X86_BUS_LOCK" }, { KVM_EXIT_XEN, "XEN" }, { KVM_EXIT_RISCV_SBI, "RISCV_SBI" },
		{ KVM_EXIT_RISCV_CSR, "RISCV_CSR" }, { KVM_EXIT_NOTIFY, "NOTIFY" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		CHECK_STR(exit_reason_name(names[i].r), names[i].name);
	CHECK_STR(exit_reason_name(KVM_EXIT_NOTIFY + 1), "UNKNOWN_REASON");
	CHECK_STR(exit_reason_name(EXIT_REASON_MAX - 1), "UNKNOWN_REASON");
	CHECK_STR(exit_reason_name(EXIT_REASON_MAX), "UNKNOWN_REASON");
	CHECK_STR(exit_reason_name(1000), "UNKNOWN_REASON");
	CHECK_STR(exit_reason_name(UINT32_MAX), "UNKNOWN_REASON");
}

static void t_exit_table_rows(void)
{
	CHECK(exit_lookup(KVM_EXIT_IO) == trap_io);
	CHECK(exit_lookup(KVM_EXIT_MMIO) == trap_mmio);
	CHECK(exit_lookup(KVM_EXIT_HLT) == trap_hlt);
	CHECK(exit_lookup(KVM_EXIT_SHUTDOWN) == trap_shutdown);
	CHECK(exit_lookup(KVM_EXIT_FAIL_ENTRY) == trap_fail_entry);
	CHECK(exit_lookup(KVM_EXIT_INTERNAL_ERROR) == trap_internal_error);
	CHECK(exit_lookup(EXIT_REASON_MAX - 1) == NULL);
	CHECK(exit_lookup(EXIT_REASON_MAX) == NULL);
	CHECK(exit_lookup(UINT32_MAX) == NULL);
}

static void t_end_exit_codes(void)
{
	static const struct { enum end_kind k; uint32_t status; int xc; const char *name; } rows[] = {
		{ END_NONE,           0, XC_HOST,        "none" },
		{ END_HLT,            0, XC_OK,          "hlt" },
		{ END_EXIT_PORT,      0, XC_OK,          "exit_port" },
		{ END_EXIT_PORT,      1, XC_GUEST_FAIL,  "exit_port" },
		{ END_EXIT_PORT, 0xFFFFFFFFu, XC_GUEST_FAIL, "exit_port" },
		{ END_REPORT_FAIL,    0, XC_GUEST_FAIL,  "check_failed" },
		{ END_SHUTDOWN,       0, XC_GUEST_CRASH, "shutdown" },
		{ END_INTERNAL_ERROR, 0, XC_GUEST_CRASH, "internal_error" },
		{ END_FAIL_ENTRY,     0, XC_GUEST_CRASH, "entry_failure" },
		{ END_UNHANDLED,      0, XC_GUEST_CRASH, "unhandled_exit" },
		{ END_PROTOCOL,       0, XC_PROTOCOL,    "protocol_error" },
		{ END_TIMEOUT,        0, XC_TIMEOUT,     "timeout" },
		{ END_EXIT_LIMIT,     0, XC_EXIT_LIMIT,  "exit_limit" },
		{ END_HOST_ERROR,     0, XC_HOST,        "host_error" },
		{ END_STOPPED,        0, XC_OK,          "stopped" },     /* another vCPU ended the VM; that one sets the code */
		{ END_INTERRUPTED,    0, XC_INTERRUPTED, "interrupted" }, /* SIGINT/SIGTERM */
		{ END_MIGRATED,       0, XC_OK,          "migrated" },    /* live migration: the guest runs on elsewhere */
	};
	bool seen[END_KIND_COUNT] = { false };

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		CHECK_EQ(end_exit_code(rows[i].k, rows[i].status), rows[i].xc);
		CHECK_STR(end_name(rows[i].k), rows[i].name);
		seen[rows[i].k] = true;
	}
	for (int k = 0; k < END_KIND_COUNT; k++)
		if (!seen[k])
			check_fail(__FILE__, __LINE__, "end kind %d has no row in this test", k);
	CHECK_STR(end_name(END_KIND_COUNT), "none");
	CHECK_EQ(end_exit_code(END_KIND_COUNT, 0), XC_HOST);
	/* The actions: only hlt, the exit port and a FAIL report end "as intended". */
	struct fake *f = fake_new();
	CHECK_EQ(vcpu_end(&f->v, END_TIMEOUT, "t"), ACT_FAIL);
	CHECK_EQ(vcpu_end(&f->v, END_EXIT_LIMIT, "x"), ACT_FAIL);
	CHECK_EQ(vcpu_end(&f->v, END_HOST_ERROR, "h"), ACT_FAIL);
	CHECK_EQ(vcpu_end(&f->v, END_REPORT_FAIL, "r"), ACT_DONE);
	CHECK_STR(f->v.end_detail, "r");
	fake_free(f);
}

/* What each end kind is, from END_LIST (vmm/core/core.h): the one "did it
 * end normally" test that vcpu_end, smp.c, trace_finish, cmd_run,
 * cmd_sensitive and bench_run ask. */
static void t_end_kinds_say_what_kind_of_end(void)
{
	static const struct { enum end_kind k; bool by_guest, at_insn, vcpu_only, silent; } rows[] = {
		{ END_NONE,           false, false, false, false },
		{ END_HLT,            true,  true,  true,  true  },   /* with --vcpus, hlt stops one vCPU */
		{ END_EXIT_PORT,      true,  true,  false, true  },
		{ END_REPORT_FAIL,    true,  true,  false, false },   /* run --quiet names the failed check */
		{ END_SHUTDOWN,       false, true,  false, false },
		{ END_INTERNAL_ERROR, false, true,  false, false },
		{ END_FAIL_ENTRY,     false, false, false, false },   /* no guest instruction ran */
		{ END_UNHANDLED,      false, true,  false, false },
		{ END_PROTOCOL,       false, true,  false, false },
		{ END_TIMEOUT,        false, false, false, false },
		{ END_EXIT_LIMIT,     false, false, false, false },
		{ END_HOST_ERROR,     false, false, false, false },
		{ END_STOPPED,        false, false, true,  false },   /* the VM already ends: do not kick again */
		{ END_INTERRUPTED,    false, false, false, false },   /* SIGINT/SIGTERM ends the whole VM */
		{ END_MIGRATED,       false, false, true,  false },   /* every vCPU ends so on its own */
	};

	CHECK_EQ(sizeof(rows) / sizeof(rows[0]), END_KIND_COUNT);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		CHECK_EQ(end_by_guest(rows[i].k), rows[i].by_guest);
		CHECK_EQ(end_at_insn(rows[i].k), rows[i].at_insn);
		CHECK_EQ(end_vcpu_only(rows[i].k), rows[i].vcpu_only);
		CHECK_EQ(end_silent(rows[i].k), rows[i].silent);
	}
	CHECK(end_ok(END_EXIT_PORT, 0));
	CHECK(!end_ok(END_EXIT_PORT, 3));
	CHECK(!end_ok(END_REPORT_FAIL, 0));
	CHECK(!end_by_guest((enum end_kind)END_KIND_COUNT));
	CHECK_EQ(end_exit_code((enum end_kind)END_KIND_COUNT, 0), XC_HOST);
}

static void t_exit_code_names(void)
{
	CHECK_STR(xc_summary(XC_OK), "ok");
	CHECK_STR(xc_summary(XC_HOST), "host error");
	CHECK_STR(xc_summary(XC_PAYLOAD_MAGIC), "payload bad magic");  /* report_text said "?" for 8-17 */
	CHECK_STR(xc_summary(XC_SANDBOX), "sandbox violation");
	CHECK_STR(xc_summary(-1), "?");
	CHECK_STR(xc_summary(1000), "?");
}

/* ---- kvmlab trace: the same dispatcher, single-stepping (docs/trace.md) ---- */

static struct trace *fake_trace(struct fake *f, bool stepping)
{
	static struct trace t;

	memset(&t, 0, sizeof(t));
	t.stepping = stepping;
	t.over = -1;
	f->vm.cfg.trace = &t;
	return &t;
}

/* KVM_EXIT_DEBUG as KVM fills it (api.rst 5, "KVM_EXIT_DEBUG"): the #DB vector and DR6. */
static enum action debug_exit(struct fake *f, uint32_t exception, uint64_t dr6)
{
	f->v.run->exit_reason = KVM_EXIT_DEBUG;
	f->v.run->debug.arch.exception = exception;
	f->v.run->debug.arch.dr6 = dr6;
	return exit_dispatch(&f->v, 1000, f->v.vm->cfg.trace);
}

static void t_trace_io_exit_while_stepping_asks_for_act_step(void)
{
	struct fake *f = fake_new();

	fake_trace(f, true);
	/* The out has been handled, but completes only on re-entry: one step. */
	CHECK_EQ(io_exit(f, PORT_CONSOLE, 1, true, 1, "*"), ACT_STEP);
	CHECK_EQ(f->vm.con.total, 1);
	counters_settle(&f->v.ctr);
	CHECK_EQ(f->v.ctr.reason[KVM_EXIT_IO].count, 1);
	CHECK_EQ(f->v.ctr.fig[KVM_EXIT_IO].tsc_sum, 1000);       /* timed like any exit */
	CHECK_EQ(f->v.end, END_NONE);
	fake_free(f);
}

static void t_trace_not_stepping_continues(void)
{
	struct fake *f = fake_new();

	fake_trace(f, false);           /* before --start, after --stop */
	CHECK_EQ(io_exit(f, PORT_CONSOLE, 1, true, 1, "*"), ACT_CONTINUE);
	CHECK_EQ(mmio_exit(f, 0xD0000000, 4, true, 1), ACT_CONTINUE);
	fake_free(f);
}

static void t_trace_an_end_wins_over_the_step(void)
{
	struct fake *f = fake_new();
	uint8_t status = 0;

	fake_trace(f, true);
	CHECK_EQ(io_exit(f, PORT_EXIT, 1, true, 1, &status), ACT_DONE);
	CHECK_EQ(f->v.end, END_EXIT_PORT);
	fake_free(f);
}

static void t_trace_exit_after_act_step_clears_immediate_exit(void)
{
	struct fake *f = fake_new();
	struct trace *t = fake_trace(f, true);

	/* The loop entered with immediate_exit for ACT_STEP; a breakpoint exit
	 * for a DR no longer armed answers it and changes nothing else. */
	f->v.completing = true;
	f->v.run->immediate_exit = 1;
	CHECK_EQ(debug_exit(f, DB_VECTOR, DR6_B(1)), ACT_CONTINUE);
	CHECK_EQ(f->v.completing, false);
	CHECK_EQ(f->v.run->immediate_exit, 0);
	CHECK_EQ(t->debug_exits, 1);
	CHECK_EQ(f->v.ctr.reason[KVM_EXIT_DEBUG].count, 1);
	/* A string instruction exiting again on the completing entry: ACT_STEP
	 * again, and the loop sets immediate_exit once more. */
	f->v.completing = true;
	f->v.run->immediate_exit = 1;
	CHECK_EQ(io_exit(f, PORT_CONSOLE, 1, true, 1, "a"), ACT_STEP);
	CHECK_EQ(f->v.completing, false);
	CHECK_EQ(f->v.run->immediate_exit, 0);
	fake_free(f);
}

static void t_trace_step_done_keeps_the_watchdogs_immediate_exit(void)
{
	struct fake *f = fake_new();

	fake_trace(f, true);
	f->v.completing = true;
	f->v.run->immediate_exit = 1;
	f->v.timed_out = 1;             /* the watchdog fired during this exit */
	CHECK_EQ(io_exit(f, PORT_CONSOLE, 1, true, 1, "a"), ACT_STEP);
	CHECK_EQ(f->v.run->immediate_exit, 1);
	f->v.timed_out = 0;
	f->v.kicked = 1;                /* --vcpus: another vCPU ended the VM */
	vcpu_step_done(&f->v);
	CHECK_EQ(f->v.run->immediate_exit, 1);
	fake_free(f);
}

static void t_debug_exits_kvmlab_did_not_ask_for_are_unhandled(void)
{
	struct fake *f = fake_new();

	CHECK_EQ(debug_exit(f, DB_VECTOR, DR6_BS), ACT_FAIL);      /* no trace active */
	CHECK_EQ(f->v.end, END_UNHANDLED);
	fake_trace(f, true);
	f->v.end = END_NONE;
	CHECK_EQ(debug_exit(f, 3, 0), ACT_FAIL);                  /* #BP: kvmlab sets no int3 */
	CHECK_EQ(f->v.end, END_UNHANDLED);
	f->v.end = END_NONE;
	CHECK_EQ(debug_exit(f, DB_VECTOR, 0), ACT_FAIL);          /* neither BS nor B0-B3 */
	CHECK_EQ(f->v.end, END_UNHANDLED);
	fake_free(f);
}

static void t_step_lost_is_recorded_as_a_step(void)
{
	struct fake *f = fake_new();

	CHECK_EQ(trap_step_lost(&f->v), ACT_FAIL);                /* only a trace asks for ACT_STEP */
	CHECK_EQ(f->v.end, END_HOST_ERROR);
	/* With a trace, it is trace_on_step; with no vCPU behind fd -1 its
	 * KVM_GET_REGS fails, and that ends the run as a host error. */
	struct trace *t = fake_trace(f, true);
	f->v.end = END_NONE;
	CHECK_EQ(trap_step_lost(&f->v), ACT_FAIL);
	CHECK_EQ(f->v.end, END_HOST_ERROR);
	CHECK_CONTAINS(f->v.end_detail, "KVM_GET_REGS");
	CHECK_EQ(t->debug_exits, 0);    /* no KVM_EXIT_DEBUG came: why debug exits < steps */
	fake_free(f);
}

/* ---- devices as instances: one handler, two devices ---- */

#define COM2_BASE 0x2F8                 /* the PC's second serial port */
#define UART_LCR_OFF 3                  /* line control register (16550 datasheet) */

/* A second UART at COM2 beside the machine's COM1: the same handler, each
 * access reaches the instance its range was registered with. */
static void t_two_uarts_are_two_devices(void)
{
	struct fake *f = fake_new();
	struct uart_dev com2 = { .con = calloc(1, sizeof(struct console)) };
	char err[200];

	pthread_mutex_init(&com2.lock, NULL);
	uart_reset(&com2.uart, NULL, 0);
	CHECK_EQ(console_init(com2.con, 0, false), 0);
	struct pio_range r = { .first = COM2_BASE, .count = PORT_COM1_COUNT, .name = "com2",
			       .handler = uart_io, .opaque = &com2 };
	CHECK_EQ(pio_register(&f->vm.pio, &r, err, sizeof(err)), 0);

	CHECK_EQ(io_exit(f, PORT_COM1, 1, true, 1, "A"), ACT_CONTINUE);
	CHECK_EQ(io_exit(f, COM2_BASE, 1, true, 1, "B"), ACT_CONTINUE);
	CHECK_EQ(io_exit(f, COM2_BASE + UART_LCR_OFF, 1, true, 1, "\x03"), ACT_CONTINUE);   /* 8N1 on COM2 only */
	CHECK_EQ(f->vm.io->com1.uart.tx_bytes, 1);
	CHECK_EQ(com2.uart.tx_bytes, 1);
	CHECK_EQ(f->vm.io->com1.uart.lcr, 0);
	CHECK_EQ(com2.uart.lcr, 3);
	CHECK_EQ(f->vm.con.len, 1);             /* COM1's byte on the VM's console, COM2's on its own */
	CHECK_EQ(f->vm.con.buf[0], 'A');
	CHECK_EQ(com2.con->len, 1);
	CHECK_EQ(com2.con->buf[0], 'B');
	CHECK_EQ(io_exit(f, COM2_BASE + UART_LCR_OFF, 1, false, 1, NULL), ACT_CONTINUE);
	CHECK_EQ(pio_data(f)[0], 3);            /* IN reads COM2's own register back */
	console_free(com2.con);
	free(com2.con);
	pthread_mutex_destroy(&com2.lock);
	fake_free(f);
}

#define SECOND_VIRTIO_GPA 0xD0000000ULL /* any free MMIO address */

/* Two virtio consoles: one handler (virtio_mmio_io), two windows, two states. */
static void t_two_virtio_consoles_are_two_devices(void)
{
	struct fake *f = fake_new();
	struct virtio_dev *d2 = calloc(1, sizeof(*d2));
	char err[200];

	virtio_init(d2, &f->vm.mem, false, &f->vm.con);
	struct mmio_range r = { .base = SECOND_VIRTIO_GPA, .size = VIRTIO_MMIO_SIZE, .name = "virtio-2",
				.handler = virtio_mmio_io, .opaque = d2 };
	CHECK_EQ(mmio_register(&f->vm.mmio, &r, err, sizeof(err)), 0);

	CHECK_EQ(mmio_exit(f, SECOND_VIRTIO_GPA + VIRTIO_MMIO_STATUS, 4, true, VIRTIO_CONFIG_S_ACKNOWLEDGE), ACT_CONTINUE);
	CHECK_EQ(d2->status, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	CHECK_EQ(f->vm.io->virtio.status, 0);   /* the machine's console did not see it */
	CHECK_EQ(mmio_exit(f, GPA_VIRTIO_MMIO + VIRTIO_MMIO_DEVICE_ID, 4, false, 0), ACT_CONTINUE);
	CHECK_EQ(f->v.run->mmio.data[0], 3);    /* virtio 1.1 5: 3 = console */
	CHECK_EQ(mmio_exit(f, SECOND_VIRTIO_GPA + VIRTIO_MMIO_STATUS, 4, false, 0), ACT_CONTINUE);
	CHECK_EQ(f->v.run->mmio.data[0], VIRTIO_CONFIG_S_ACKNOWLEDGE);
	CHECK_EQ(mmio_exit(f, GPA_VIRTIO_MMIO + VIRTIO_MMIO_STATUS, 4, false, 0), ACT_CONTINUE);
	CHECK_EQ(f->v.run->mmio.data[0], 0);
	/* The block window has the same handler and its own instance: DeviceID 0 without --blk. */
	CHECK_EQ(mmio_exit(f, GPA_VIRTIO_BLK + VIRTIO_MMIO_DEVICE_ID, 4, false, 0), ACT_CONTINUE);
	CHECK_EQ(f->v.run->mmio.data[0], 0);
	pthread_mutex_destroy(&d2->lock);
	free(d2);
	fake_free(f);
}

const struct unit_test exit_tests[] = {
	UNIT(t_console_out_appends_and_continues),
	UNIT(t_console_string_out_takes_every_element),
	UNIT(t_console_wide_out_prints_the_low_byte),
	UNIT(t_console_in_reads_e9),
	UNIT(t_unclaimed_in_reads_all_ones),
	UNIT(t_unclaimed_out_is_ignored_and_counted),
	UNIT(t_impossible_io_exit_is_a_host_error),
	UNIT(t_exit_port_ends_with_status),
	UNIT(t_exit_port_widths_zero_extend),
	UNIT(t_exit_port_in_reads_all_ones),
	UNIT(t_report_is_recorded),
	UNIT(t_fail_report_ends_the_run),
	UNIT(t_report_port_bad_width_is_a_protocol_error),
	UNIT(t_report_bad_pointer_is_a_protocol_error),
	UNIT(t_unclaimed_mmio),
	UNIT(t_impossible_mmio_length_is_a_host_error),
	UNIT(t_hlt_ends_normally),
	UNIT(t_shutdown_is_a_crash),
	UNIT(t_fail_entry_vmx_invalid_guest_state),
	UNIT(t_fail_entry_svm_invalid),
	UNIT(t_entry_failure_names),
	UNIT(t_internal_error_shows_instruction_bytes),
	UNIT(t_internal_error_without_bytes),
	UNIT(t_internal_error_insn_size_is_clamped),
	UNIT(t_internal_error_suberror_names),
	UNIT(t_unknown_exit_reasons_are_unhandled),
	UNIT(t_counters_follow_the_reason),
	UNIT(t_exit_reason_names),
	UNIT(t_exit_table_rows),
	UNIT(t_end_exit_codes),
	UNIT(t_end_kinds_say_what_kind_of_end),
	UNIT(t_exit_code_names),
	UNIT(t_trace_io_exit_while_stepping_asks_for_act_step),
	UNIT(t_trace_not_stepping_continues),
	UNIT(t_trace_an_end_wins_over_the_step),
	UNIT(t_trace_exit_after_act_step_clears_immediate_exit),
	UNIT(t_trace_step_done_keeps_the_watchdogs_immediate_exit),
	UNIT(t_debug_exits_kvmlab_did_not_ask_for_are_unhandled),
	UNIT(t_step_lost_is_recorded_as_a_step),
	UNIT(t_two_uarts_are_two_devices),
	UNIT(t_two_virtio_consoles_are_two_devices),
	{ 0 },
};
