/*
 * test_hardening_bounds.c - every guest-controlled number at its extremes.
 *
 * The guest chooses GPAs and lengths; the checks must hold for 0, for the
 * last byte of RAM, and for values where gpa + len wraps 64 bits.  No KVM:
 * guest RAM here is a heap buffer, so ASan (make asan) sees any overrun.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kvmlab.h"

#define RAM 4096

static struct guest_mem ram_new(void)
{
	struct guest_mem m = { .hva = calloc(1, RAM), .size = RAM };
	return m;
}

static void gmem_ptr_refuses_every_wrapping_range(void)
{
	struct guest_mem m = ram_new();

	CHECK(gmem_ptr(&m, 0, RAM) == m.hva);
	CHECK(gmem_ptr(&m, RAM - 1, 1) == m.hva + RAM - 1);
	CHECK(gmem_ptr(&m, RAM, 0) == NULL);            /* one past the end, even empty */
	CHECK(gmem_ptr(&m, RAM - 1, 2) == NULL);
	CHECK(gmem_ptr(&m, 1, UINT64_MAX) == NULL);     /* 1 + len wraps to 0 */
	CHECK(gmem_ptr(&m, UINT64_MAX, 1) == NULL);     /* gpa + 1 wraps to 0 */
	CHECK(gmem_ptr(&m, UINT64_MAX - 15, 16) == NULL);
	CHECK(gmem_ptr(&m, 0, UINT64_MAX) == NULL);
	struct guest_mem none = { 0 };
	CHECK(gmem_ptr(&none, 0, 0) == NULL);           /* no RAM mapped at all */
	uint8_t b[2] = { 1, 2 };
	CHECK(gmem_write(&m, RAM - 1, b, 2) == -1);
	CHECK(m.hva[RAM - 1] == 0);                     /* a refused write writes nothing */
	CHECK(gmem_write(&m, RAM - 2, b, 2) == 0);
	CHECK(gmem_read(&m, RAM - 2, b, 3) == -1);
	free(m.hva);
}

static void put_rec(struct guest_mem *m, uint64_t gpa, uint16_t kind, uint16_t len, const char *text)
{
	struct report_rec r = { .magic = REPORT_MAGIC, .kind = kind, .len = len, .value = 0x1122334455667788ULL };

	memcpy(m->hva + gpa, &r, sizeof(r));
	if (text)
		memcpy(m->hva + gpa + sizeof(r), text, strlen(text));
}

static void report_read_at_the_edges_of_ram(void)
{
	struct guest_mem m = ram_new();
	struct report_entry e;
	char err[200];

	/* A record that ends on the last byte of RAM is fine. */
	put_rec(&m, RAM - 16 - 4, REPORT_KIND_VALUE, 4, "edge");
	CHECK(report_read(&m, RAM - 20, &e, err, sizeof(err)) == 0);
	CHECK(!strcmp(e.text, "edge"));
	CHECK_EQ(e.value, 0x1122334455667788ULL);
	/* One more text byte and it does not. */
	put_rec(&m, RAM - 16 - 4, REPORT_KIND_VALUE, 5, NULL);
	CHECK(report_read(&m, RAM - 20, &e, err, sizeof(err)) == -1);
	CHECK(strstr(err, "run past the end of guest RAM") != NULL);
	/* Header straddling the end; GPAs that wrap. */
	CHECK(report_read(&m, RAM - 8, &e, err, sizeof(err)) == -1);
	CHECK(report_read(&m, UINT64_MAX - 7, &e, err, sizeof(err)) == -1);
	CHECK(report_read(&m, UINT64_MAX, &e, err, sizeof(err)) == -1);
	CHECK(strstr(err, "outside guest RAM") != NULL);
	free(m.hva);
}

static void report_read_refuses_bad_fields_before_copying_text(void)
{
	struct guest_mem m = ram_new();
	struct report_entry e;
	char err[200];

	put_rec(&m, 0, REPORT_KIND_VALUE, 1, "x");
	m.hva[0] ^= 0xFF;
	CHECK(report_read(&m, 0, &e, err, sizeof(err)) == -1 && strstr(err, "bad magic 0x545045ad"));
	put_rec(&m, 0, 0, 1, "x");
	CHECK(report_read(&m, 0, &e, err, sizeof(err)) == -1 && strstr(err, "unknown kind 0"));
	put_rec(&m, 0, REPORT_KIND_MAX + 1, 1, "x");
	CHECK(report_read(&m, 0, &e, err, sizeof(err)) == -1 && strstr(err, "unknown kind 5"));
	put_rec(&m, 0, REPORT_KIND_MSG, REPORT_TEXT_MAX + 1, NULL);
	CHECK(report_read(&m, 0, &e, err, sizeof(err)) == -1 && strstr(err, "text length 121 > 120"));
	put_rec(&m, 0, REPORT_KIND_MSG, 0xFFFF, NULL);
	CHECK(report_read(&m, 0, &e, err, sizeof(err)) == -1 && strstr(err, "text length 65535"));
	/* Zero-length text is a legal, empty name. */
	put_rec(&m, 0, REPORT_KIND_MSG, 0, NULL);
	CHECK(report_read(&m, 0, &e, err, sizeof(err)) == 0 && e.text[0] == '\0');
	/* Control and high bytes never reach a terminal or the JSON. */
	put_rec(&m, 0, REPORT_KIND_VALUE, 6, "a\033[2Jb");
	m.hva[16 + 5] = (char)0xFF;
	CHECK(report_read(&m, 0, &e, err, sizeof(err)) == 0);
	CHECK(!strcmp(e.text, "a?[2J?"));
	free(m.hva);
}

