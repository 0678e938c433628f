/*
 * test_report.c - traps/devices/report.c: report_read takes a record only if it is
 * whole, inside guest RAM and well formed (docs/guest-abi.md "Report records").
 */
#include "check.h"

#define RAM 8192

static uint8_t ram[RAM];
static const struct guest_mem mem = { .hva = ram, .size = RAM };

/* Writes a record at gpa; text is copied as given (len bytes). */
static void put_rec(uint64_t gpa, uint32_t magic, uint16_t kind, uint16_t len, uint64_t value,
		    const char *text, size_t tlen)
{
	struct report_rec r = { .magic = magic, .kind = kind, .len = len, .value = value };

	memcpy(ram + gpa, &r, sizeof(r));
	if (text)
		memcpy(ram + gpa + sizeof(r), text, tlen);
}

static int rd(uint64_t gpa, struct report_entry *e, char *err, size_t n)
{
	memset(e, 0x5A, sizeof(*e));
	err[0] = '\0';
	return report_read(&mem, gpa, e, err, n);
}

static void t_good_record(void)
{
	struct report_entry e;
	char err[200];

	memset(ram, 0, sizeof(ram));
	put_rec(0x100, REPORT_MAGIC, REPORT_KIND_VALUE, 6, 42, "answer", 6);
	CHECK_EQ(rd(0x100, &e, err, sizeof(err)), 0);
	CHECK_EQ(e.kind, REPORT_KIND_VALUE);
	CHECK_EQ(e.value, 42);
	CHECK_STR(e.text, "answer");                            /* NUL terminated by kvmlab */
	CHECK_EQ(e.rip, 0);

	put_rec(0x200, REPORT_MAGIC, REPORT_KIND_PASS, 3, UINT64_MAX, "xyz", 3);
	CHECK_EQ(rd(0x200, &e, err, sizeof(err)), 0);
	CHECK_EQ(e.kind, REPORT_KIND_PASS);
	CHECK_EQ(e.value, UINT64_MAX);
	CHECK_STR(e.text, "xyz");
}

static void t_every_kind_is_accepted(void)
{
	struct report_entry e;
	char err[200];

	for (uint16_t k = REPORT_KIND_VALUE; k <= REPORT_KIND_MAX; k++) {
		put_rec(0x100, REPORT_MAGIC, k, 1, 0, "k", 1);
		CHECK_EQ(rd(0x100, &e, err, sizeof(err)), 0);
		CHECK_EQ(e.kind, k);
	}
}

static void t_longest_text(void)
{
	struct report_entry e;
	char err[200], text[REPORT_TEXT_MAX];

	memset(text, 't', sizeof(text));
	put_rec(0x100, REPORT_MAGIC, REPORT_KIND_MSG, REPORT_TEXT_MAX, 0, text, sizeof(text));
	CHECK_EQ(rd(0x100, &e, err, sizeof(err)), 0);
	CHECK_EQ(strlen(e.text), REPORT_TEXT_MAX);
	CHECK_EQ(e.text[REPORT_TEXT_MAX], '\0');
}

static void t_bad_magic(void)
{
	struct report_entry e;
	char err[200];

	put_rec(0x100, 0x54504551, REPORT_KIND_VALUE, 1, 0, "x", 1);
	CHECK_EQ(rd(0x100, &e, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "bad magic");
	put_rec(0x100, 0, REPORT_KIND_VALUE, 1, 0, "x", 1);
	CHECK_EQ(rd(0x100, &e, err, sizeof(err)), -1);
}

static void t_unknown_kind(void)
{
	static const uint16_t bad[] = { 0, REPORT_KIND_MAX + 1, 0xFFFF };
	struct report_entry e;
	char err[200];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put_rec(0x100, REPORT_MAGIC, bad[i], 1, 0, "x", 1);
		CHECK_EQ(rd(0x100, &e, err, sizeof(err)), -1);
		CHECK_CONTAINS(err, "unknown kind");
	}
}

