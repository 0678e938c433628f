/*
 * test_payload.c - vmm/core/payload.c: every header defect has its own exit code.
 *
 * Each test starts from one valid header (make_payload) and breaks exactly
 * one field, as payloads/malformed/ does with whole files.
 */
#include <stddef.h>

#include "check.h"

#define BUF_MAX   (80 * 1024)
#define DESC      "a unit-test payload"
#define CODE_OFF  (KVMLAB_HDR_SIZE + sizeof(DESC))     /* code right after the description */
#define CODE_LEN  4                                     /* nop; nop; nop; hlt */

static uint8_t buf[BUF_MAX];

/* A valid payload of the given mode at load 0x10000; returns its length. */
static size_t make_payload(int mode)
{
	struct payload_hdr h = {
		.magic = KVMLAB_MAGIC, .abi_version = KVMLAB_ABI_VERSION, .hdr_size = KVMLAB_HDR_SIZE,
		.mode = (uint8_t)mode, .load_addr = GPA_LOAD_MIN, .entry = CODE_OFF, .min_mem_kib = 128,
		.desc_offset = KVMLAB_HDR_SIZE, .name = "unit",
	};
	static const uint8_t code[CODE_LEN] = { 0x90, 0x90, 0x90, 0xF4 };

	memset(buf, 0, sizeof(buf));
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + KVMLAB_HDR_SIZE, DESC, sizeof(DESC));
	memcpy(buf + CODE_OFF, code, sizeof(code));
	return CODE_OFF + CODE_LEN;
}

static struct payload_hdr *hdr(void)
{
	return (struct payload_hdr *)buf;
}

static int parse(size_t len)
{
	struct payload p;
	char err[256] = "";
	int rc = payload_parse(buf, len, &p, err, sizeof(err));

	/* Every refusal says what is wrong, on one line, as a header problem. */
	if (rc != XC_OK) {
		CHECK(strncmp(err, "payload header: ", 16) == 0);
		CHECK(strchr(err, '\n') == NULL);
	}
	return rc;
}

static void t_valid_header_parses(void)
{
	static const int modes[] = { MODE_REAL, MODE_PROT, MODE_LONG };

	for (size_t i = 0; i < 3; i++) {
		size_t len = make_payload(modes[i]);
		struct payload p;
		char err[256];

		CHECK_EQ(payload_parse(buf, len, &p, err, sizeof(err)), XC_OK);
		CHECK_STR(p.name, "unit");
		CHECK_STR(p.desc, DESC);
		CHECK_EQ(p.size, len);
		CHECK(p.data == buf);
		CHECK_EQ(p.hdr.mode, modes[i]);
		CHECK_EQ(p.hdr.load_addr, 0x10000);
		CHECK_EQ(p.hdr.entry, CODE_OFF);
	}
	CHECK_STR(mode_name(MODE_REAL), "real");
	CHECK_STR(mode_name(MODE_PROT), "protected");
	CHECK_STR(mode_name(MODE_LONG), "long");
	CHECK_STR(mode_name(0), "unknown");
	CHECK_STR(mode_name(7), "unknown");
}

static void t_no_description_is_fine(void)
{
	size_t len = make_payload(MODE_LONG);
	struct payload p;
	char err[256];

	hdr()->desc_offset = 0;
	CHECK_EQ(payload_parse(buf, len, &p, err, sizeof(err)), XC_OK);
	CHECK_STR(p.desc, "");
}

static void t_shorter_than_header_is_truncated(void)
{
	make_payload(MODE_LONG);
	CHECK_EQ(parse(0), XC_PAYLOAD_TRUNC);
	CHECK_EQ(parse(20), XC_PAYLOAD_TRUNC);
	CHECK_EQ(parse(KVMLAB_HDR_SIZE - 1), XC_PAYLOAD_TRUNC);
}

static void t_bad_magic(void)
{
	size_t len = make_payload(MODE_LONG);

	hdr()->magic = 0x584D564B;                      /* "KVMX" */
	CHECK_EQ(parse(len), XC_PAYLOAD_MAGIC);
	hdr()->magic = 0;
	CHECK_EQ(parse(len), XC_PAYLOAD_MAGIC);
	hdr()->magic = 0x4B564D4C;                      /* "LMVK": the bytes reversed */
	CHECK_EQ(parse(len), XC_PAYLOAD_MAGIC);
}

static void t_unknown_abi_version(void)
{
	static const uint16_t bad[] = { 0, 2, 99, 0xFFFF };
	size_t len = make_payload(MODE_LONG);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hdr()->abi_version = bad[i];
		CHECK_EQ(parse(len), XC_PAYLOAD_VERSION);
	}
}