static void parse_values_at_their_limits(void)
{
	uint64_t v;
	double d;

	CHECK(parse_u64("18446744073709551615", &v) == 0 && v == UINT64_MAX);
	CHECK(parse_u64("18446744073709551616", &v) == -1);
	CHECK(parse_u64("0x", &v) == -1);
	CHECK(parse_size("16383P", &v) == -1);
	CHECK(parse_size("17179869183G", &v) == 0 && v == 17179869183ULL << 30);
	CHECK(parse_size("17179869184G", &v) == -1);    /* << 30 would overflow */
	CHECK(parse_size("4MiB", &v) == 0 && v == 4 << 20);
	CHECK(parse_seconds("86400", &d) == 0);
	CHECK(parse_seconds("86400.001", &d) == -1);
	CHECK(parse_seconds("1e-400", &d) == -1);       /* underflow: ERANGE */
	CHECK(parse_seconds(NULL, &d) == -1);
}

static void payload_parse_never_reads_past_a_short_buffer(void)
{
	struct payload p;
	char err[256];
	/* Exactly-sized heap copies: ASan flags any read beyond them. */
	for (size_t n = 0; n < KVMLAB_HDR_SIZE; n++) {
		uint8_t *b = malloc(n ? n : 1);
		memset(b, 0xFF, n);
		CHECK(payload_parse(b, n, &p, err, sizeof(err)) == XC_PAYLOAD_TRUNC);
		free(b);
	}
	/* A description that runs to the very last byte without a NUL. */
	struct payload_hdr h = {
		.magic = KVMLAB_MAGIC, .abi_version = KVMLAB_ABI_VERSION, .hdr_size = KVMLAB_HDR_SIZE,
		.mode = MODE_LONG, .load_addr = GPA_LOAD_MIN, .entry = KVMLAB_HDR_SIZE,
		.min_mem_kib = 128, .desc_offset = KVMLAB_HDR_SIZE, .name = "d",
	};
	uint8_t *b = malloc(KVMLAB_HDR_SIZE + 8);
	memcpy(b, &h, sizeof(h));
	memset(b + KVMLAB_HDR_SIZE, 'A', 8);
	CHECK(payload_parse(b, KVMLAB_HDR_SIZE + 8, &p, err, sizeof(err)) == XC_PAYLOAD_FIELD);
	b[KVMLAB_HDR_SIZE + 7] = 0;                     /* now terminated on the last byte */
	CHECK(payload_parse(b, KVMLAB_HDR_SIZE + 8, &p, err, sizeof(err)) == XC_OK);
	CHECK(!strcmp(p.desc, "AAAAAAA"));
	free(b);
}

static void payload_check_fit_with_min_mem_near_2_to_32(void)
{
	struct payload p = { .size = 100 };
	char err[256];

	p.hdr.mode = MODE_LONG;
	p.hdr.load_addr = GPA_LOAD_MIN;
	p.hdr.min_mem_kib = UINT32_MAX;                 /* << 10 must not wrap in 32 bits */
	CHECK(payload_check_fit(&p, MEM_MAX, err, sizeof(err)) == XC_PAYLOAD_SIZE);
	p.hdr.min_mem_kib = 0;
	p.hdr.load_addr = 0xFFFFF000;
	CHECK(payload_check_fit(&p, MEM_MAX, err, sizeof(err)) == XC_PAYLOAD_SIZE);
}

static void counters_keep_a_bounded_table_and_count_the_rest(void)
{
	struct access_key keys[4];
	int n = 0;
	uint64_t overflow = 0;

	for (int port = 0; port < 10; port++)
		counters_access(keys, &n, 4, &overflow, port, 1, true, false, 1);
	CHECK_EQ(n, 4);
	CHECK_EQ(overflow, 6);
	CHECK(counters_access(keys, &n, 4, &overflow, 3, 1, true, false, 5) == 0);
	CHECK_EQ(keys[3].count, 2);
	CHECK_EQ(keys[3].elems, 6);
	CHECK_EQ(hist_bucket(0), 0);
	CHECK_EQ(hist_bucket(UINT64_MAX), HIST_BUCKETS - 1);
}

const struct unit_test hardening_bounds_tests[] = {
	UNIT(gmem_ptr_refuses_every_wrapping_range),
	UNIT(report_read_at_the_edges_of_ram),
	UNIT(report_read_refuses_bad_fields_before_copying_text),
	UNIT(parse_values_at_their_limits),
	UNIT(payload_parse_never_reads_past_a_short_buffer),
	UNIT(payload_check_fit_with_min_mem_near_2_to_32),
	UNIT(counters_keep_a_bounded_table_and_count_the_rest),
	{ 0 }
};
