/*
 * test_hardening_exits.c - synthetic exits a real KVM would never produce,
 * through the real dispatcher.
 *
 * The shared fake vCPU (check.h: a heap kvm_run area and fd -1 so register ioctls
 * fail, as they may) is enough for exit_dispatch and every handler.  These
 * cover what this host cannot: entry failures (VMX/SVM only), exit reasons
 * kvmlab has no handler for, and impossible values in kvm_run that a buggy
 * or hostile kernel could hand back.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kvmlab.h"

#define RUN_SIZE  FAKE_RUN_SIZE      /* the shared fake's kvm_run area (check.h) */
#define DATA_OFF  FAKE_PIO_OFFSET

static enum action io(struct fake *f, uint16_t port, int out, uint8_t size, uint32_t count, uint64_t off)
{
	struct kvm_run *r = f->v.run;

	r->exit_reason = KVM_EXIT_IO;
	r->io.port = port;
	r->io.direction = out ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN;
	r->io.size = size;
	r->io.count = count;
	r->io.data_offset = off;
	return exit_dispatch(&f->v, 100, f->v.vm->cfg.trace);
}

static uint8_t *io_data(struct fake *f)
{
	return (uint8_t *)f->v.run + DATA_OFF;
}

static void io_exit_with_impossible_fields_ends_as_host_error(void)
{
	static const struct { uint8_t size; uint32_t count; uint64_t off; } bad[] = {
		{ 3, 1, DATA_OFF },                     /* width 3 */
		{ 0, 1, DATA_OFF },
		{ 1, 0, DATA_OFF },                     /* no elements */
		{ 4, 1, RUN_SIZE - 3 },                 /* data runs off the page */
		{ 1, 1, UINT64_MAX },                   /* offset wraps */
		{ 4, 0x40000001, 0 },                   /* size * count overflows 32 bits */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fake *f = fake_new();
		CHECK(io(f, 0x80, 1, bad[i].size, bad[i].count, bad[i].off) == ACT_FAIL);
		CHECK(f->v.end == END_HOST_ERROR);
		CHECK(strstr(f->v.end_detail, "KVM_EXIT_IO with impossible size") != NULL);
		CHECK(!f->v.end_rip_valid);             /* fd -1: no registers, no crash */
		fake_free(f);
	}
}

static void console_string_out_copies_every_element_and_respects_the_limit(void)
{
	struct fake *f = fake_new();

	f->vm.con.limit = 5;
	memcpy(io_data(f), "abcdefgh", 8);
	CHECK(io(f, PORT_CONSOLE, 1, 1, 8, DATA_OFF) == ACT_CONTINUE);
	CHECK_EQ(f->vm.con.total, 8);
	CHECK_EQ(f->vm.con.len, 5);
	CHECK_EQ(f->vm.con.dropped, 3);
	CHECK(!memcmp(f->vm.con.buf, "abcde", 5));
	/* A 4-byte OUT: only the low byte of each element is a character. */
	f->vm.con.limit = 100;
	memcpy(io_data(f), "x\1\2\3y\1\2\3", 8);
	CHECK(io(f, PORT_CONSOLE, 1, 4, 2, DATA_OFF) == ACT_CONTINUE);
	CHECK_EQ(f->vm.con.total, 10);
	CHECK(!memcmp(f->vm.con.buf + 5, "xy", 2));
	/* IN from the console reads "present" in every byte. */
	CHECK(io(f, PORT_CONSOLE, 0, 2, 3, DATA_OFF) == ACT_CONTINUE);
	for (int i = 0; i < 6; i++)
		CHECK_EQ(io_data(f)[i], CONSOLE_READBACK);
	fake_free(f);
}

static void console_keeps_at_most_console_cap_bytes(void)
{
	struct fake *f = fake_new();

	memset(io_data(f), 'z', 2048);
	for (unsigned i = 0; i < CONSOLE_CAP / 2048 + 4; i++)
		io(f, PORT_CONSOLE, 1, 1, 2048, DATA_OFF);
	CHECK_EQ(f->vm.con.len, CONSOLE_CAP);
	CHECK_EQ(f->vm.con.total, (CONSOLE_CAP / 2048 + 4) * 2048);
	CHECK_EQ(f->vm.con.dropped, 0);                  /* under the limit: echoed, not all kept */
	fake_free(f);
}

