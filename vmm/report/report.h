/*
 * vmm/report/report.h - reporting: the one streaming JSON writer, the run's JSON document
 * and human summary, and instruction bytes as text.
 */
#ifndef KVMLAB_REPORT_H
#define KVMLAB_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/kvm.h>

struct payload;
struct host_info;
struct kvm;
struct run;
struct json;

/* ---- report_json.c / report_text.c: one run, for machines and for people ---- */
#define JSON_SCHEMA_VERSION 3         /* 2: exit accounting (percentiles, MSRs), bench; 3: sensitive "expected" per vendor (VMX/SVM), facts, setup */
#define EXIT_TIMING_METHOD "host TSC: lfence; rdtsc before the KVM_RUN ioctl, rdtsc after it returns"
#define PERCENTILE_METHOD "nearest rank over every round trip up to samples_max per reason, then a uniform reservoir"

#define KVMLAB_VERSION "0.1.0"
struct report_ctx {
	const struct payload *payload;
	const struct host_info *host;
	const struct kvm *kvm;
	const struct run *run;
};
/* The whole run as one JSON document (docs/json-schema.md) on out. */
void report_json(const struct report_ctx *c, FILE *out);
/* The same run as the human summary. */
void report_text(const struct report_ctx *c, FILE *out);
/* The "host" object every command's JSON carries: backend, paging, capabilities. */
void json_host(struct json *j, const struct host_info *h, const struct kvm *k);


/* ---- disasm.c: instruction bytes to text (libcapstone) ---- */
/* Decodes one instruction for a 16/32/64-bit CPU; returns its length or -1. */
/* Loads libcapstone once (dlopen); false if it cannot be loaded (disasm_one then fails). */
bool disasm_load(void);
int  disasm_one(const uint8_t *bytes, size_t n, int bits, uint64_t addr, char *out, size_t outlen);
int  sregs_bits(const struct kvm_sregs *s);     /* 16, 32 or 64: the current code size */


/* ---- json.c: a streaming JSON writer with unsigned 64-bit numbers ---- */
#define JSON_DEPTH_MAX 16
struct json {
	FILE *out;
	int depth;
	int count[JSON_DEPTH_MAX];      /* members written at each level */
	bool pending_key;
};
/* Each call writes one token and the comma or indentation before it; the
 * caller nests objects and arrays (at most JSON_DEPTH_MAX deep). */
void json_obj(struct json *j);                          /* { */
void json_obj_end(struct json *j);                      /* } */
void json_arr(struct json *j);                          /* [ */
void json_arr_end(struct json *j);                      /* ] */
void json_key(struct json *j, const char *k);           /* "k": the next call writes its value */
void json_str(struct json *j, const char *s);           /* NULL -> null */
void json_str_n(struct json *j, const char *s, size_t n); /* n bytes, escaped */
void json_text(struct json *j, const char *s);          /* host text (a path): UTF-8, U+FFFD per bad byte */
void json_u64(struct json *j, uint64_t v);               /* exact, all 64 bits */
void json_i64(struct json *j, int64_t v);
void json_hex(struct json *j, uint64_t v);               /* "0x..." string */
void json_double(struct json *j, double v);             /* null if not finite */
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* ---- facts_json.c: `kvmlab info --json` "facts" and "expectations" ---- */
void facts_json(struct json *j, const struct host_facts *hf);
void expect_json(struct json *j, const struct expect_row *r);           /* NULL -> null */
/* Every (area, case) expect.def names, resolved on this host: {"area/case": row}. */
void expect_json_resolved(struct json *j, const struct host_facts *hf);
/* ---- hosttext.c: file names and paths shown safely (terminal, JSON) ---- */
/* Length of the valid UTF-8 sequence at s (RFC 3629), or 0 if s[0] starts none. */
size_t hosttext_utf8_len(const unsigned char *s, size_t n);
/* Writes str to f: printable ASCII and UTF-8 as is, controls and bad bytes as \xNN. */
void   hosttext_fput(const char *str, FILE *f);

#endif
