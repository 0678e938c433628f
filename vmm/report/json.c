/*
 * json.c - a small streaming JSON writer.
 *
 * Written rather than taken from a library because kvmlab's numbers are
 * unsigned 64-bit (guest values, TSC counts) and the common C libraries
 * (jansson, json-c) store integers as signed 64-bit: 0xFFFFFFFFFFFFFFFF
 * would come out as -1.  Strings are escaped per RFC 8259; in guest text
 * bytes >= 0x80 are taken as Latin-1 so that any guest output is valid
 * UTF-8 JSON; host text (paths) is UTF-8 with U+FFFD per invalid byte.
 */
#include <math.h>
#include <string.h>

#include "kvmlab.h"

static void sep(struct json *j)
{
	if (j->pending_key) {
		j->pending_key = false;
		return;
	}
	if (j->depth > 0 && j->depth <= JSON_DEPTH_MAX && j->count[j->depth - 1]++ > 0)
		fputc(',', j->out);
}

static void put_string(struct json *j, const char *s, size_t n)
{
	fputc('"', j->out);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"':  fputs("\\\"", j->out); break;
		case '\\': fputs("\\\\", j->out); break;
		case '\n': fputs("\\n", j->out); break;
		case '\r': fputs("\\r", j->out); break;
		case '\t': fputs("\\t", j->out); break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(j->out, "\\u%04x", c);
			else if (c >= 0x80)             /* Latin-1 -> two-byte UTF-8 */
				fprintf(j->out, "%c%c", 0xC0 | (c >> 6), 0x80 | (c & 0x3F));
			else
				fputc(c, j->out);
		}
	}
	fputc('"', j->out);
}

void json_str_n(struct json *j, const char *s, size_t n)
{
	sep(j);
	put_string(j, s, n);
}

void json_str(struct json *j, const char *s)
{
	if (!s) {
		json_null(j);
		return;
	}
	json_str_n(j, s, strlen(s));
}

/* Host text is meant as UTF-8 (file names on Linux almost always are):
 * valid sequences pass through, each other byte is U+FFFD (hosttext.c). */
void json_text(struct json *j, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = s ? strlen(s) : 0;

	if (!s) {
		json_null(j);
		return;
	}
	sep(j);
	fputc('"', j->out);
	for (size_t i = 0; i < n;) {
		size_t k = hosttext_utf8_len(u + i, n - i);
		if (k > 1)
			fwrite(u + i, 1, k, j->out);
		else if (k == 0)
			fputs("\\ufffd", j->out);
		else if (u[i] == '"' || u[i] == '\\')
			fprintf(j->out, "\\%c", u[i]);
		else if (u[i] < 0x20 || u[i] == 0x7f)
			fprintf(j->out, "\\u%04x", u[i]);
		else
			fputc(u[i], j->out);
		i += k ? k : 1;
	}
	fputc('"', j->out);
}

void json_key(struct json *j, const char *k)
{
	sep(j);
	put_string(j, k, strlen(k));
	fputc(':', j->out);
	j->pending_key = true;
}

static void open_(struct json *j, char c)
{
	sep(j);
	fputc(c, j->out);
	if (j->depth < JSON_DEPTH_MAX)
		j->count[j->depth] = 0;
	j->depth++;
}

static void close_(struct json *j, char c)
{
	j->depth--;
	fputc(c, j->out);
}

void json_obj(struct json *j)     { open_(j, '{'); }
void json_obj_end(struct json *j) { close_(j, '}'); }
void json_arr(struct json *j)     { open_(j, '['); }
void json_arr_end(struct json *j) { close_(j, ']'); }
void json_u64(struct json *j, uint64_t v) { sep(j); fprintf(j->out, "%llu", (unsigned long long)v); }
void json_i64(struct json *j, int64_t v)  { sep(j); fprintf(j->out, "%lld", (long long)v); }
void json_bool(struct json *j, bool v)    { sep(j); fputs(v ? "true" : "false", j->out); }
void json_null(struct json *j)            { sep(j); fputs("null", j->out); }

void json_double(struct json *j, double v)
{
	sep(j);
	if (isfinite(v)) {
		/* A float stays a float in the text: 10 s is "10.0", not the
		 * integer 10 (docs/json-schema.md marks these fields float). */
		char b[40];
		snprintf(b, sizeof(b), "%.9g", v);
		fputs(b, j->out);
		if (!strpbrk(b, ".e"))
			fputs(".0", j->out);
	} else
		fputs("null", j->out);          /* JSON has no NaN or infinity */
}

void json_hex(struct json *j, uint64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "0x%llx", (unsigned long long)v);
	json_str(j, b);
}

/* The "value if known, else null" family: one call instead of an if/else per field. */
#define OR_NULL(kind, type) \
	void json_##kind##_or_null(struct json *j, bool have, type v) \
	{ \
		if (have) \
			json_##kind(j, v); \
		else \
			json_null(j); \
	}
OR_NULL(u64, uint64_t)
OR_NULL(i64, int64_t)
OR_NULL(hex, uint64_t)
OR_NULL(bool, bool)
OR_NULL(double, double)
OR_NULL(str, const char *)
#undef OR_NULL

void json_raw(struct json *j, const char *text)
{
	if (!text) {
		json_null(j);
		return;
	}
	sep(j);
	fputs(text, j->out);
}