static void report_port_misuse_is_a_protocol_error(void)
{
	struct fake *f = fake_new();

	CHECK(io(f, PORT_REPORT, 0, 4, 1, DATA_OFF) == ACT_FAIL);      /* IN */
	CHECK(f->v.end == END_PROTOCOL);
	CHECK(strstr(f->v.end_detail, "got IN of 4 bytes x1") != NULL);
	fake_free(f);
	f = fake_new();
	CHECK(io(f, PORT_REPORT, 1, 2, 1, DATA_OFF) == ACT_FAIL);      /* 16-bit OUT */
	CHECK(f->v.end == END_PROTOCOL);
	fake_free(f);
	f = fake_new();
	CHECK(io(f, PORT_REPORT, 1, 4, 2, DATA_OFF) == ACT_FAIL);      /* rep outsd */
	CHECK(strstr(f->v.end_detail, "x2") != NULL);
	fake_free(f);
}

static void report_beyond_reports_max_is_refused(void)
{
	struct fake *f = fake_new();
	struct report_rec rec = { .magic = REPORT_MAGIC, .kind = REPORT_KIND_VALUE, .len = 1 };
	uint32_t gpa = 0x1000;

	memcpy(f->vm.mem.hva + gpa, &rec, sizeof(rec));
	f->vm.mem.hva[gpa + sizeof(rec)] = 'r';
	f->v.reports = calloc(REPORTS_MAX, sizeof(*f->v.reports));
	f->v.reports_cap = f->v.nreports = REPORTS_MAX;
	memcpy(io_data(f), &gpa, 4);
	CHECK(io(f, PORT_REPORT, 1, 4, 1, DATA_OFF) == ACT_FAIL);
	CHECK(f->v.end == END_PROTOCOL);
	CHECK(!strcmp(f->v.end_detail, "guest protocol error: too many reports (limit 65536)"));
	CHECK_EQ(f->v.nreports, REPORTS_MAX);
	fake_free(f);
}

static void exit_port_in_reads_all_ones_and_any_width_ends_the_run(void)
{
	struct fake *f = fake_new();

	CHECK(io(f, PORT_EXIT, 0, 2, 1, DATA_OFF) == ACT_CONTINUE);
	CHECK_EQ(io_data(f)[0], 0xFF);
	CHECK_EQ(io_data(f)[1], 0xFF);
	memcpy(io_data(f), "\x07\x00", 2);
	CHECK(io(f, PORT_EXIT, 1, 2, 1, DATA_OFF) == ACT_DONE);
	CHECK(f->v.end == END_EXIT_PORT);
	CHECK_EQ(f->v.exit_status, 7);
	CHECK_EQ(end_exit_code(f->v.end, f->v.exit_status), XC_GUEST_FAIL);
	fake_free(f);
}

static void mmio_exit_with_impossible_length_ends_as_host_error(void)
{
	for (uint32_t len = 0; len <= 9; len += 9) {
		struct fake *f = fake_new();
		f->v.run->exit_reason = KVM_EXIT_MMIO;
		f->v.run->mmio.phys_addr = 0xD0000000;
		f->v.run->mmio.len = len;
		CHECK(exit_dispatch(&f->v, 1, f->v.vm->cfg.trace) == ACT_FAIL);
		CHECK(f->v.end == END_HOST_ERROR);
		fake_free(f);
	}
}

static void mmio_read_anywhere_unclaimed_returns_all_ones(void)
{
	struct fake *f = fake_new();

	f->v.run->exit_reason = KVM_EXIT_MMIO;
	f->v.run->mmio.phys_addr = UINT64_MAX - 3;      /* top of the 64-bit space */
	f->v.run->mmio.len = 8;
	f->v.run->mmio.is_write = 0;
	CHECK(exit_dispatch(&f->v, 1, f->v.vm->cfg.trace) == ACT_CONTINUE);
	for (int i = 0; i < 8; i++)
		CHECK_EQ(f->v.run->mmio.data[i], 0xFF);
	CHECK_EQ(f->v.ctr.nmmio, 1);
	CHECK(!f->v.ctr.mmio[0].claimed);
	fake_free(f);
}