static void t_wrong_hdr_size(void)
{
	size_t len = make_payload(MODE_LONG);

	hdr()->hdr_size = 32;
	CHECK_EQ(parse(len), XC_PAYLOAD_FIELD);
	hdr()->hdr_size = 65;
	CHECK_EQ(parse(len), XC_PAYLOAD_FIELD);
}

static void t_unknown_mode(void)
{
	static const uint8_t bad[] = { 0, 4, 7, 0xFF };
	size_t len = make_payload(MODE_LONG);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hdr()->mode = bad[i];
		CHECK_EQ(parse(len), XC_PAYLOAD_MODE);
	}
}

/* Only the defined flags are accepted (abi.h KVMLAB_FLAG_*); every other bit is an error. */
static void t_unknown_flags_and_reserved_must_be_zero(void)
{
	size_t len = make_payload(MODE_LONG);

	hdr()->flags = KVMLAB_FLAG_MSRS;
	CHECK_EQ(parse(len), XC_OK);
	hdr()->flags = KVMLAB_FLAG_MSRS | KVMLAB_FLAG_KERNEL_DEVS;
	CHECK_EQ(parse(len), XC_OK);
	hdr()->flags = KVMLAB_FLAGS_KNOWN + 1;          /* the lowest undefined bit */
	CHECK_EQ(parse(len), XC_PAYLOAD_FIELD);
	hdr()->flags = 0x80000000u;
	CHECK_EQ(parse(len), XC_PAYLOAD_FIELD);
	hdr()->flags = 0;
	for (int i = 0; i < 3; i++) {
		hdr()->reserved0[i] = 1;
		CHECK_EQ(parse(len), XC_PAYLOAD_FIELD);
		hdr()->reserved0[i] = 0;
	}
	CHECK_EQ(parse(len), XC_OK);
}

static void t_name_rules(void)
{
	size_t len = make_payload(MODE_LONG);
	char *name = hdr()->name;

	memset(name, 0, KVMLAB_NAME_MAX);
	CHECK_EQ(parse(len), XC_PAYLOAD_FIELD);                 /* empty */
	memset(name, 'a', KVMLAB_NAME_MAX);
	CHECK_EQ(parse(len), XC_PAYLOAD_FIELD);                 /* 32 bytes: no NUL */
	name[KVMLAB_NAME_MAX - 1] = '\0';
	CHECK_EQ(parse(len), XC_OK);                            /* 31 bytes: the longest */
	memset(name, 0, KVMLAB_NAME_MAX);
	memcpy(name, "bad\x07name", 8);
	CHECK_EQ(parse(len), XC_PAYLOAD_FIELD);                 /* BEL */
	memcpy(name, "bad\x80name", 8);
	CHECK_EQ(parse(len), XC_PAYLOAD_FIELD);                 /* not ASCII */
	memcpy(name, "bad\x7fname", 8);
	CHECK_EQ(parse(len), XC_PAYLOAD_FIELD);                 /* DEL */
	memset(name, 0, KVMLAB_NAME_MAX);
	memcpy(name, "ok", 2);
	name[10] = 'X';                                         /* "then only NULs" (guest-abi.md) */
	CHECK_EQ(parse(len), XC_PAYLOAD_FIELD);
}

static void t_description_rules(void)
{
	size_t len = make_payload(MODE_LONG);

	hdr()->desc_offset = 10;                                /* inside the header */
	CHECK_EQ(parse(len), XC_PAYLOAD_FIELD);
	hdr()->desc_offset = KVMLAB_HDR_SIZE - 1;
	CHECK_EQ(parse(len), XC_PAYLOAD_FIELD);
	hdr()->desc_offset = (uint32_t)len;                     /* one past the last byte */
	CHECK_EQ(parse(len), XC_PAYLOAD_FIELD);
	hdr()->desc_offset = 0xFFFFFFFFu;
	CHECK_EQ(parse(len), XC_PAYLOAD_FIELD);
	hdr()->desc_offset = (uint32_t)len - 1;                 /* "\xF4" then end of file: no NUL */
	CHECK_EQ(parse(len), XC_PAYLOAD_FIELD);

	/* 160 printable bytes and a NUL is the longest; 161 is too long. */
	memset(buf + KVMLAB_HDR_SIZE, 'd', KVMLAB_DESC_MAX);
	buf[KVMLAB_HDR_SIZE + KVMLAB_DESC_MAX] = '\0';
	hdr()->desc_offset = KVMLAB_HDR_SIZE;
	hdr()->entry = KVMLAB_HDR_SIZE + KVMLAB_DESC_MAX + 1;
	buf[hdr()->entry] = 0xF4;
	len = hdr()->entry + 1;
	CHECK_EQ(parse(len), XC_OK);
	buf[KVMLAB_HDR_SIZE + KVMLAB_DESC_MAX] = 'd';
	buf[KVMLAB_HDR_SIZE + KVMLAB_DESC_MAX + 1] = '\0';
	hdr()->entry = KVMLAB_HDR_SIZE + KVMLAB_DESC_MAX + 2;
	buf[hdr()->entry] = 0xF4;
	len = hdr()->entry + 1;
	CHECK_EQ(parse(len), XC_PAYLOAD_FIELD);

	len = make_payload(MODE_LONG);
	buf[KVMLAB_HDR_SIZE + 3] = '\n';                        /* control character */
	CHECK_EQ(parse(len), XC_PAYLOAD_FIELD);
}