static void t_text_too_long(void)
{
	struct report_entry e;
	char err[200];

	put_rec(0x100, REPORT_MAGIC, REPORT_KIND_MSG, REPORT_TEXT_MAX + 1, 0, NULL, 0);
	CHECK_EQ(rd(0x100, &e, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "text length 121");
	put_rec(0x100, REPORT_MAGIC, REPORT_KIND_MSG, 0xFFFF, 0, NULL, 0);
	CHECK_EQ(rd(0x100, &e, err, sizeof(err)), -1);
}

static void t_record_straddling_end_of_ram(void)
{
	struct report_entry e;
	char err[200];

	/* Only 8 of the 16 header bytes are RAM. */
	memcpy(ram + RAM - 8, &(uint32_t){ REPORT_MAGIC }, 4);
	CHECK_EQ(rd(RAM - 8, &e, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "outside guest RAM");
	CHECK_EQ(rd(RAM, &e, err, sizeof(err)), -1);            /* starts at the end */
	CHECK_EQ(rd(0xC0000000ULL, &e, err, sizeof(err)), -1);  /* the MMIO window */
}

static void t_text_past_end_of_ram(void)
{
	struct report_entry e;
	char err[200];

	/* The header ends 4 bytes before the end of RAM; the text wants 5. */
	put_rec(RAM - 20, REPORT_MAGIC, REPORT_KIND_VALUE, 5, 1, "abcd", 4);
	CHECK_EQ(rd(RAM - 20, &e, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "past the end of guest RAM");
	/* 4 bytes exactly fit. */
	put_rec(RAM - 20, REPORT_MAGIC, REPORT_KIND_VALUE, 4, 1, "abcd", 4);
	CHECK_EQ(rd(RAM - 20, &e, err, sizeof(err)), 0);
	CHECK_STR(e.text, "abcd");
}

static void t_gpa_near_uint64_max(void)
{
	struct report_entry e;
	char err[200];

	CHECK_EQ(rd(UINT64_MAX, &e, err, sizeof(err)), -1);
	CHECK_EQ(rd(UINT64_MAX - 15, &e, err, sizeof(err)), -1);       /* header ends at 2^64 */
	CHECK_EQ(rd(UINT64_MAX - 16, &e, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "outside guest RAM");
}

static void t_unprintable_text_is_sanitized(void)
{
	struct report_entry e;
	char err[200];
	static const char raw[] = { 'a', '\n', 0x1b, '[', 0x7f, (char)0x80, (char)0xff, '\0', 'z' };

	put_rec(0x100, REPORT_MAGIC, REPORT_KIND_MSG, sizeof(raw), 0, raw, sizeof(raw));
	CHECK_EQ(rd(0x100, &e, err, sizeof(err)), 0);
	CHECK_STR(e.text, "a??[????z");                         /* same length, only printable ASCII */
}

static void t_empty_text(void)
{
	struct report_entry e;
	char err[200];

	put_rec(0x100, REPORT_MAGIC, REPORT_KIND_VALUE, 0, 7, NULL, 0);
	CHECK_EQ(rd(0x100, &e, err, sizeof(err)), 0);
	CHECK_STR(e.text, "");
	CHECK_EQ(e.value, 7);
}

/* A well-formed record in a slot inside the MMIO window (--rom's, whose
 * contents a device's DMA may have written) is still a protocol error:
 * docs/guest-abi.md "Report records". */
static void t_record_in_the_mmio_window_is_refused(void)
{
	static uint8_t rom[4096];
	struct guest_mem two = {
		.hva = ram, .size = RAM, .nslots = 2,
		.slot = {
			{ .id = 0, .gpa = 0, .size = RAM, .hva = ram, .name = "ram" },
			{ .id = 1, .gpa = 0xFFFFF000, .size = sizeof(rom), .hva = rom, .name = "rom", .window = true },
		},
	};
	struct report_rec r = { .magic = REPORT_MAGIC, .kind = REPORT_KIND_PASS, .len = 2, .value = 7 };
	struct report_entry e;
	char err[200] = "";

	memcpy(rom + 0x100, &r, sizeof(r));
	memcpy(rom + 0x100 + sizeof(r), "ok", 2);
	CHECK_EQ(report_read(&two, 0xFFFFF100, &e, err, sizeof(err)), -1);
	CHECK(strstr(err, "MMIO window") != NULL);
	memcpy(ram + 0x100, rom + 0x100, sizeof(r) + 2);        /* the same record in RAM is fine */
	CHECK_EQ(report_read(&two, 0x100, &e, err, sizeof(err)), 0);
}

const struct unit_test report_tests[] = {
	UNIT(t_good_record),
	UNIT(t_every_kind_is_accepted),
	UNIT(t_longest_text),
	UNIT(t_bad_magic),
	UNIT(t_unknown_kind),
	UNIT(t_text_too_long),
	UNIT(t_record_straddling_end_of_ram),
	UNIT(t_text_past_end_of_ram),
	UNIT(t_gpa_near_uint64_max),
	UNIT(t_unprintable_text_is_sanitized),
	UNIT(t_empty_text),
	UNIT(t_record_in_the_mmio_window_is_refused),
	{ 0 },
};