static void entry_failure_is_decoded_for_vmx_and_svm(void)
{
	static const struct { uint64_t hw; const char *want; } cases[] = {
		{ (1ULL << 31) | 33, "VMX: invalid guest state" },
		{ (1ULL << 31) | 34, "VMX: MSR loading failed" },
		{ (1ULL << 31) | 41, "VMX: machine-check event" },
		{ 0xFFFFFFFFFFFFFFFFULL, "SVM VMEXIT_INVALID" },
		{ 12345, "unknown hardware entry failure reason" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake *f = fake_new();
		f->v.run->exit_reason = KVM_EXIT_FAIL_ENTRY;
		f->v.run->fail_entry.hardware_entry_failure_reason = cases[i].hw;
		f->v.run->fail_entry.cpu = 1;
		CHECK(exit_dispatch(&f->v, 1, f->v.vm->cfg.trace) == ACT_FAIL);
		CHECK(f->v.end == END_FAIL_ENTRY);
		CHECK(strstr(f->v.end_detail, cases[i].want) != NULL);
		CHECK(strstr(f->v.end_detail, "on CPU 1") != NULL);
		CHECK_EQ(end_exit_code(END_FAIL_ENTRY, 0), XC_GUEST_CRASH);
		fake_free(f);
	}
}

static void internal_error_with_instruction_bytes_is_disassembled(void)
{
	struct fake *f = fake_new();
	struct kvm_run *r = f->v.run;

	r->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	r->emulation_failure.suberror = KVM_INTERNAL_ERROR_EMULATION;
	r->emulation_failure.ndata = 3;
	r->emulation_failure.flags = KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
	r->emulation_failure.insn_size = 200;           /* hostile: clamped to the array */
	memset(r->emulation_failure.insn_bytes, 0x90, sizeof(r->emulation_failure.insn_bytes));
	CHECK(exit_dispatch(&f->v, 1, f->v.vm->cfg.trace) == ACT_FAIL);
	CHECK(f->v.end == END_INTERNAL_ERROR);
	CHECK(strstr(f->v.end_detail, "emulation failure (suberror 1); instruction bytes 90 90") != NULL);
	fake_free(f);
	for (uint32_t sub = 2; sub <= 5; sub++)
		CHECK(strcmp(internal_suberror_name(sub), "") != 0);
	CHECK(!strcmp(internal_suberror_name(999), "unknown suberror"));
}

static void unknown_exit_reasons_are_fatal_and_counted(void)
{
	static const uint32_t reasons[] = { KVM_EXIT_HYPERCALL, KVM_EXIT_NMI, 63, 64, 1000, UINT32_MAX };
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		struct fake *f = fake_new();
		f->v.run->exit_reason = reasons[i];
		CHECK(exit_dispatch(&f->v, 1, f->v.vm->cfg.trace) == ACT_FAIL);
		CHECK(f->v.end == END_UNHANDLED);
		CHECK(strstr(f->v.end_detail, "unhandled exit reason") != NULL);
		CHECK_EQ(f->v.ctr.total_exits, 1);
		if (reasons[i] >= EXIT_REASON_MAX)
			CHECK_EQ(f->v.ctr.other.count, 1);
		fake_free(f);
	}
	CHECK(!strcmp(exit_reason_name(UINT32_MAX), "UNKNOWN_REASON"));
	CHECK(!strcmp(exit_reason_name(KVM_EXIT_IO), "IO"));
}

static void bus_registration_rejects_bad_ranges(void)
{
	struct pio_bus pb = { 0 };
	struct mmio_bus mb = { 0 };
	char err[128];
	enum action (*ph)(struct vcpu *, struct io_req *, void *) = console_io;

	CHECK(pio_register(&pb, &(struct pio_range){ .first = 0, .count = 0, .name = "e", .handler = ph }, err, sizeof(err)) == -1);
	CHECK(pio_register(&pb, &(struct pio_range){ .first = 0xFFFF, .count = 2, .name = "w", .handler = ph }, err, sizeof(err)) == -1);
	CHECK(strstr(err, "wrap past 0xFFFF") != NULL);
	CHECK(pio_register(&pb, &(struct pio_range){ .first = 0x10, .count = 4, .name = "a", .handler = ph }, err, sizeof(err)) == 0);
	CHECK(pio_register(&pb, &(struct pio_range){ .first = 0x13, .count = 1, .name = "b", .handler = ph }, err, sizeof(err)) == -1);
	CHECK(strstr(err, "overlap a") != NULL);
	for (int i = 1; i < PIO_RANGES_MAX; i++)
		CHECK(pio_register(&pb, &(struct pio_range){ .first = (uint16_t)(0x100 + i), .count = 1, .name = "n", .handler = ph }, err, sizeof(err)) == 0);
	CHECK(pio_register(&pb, &(struct pio_range){ .first = 0x1000, .count = 1, .name = "full", .handler = ph }, err, sizeof(err)) == -1);
	CHECK(strstr(err, "port bus full") != NULL);
	CHECK(pio_find(&pb, 0x13) != NULL && pio_find(&pb, 0x14) == NULL);

	enum action (*mh)(struct vcpu *, struct mmio_req *, void *) = (void *)console_io;
	CHECK(mmio_register(&mb, &(struct mmio_range){ .base = 0, .size = 0, .name = "e", .handler = mh }, err, sizeof(err)) == -1);
	CHECK(mmio_register(&mb, &(struct mmio_range){ .base = UINT64_MAX, .size = 2, .name = "w", .handler = mh }, err, sizeof(err)) == -1);
	CHECK(mmio_register(&mb, &(struct mmio_range){ .base = 0xC0000000, .size = 0x1000, .name = "d", .handler = mh }, err, sizeof(err)) == 0);
	CHECK(mmio_register(&mb, &(struct mmio_range){ .base = 0xC0000FFF, .size = 1, .name = "o", .handler = mh }, err, sizeof(err)) == -1);
	for (int i = 1; i < MMIO_RANGES_MAX; i++)
		CHECK(mmio_register(&mb, &(struct mmio_range){ .base = 0xD0000000ULL + i * 0x1000ULL, .size = 0x1000, .name = "n", .handler = mh }, err, sizeof(err)) == 0);
	CHECK(mmio_register(&mb, &(struct mmio_range){ .base = 0xE0000000, .size = 1, .name = "full", .handler = mh }, err, sizeof(err)) == -1);
	/* An access must fall wholly inside one device. */
	CHECK(mmio_find(&mb, 0xC0000FFC, 4) != NULL);
	CHECK(mmio_find(&mb, 0xC0000FFD, 4) == NULL || mmio_find(&mb, 0xC0000FFD, 4)->base != 0xC0000000);
	CHECK(mmio_find(&mb, UINT64_MAX, 8) == NULL);
}

