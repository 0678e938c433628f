/*
 * test_json.c - vmm/report/json.c: the streaming writer produces valid JSON
 * (RFC 8259): commas only between members, strings escaped, and unsigned
 * 64-bit numbers printed exactly.
 */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"

/* A writer on a memory stream; mj_text() closes it and returns the text. */
struct mem_json {
	struct json j;
	char *buf;
	size_t len;
};

static void mj_open(struct mem_json *m)
{
	memset(m, 0, sizeof(*m));
	m->j.out = open_memstream(&m->buf, &m->len);
}

static char *mj_text(struct mem_json *m)
{
	fclose(m->j.out);
	return m->buf;
}

static void t_empty_containers(void)
{
	struct mem_json m;

	mj_open(&m);
	json_obj(&m.j);
	json_key(&m.j, "a"); json_arr(&m.j); json_arr_end(&m.j);
	json_key(&m.j, "o"); json_obj(&m.j); json_obj_end(&m.j);
	json_obj_end(&m.j);
	char *t = mj_text(&m);
	CHECK_STR(t, "{\"a\":[],\"o\":{}}");
	free(t);
}

static void t_nested_commas(void)
{
	struct mem_json m;

	mj_open(&m);
	json_obj(&m.j);
	json_key(&m.j, "n"); json_u64(&m.j, 1);
	json_key(&m.j, "list");
	json_arr(&m.j);
	json_u64(&m.j, 1);
	json_obj(&m.j); json_key(&m.j, "x"); json_bool(&m.j, true); json_key(&m.j, "y"); json_null(&m.j);
	json_obj_end(&m.j);
	json_arr(&m.j); json_arr_end(&m.j);
	json_str(&m.j, "s");
	json_arr_end(&m.j);
	json_key(&m.j, "after"); json_bool(&m.j, false);
	json_obj_end(&m.j);
	char *t = mj_text(&m);
	CHECK_STR(t, "{\"n\":1,\"list\":[1,{\"x\":true,\"y\":null},[],\"s\"],\"after\":false}");
	free(t);
}

static void t_numbers(void)
{
	struct mem_json m;

	mj_open(&m);
	json_arr(&m.j);
	json_u64(&m.j, 0);
	json_u64(&m.j, UINT64_MAX);                             /* not -1, not 1.8e19 */
	json_i64(&m.j, -5);
	json_i64(&m.j, INT64_MIN);
	json_hex(&m.j, 0xE9);
	json_hex(&m.j, UINT64_MAX);
	json_double(&m.j, 0.5);
	json_double(&m.j, 10.0);                                /* a float even when whole */
	json_double(&m.j, 1e20);
	json_double(&m.j, 1.0 / 0.0);                           /* JSON has no infinity */
	json_double(&m.j, 0.0 / 0.0);                           /* nor NaN */
	json_arr_end(&m.j);
	char *t = mj_text(&m);
	CHECK_STR(t, "[0,18446744073709551615,-5,-9223372036854775808,\"0xe9\",\"0xffffffffffffffff\",0.5,10.0,1e+20,null,null]");
	free(t);
}

static void t_string_escapes(void)
{
	struct mem_json m;

	mj_open(&m);
	json_arr(&m.j);
	json_str(&m.j, "say \"hi\"\\");
	json_str(&m.j, "a\nb\rc\td");
	json_str(&m.j, "\x01\x1f\x7f");
	json_str(&m.j, NULL);
	json_str(&m.j, "");
	json_arr_end(&m.j);
	char *t = mj_text(&m);
	CHECK_STR(t, "[\"say \\\"hi\\\"\\\\\",\"a\\nb\\rc\\td\",\"\\u0001\\u001f\\u007f\",null,\"\"]");
	free(t);
}

static void t_high_bytes_become_utf8(void)
{
	struct mem_json m;

	/* Guest bytes are taken as Latin-1: 0xE9 is e-acute, U+00E9 = C3 A9. */
	mj_open(&m);
	json_str_n(&m.j, "\xe9\x80\xff", 3);
	char *t = mj_text(&m);
	CHECK_STR(t, "\"\xc3\xa9\xc2\x80\xc3\xbf\"");
	free(t);
}

static void t_host_text_is_utf8_with_replacement(void)
{
	struct mem_json m;

	/* Paths: valid UTF-8 kept (e-acute, CJK, U+1F600); a lone 0xFF, a cut
	 * sequence, an overlong (C0 AF), a surrogate (ED A0 80) and a code point
	 * above U+10FFFF (F4 90 80 80) are one U+FFFD per byte. */
	mj_open(&m);
	json_text(&m.j, "\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80|\xff|\xc3|\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\"\x1b");
	char *t = mj_text(&m);
	CHECK_STR(t, "\"\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80|\\ufffd|\\ufffd|\\ufffd\\ufffd|"
		  "\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd\\ufffd|\\\"\\u001b\"");
	free(t);
	CHECK_EQ(hosttext_utf8_len((const unsigned char *)"\xf4\x8f\xbf\xbf", 4), 4);  /* U+10FFFF */
	CHECK_EQ(hosttext_utf8_len((const unsigned char *)"\xe4\xb8", 2), 0);           /* cut short */
}

static void t_str_n_keeps_nul_bytes(void)
{
	struct mem_json m;

	/* Console text may contain NULs: str_n writes exactly n bytes. */
	mj_open(&m);
	json_str_n(&m.j, "a\0b", 3);
	char *t = mj_text(&m);
	CHECK_STR(t, "\"a\\u0000b\"");
	free(t);
}

static void t_keys_are_escaped(void)
{
	struct mem_json m;

	mj_open(&m);
	json_obj(&m.j);
	json_key(&m.j, "q\"k"); json_u64(&m.j, 1);
	json_obj_end(&m.j);
	char *t = mj_text(&m);
	CHECK_STR(t, "{\"q\\\"k\":1}");
	free(t);
}

const struct unit_test json_tests[] = {
	UNIT(t_empty_containers),
	UNIT(t_nested_commas),
	UNIT(t_numbers),
	UNIT(t_string_escapes),
	UNIT(t_high_bytes_become_utf8),
	UNIT(t_host_text_is_utf8_with_replacement),
	UNIT(t_str_n_keeps_nul_bytes),
	UNIT(t_keys_are_escaped),
	{ 0 },
};