static void t_load_address_rules(void)
{
	size_t len = make_payload(MODE_LONG);

	hdr()->load_addr = 0x10001;
	CHECK_EQ(parse(len), XC_PAYLOAD_LOAD);                  /* unaligned */
	hdr()->load_addr = 0x10800;
	CHECK_EQ(parse(len), XC_PAYLOAD_LOAD);                  /* 2 KiB aligned is not enough */
	hdr()->load_addr = 0x8000;
	CHECK_EQ(parse(len), XC_PAYLOAD_LOAD);                  /* on kvmlab's page tables */
	hdr()->load_addr = 0;
	CHECK_EQ(parse(len), XC_PAYLOAD_LOAD);
	hdr()->load_addr = GPA_LOAD_MIN - KVMLAB_LOAD_ALIGN;
	CHECK_EQ(parse(len), XC_PAYLOAD_LOAD);
	hdr()->load_addr = 0x200000;
	CHECK_EQ(parse(len), XC_OK);
	/* The last page below the MMIO window still holds this small file ... */
	hdr()->load_addr = (uint32_t)(GPA_MMIO_BASE - KVMLAB_LOAD_ALIGN);
	CHECK_EQ(parse(len), XC_OK);
	/* ... but no file fits at or above the window. */
	hdr()->load_addr = (uint32_t)GPA_MMIO_BASE;
	CHECK_EQ(parse(len), XC_PAYLOAD_SIZE);
	hdr()->load_addr = 0xFFFFF000u;
	CHECK_EQ(parse(len), XC_PAYLOAD_SIZE);
}

static void t_real_mode_segment_must_end_by_1mib(void)
{
	size_t len = make_payload(MODE_REAL);

	hdr()->load_addr = (uint32_t)(GPA_REAL_LIMIT - REAL_SEG_SIZE);       /* 0xF0000: ends at 1 MiB */
	CHECK_EQ(parse(len), XC_OK);
	hdr()->load_addr = (uint32_t)(GPA_REAL_LIMIT - REAL_SEG_SIZE + 0x1000);
	CHECK_EQ(parse(len), XC_PAYLOAD_LOAD);
	hdr()->load_addr = 0xF8000;                                           /* malformed/real-too-high */
	CHECK_EQ(parse(len), XC_PAYLOAD_LOAD);
	hdr()->load_addr = 0x200000;
	CHECK_EQ(parse(len), XC_PAYLOAD_LOAD);                                /* legal for long mode only */

	/* The file must fit in its 64 KiB segment. */
	hdr()->load_addr = GPA_LOAD_MIN;
	CHECK_EQ(parse(REAL_SEG_SIZE), XC_OK);
	CHECK_EQ(parse(REAL_SEG_SIZE + 1), XC_PAYLOAD_LOAD);
}

static void t_entry_must_be_inside_the_code(void)
{
	size_t len = make_payload(MODE_LONG);

	hdr()->entry = 0;
	CHECK_EQ(parse(len), XC_PAYLOAD_ENTRY);
	hdr()->entry = KVMLAB_HDR_SIZE - 1;                     /* in the header */
	CHECK_EQ(parse(len), XC_PAYLOAD_ENTRY);
	hdr()->entry = (uint32_t)len;                           /* one past the end */
	CHECK_EQ(parse(len), XC_PAYLOAD_ENTRY);
	hdr()->entry = 0xFFFFFFFFu;
	CHECK_EQ(parse(len), XC_PAYLOAD_ENTRY);
	hdr()->entry = (uint32_t)len - 1;                       /* the last byte (hlt) */
	CHECK_EQ(parse(len), XC_OK);
	hdr()->entry = KVMLAB_HDR_SIZE;                         /* first byte after the header */
	CHECK_EQ(parse(len), XC_OK);
}

static void t_first_defect_wins(void)
{
	size_t len = make_payload(MODE_LONG);

	/* Checks run in header order: magic before version before mode. */
	hdr()->abi_version = 99;
	hdr()->mode = 9;
	CHECK_EQ(parse(len), XC_PAYLOAD_VERSION);
	hdr()->magic = 0;
	CHECK_EQ(parse(len), XC_PAYLOAD_MAGIC);
}