static void end_codes_cover_every_kind(void)
{
	CHECK_EQ(end_exit_code(END_HLT, 0), XC_OK);
	CHECK_EQ(end_exit_code(END_EXIT_PORT, 0), XC_OK);
	CHECK_EQ(end_exit_code(END_PROTOCOL, 0), XC_PROTOCOL);
	CHECK_EQ(end_exit_code(END_TIMEOUT, 0), XC_TIMEOUT);
	CHECK_EQ(end_exit_code(END_EXIT_LIMIT, 0), XC_EXIT_LIMIT);
	CHECK_EQ(end_exit_code(END_HOST_ERROR, 0), XC_HOST);
	CHECK_EQ(end_exit_code(END_NONE, 0), XC_HOST);
	CHECK(!strcmp(end_name((enum end_kind)99), "none"));
}

static void sandbox_table_describes_every_rule(void)
{
	int n;
	const struct sandbox_thread *t = sandbox_threads(&n);
	char buf[96];

	CHECK_EQ(n, 3);                 /* the vCPU threads, the I/O thread, the --vcpus main thread */
	CHECK(!strcmp(t[0].name, "vcpu"));
	CHECK(!strcmp(t[1].name, "io"));
	CHECK(!strcmp(t[2].name, "main"));
	CHECK(t[2].rules == t[0].rules && t[2].nrules == t[0].nrules);     /* the same table */
	CHECK(!strcmp(sandbox_rule_text(sandbox_rule_at(&t[0], 0), buf, sizeof(buf)), "ioctl(vcpu fd, KVM_RUN)"));
	for (int k = 0; k < n; k++) {
		CHECK(sandbox_rule_at(&t[k], t[k].nrules) == NULL);
		CHECK(sandbox_thread_syscalls(&t[k]) <= 30);
		for (size_t i = 0; i < t[k].nrules; i++) {
			const struct sandbox_rule *r = sandbox_rule_at(&t[k], i);
			CHECK(sandbox_rule_text(r, buf, sizeof(buf))[0] != '\0');
			CHECK(sandbox_rule_why(r)[0] != '\0');
#ifndef KVMLAB_GCOV    /* make coverage lets gcov open its .gcda files */
			CHECK(strstr(buf, "open") == NULL);
#endif
			CHECK(strstr(buf, "exec") == NULL && strstr(buf, "socket") == NULL);
			/* The I/O thread's one KVM ioctl: KVM_SIGNAL_MSI on the VM fd (split model). */
			CHECK(k != 1 || strstr(buf, "KVM_") == NULL || !strcmp(buf, "ioctl(VM fd, KVM_SIGNAL_MSI)"));
			CHECK(strstr(buf, "any fd") == NULL);   /* every ioctl names its fd */
		}
	}
}

const struct unit_test hardening_exits_tests[] = {
	UNIT(io_exit_with_impossible_fields_ends_as_host_error),
	UNIT(console_string_out_copies_every_element_and_respects_the_limit),
	UNIT(console_keeps_at_most_console_cap_bytes),
	UNIT(report_port_misuse_is_a_protocol_error),
	UNIT(report_beyond_reports_max_is_refused),
	UNIT(exit_port_in_reads_all_ones_and_any_width_ends_the_run),
	UNIT(mmio_exit_with_impossible_length_ends_as_host_error),
	UNIT(mmio_read_anywhere_unclaimed_returns_all_ones),
	UNIT(entry_failure_is_decoded_for_vmx_and_svm),
	UNIT(internal_error_with_instruction_bytes_is_disassembled),
	UNIT(unknown_exit_reasons_are_fatal_and_counted),
	UNIT(bus_registration_rejects_bad_ranges),
	UNIT(end_codes_cover_every_kind),
	UNIT(sandbox_table_describes_every_rule),
	{ 0 }
};