static void t_check_fit_against_ram(void)
{
	size_t len = make_payload(MODE_LONG);
	struct payload p;
	char err[256];

	CHECK_EQ(payload_parse(buf, len, &p, err, sizeof(err)), XC_OK);
	/* The file must end inside RAM: load + size <= mem, exactly. */
	p.hdr.min_mem_kib = 0;
	CHECK_EQ(payload_check_fit(&p, GPA_LOAD_MIN + len, err, sizeof(err)), XC_OK);
	CHECK_EQ(payload_check_fit(&p, GPA_LOAD_MIN + len - 1, err, sizeof(err)), XC_PAYLOAD_SIZE);
	CHECK_CONTAINS(err, "--mem");
	/* And RAM must be at least min_mem_kib. */
	p.hdr.min_mem_kib = 1024;
	CHECK_EQ(payload_check_fit(&p, 1024 << 10, err, sizeof(err)), XC_OK);
	CHECK_EQ(payload_check_fit(&p, (1024 << 10) - 4096, err, sizeof(err)), XC_PAYLOAD_SIZE);
	CHECK_CONTAINS(err, "1024 KiB");
	p.hdr.min_mem_kib = 0xFFFFFFFFu;                        /* 4 TiB: no 32-bit overflow */
	CHECK_EQ(payload_check_fit(&p, MEM_MAX, err, sizeof(err)), XC_PAYLOAD_SIZE);
}

static void t_check_fit_real_mode_needs_the_whole_segment(void)
{
	size_t len = make_payload(MODE_REAL);
	struct payload p;
	char err[256];

	CHECK_EQ(payload_parse(buf, len, &p, err, sizeof(err)), XC_OK);
	/* Its stack is at the segment top, so RAM must reach load + 64 KiB. */
	CHECK_EQ(payload_check_fit(&p, GPA_LOAD_MIN + REAL_SEG_SIZE, err, sizeof(err)), XC_OK);
	CHECK_EQ(payload_check_fit(&p, GPA_LOAD_MIN + REAL_SEG_SIZE - 4096, err, sizeof(err)), XC_PAYLOAD_SIZE);
}

static void t_load_refuses_what_is_not_a_regular_file(void)
{
	struct payload p;
	char err[256];

	CHECK_EQ(payload_load("/nonexistent/kvmlab-unit.bin", &p, err, sizeof(err)), XC_PAYLOAD_IO);
	CHECK_CONTAINS(err, "cannot open payload");
	CHECK_EQ(payload_load("/dev/null", &p, err, sizeof(err)), XC_PAYLOAD_IO);
	CHECK_CONTAINS(err, "not a regular file");
	CHECK_EQ(payload_load("/", &p, err, sizeof(err)), XC_PAYLOAD_IO);
}

static void t_default_mem_follows_the_header_and_the_caller(void)
{
	struct payload p = { 0 };

	CHECK_EQ(payload_default_mem(&p, 0), MEM_DEFAULT);              /* nothing asked */
	p.hdr.min_mem_kib = 128;
	CHECK_EQ(payload_default_mem(&p, 0), MEM_DEFAULT);              /* less than the default */
	p.hdr.min_mem_kib = 8193;                                        /* 8 MiB + 1 KiB */
	CHECK_EQ(payload_default_mem(&p, 0), (8ULL << 20) + 4096);       /* rounded up to a page */
	CHECK_EQ(payload_default_mem(&p, 16ULL << 20), 16ULL << 20);     /* the caller needs more */
	p.hdr.min_mem_kib = UINT32_MAX;                                  /* ~4 TiB: not capped here */
	CHECK(payload_default_mem(&p, 0) > MEM_MAX);
}

const struct unit_test payload_tests[] = {
	UNIT(t_default_mem_follows_the_header_and_the_caller),
	UNIT(t_valid_header_parses),
	UNIT(t_no_description_is_fine),
	UNIT(t_shorter_than_header_is_truncated),
	UNIT(t_bad_magic),
	UNIT(t_unknown_abi_version),
	UNIT(t_wrong_hdr_size),
	UNIT(t_unknown_mode),
	UNIT(t_unknown_flags_and_reserved_must_be_zero),
	UNIT(t_name_rules),
	UNIT(t_description_rules),
	UNIT(t_load_address_rules),
	UNIT(t_real_mode_segment_must_end_by_1mib),
	UNIT(t_entry_must_be_inside_the_code),
	UNIT(t_first_defect_wins),
	UNIT(t_check_fit_against_ram),
	UNIT(t_check_fit_real_mode_needs_the_whole_segment),
	UNIT(t_load_refuses_what_is_not_a_regular_file),
	{ 0 },
};
