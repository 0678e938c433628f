/*
 * vmm/report/report.h - reporting: the one streaming JSON writer, and every JSON
 * document and human summary kvmlab prints (only this layer writes JSON), the
 * exit-code and capability lists, and instruction bytes as text.
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
#define JSON_SCHEMA_VERSION 4         /* 2: exit accounting (percentiles, MSRs), bench; 3: sensitive "expected" per vendor (VMX/SVM), facts, setup; 4: one "exits" shape in every command */
#define EXIT_TIMING_METHOD "host TSC: rdtsc before the KVM_RUN ioctl, rdtsc after it returns (unfenced)"
#define PERCENTILE_METHOD "nearest rank over every round trip up to samples_max per reason, then a uniform reservoir"

#define KVMLAB_VERSION "0.1.0"
struct mig_live;
struct report_ctx {
	const struct payload *payload;
	const struct host_info *host;
	const struct kvm *kvm;
	const struct run *run;
	const struct mig_live *migration;       /* run --migrate-to, else NULL */
};
/* The whole run as one JSON document (docs/json-schema.md) on out. */
void report_json(const struct report_ctx *c, FILE *out);
/* The same run as the human summary. */
void report_text(const struct report_ctx *c, FILE *out);
/* "value", "pass", "fail", "msg" for a REPORT_KIND_*; "?" otherwise. */
const char *report_kind_name(int kind);
/* live_json.c: the run's --live samples (vmm/measure/live.c), or null. */
struct live;
void live_report_json(struct json *j, const struct live *l);
/* ktrace_report.c: the run's --ktrace result (c->run->ktrace), if any: text lines; the
 * "ktrace" JSON value (null without --ktrace). */
void ktrace_report_text(const struct report_ctx *c, FILE *out);
void ktrace_report_json(struct json *j, const struct report_ctx *c);
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
/* The value when have is true, else null (docs/json-schema.md: "or null" fields). */
void json_u64_or_null(struct json *j, bool have, uint64_t v);
void json_i64_or_null(struct json *j, bool have, int64_t v);
void json_hex_or_null(struct json *j, bool have, uint64_t v);
void json_bool_or_null(struct json *j, bool have, bool v);
void json_double_or_null(struct json *j, bool have, double v);
void json_str_or_null(struct json *j, bool have, const char *s);
/* One complete JSON value written earlier by this writer (json_capture); NULL -> null. */
void json_raw(struct json *j, const char *text);

/* ---- envelope.c: the keys every command's document starts with ---- */
/* Opens the document's object and writes schema_version, kvmlab_version and
 * command, then host when h is not NULL; the caller writes the rest and closes it. */
void json_envelope(struct json *j, const char *command, const struct host_info *h, const struct kvm *k);

/* ---- exits_json.c: the one shape of an "exits" object, in every command ---- */
struct vcpu;
struct vm;
/* The exits of one vCPU (docs/json-schema.md, "exits"): totals, by_reason with
 * round-trip statistics, ports, mmio, msrs and the in-kernel paths; vm names the
 * devices and holds the VM-wide doorbell count; tsc_khz 0 = no ns figures. */
void json_exits(struct json *j, const struct vcpu *v, const struct vm *vm, uint64_t tsc_khz);
/* The same object as a malloc'd string, for a report written after the VM is
 * gone (json_raw writes it); NULL if memory ran out.  The caller frees it. */
char *json_exits_capture(const struct vcpu *v, const struct vm *vm, uint64_t tsc_khz);

/* ---- io_report.c: the I/O devices of a run (traps/devices/iodev.c keeps them) ---- */
/* The "io" object of the run's JSON (docs/json-schema.md); null without devices. */
void iodev_json(struct json *j, const struct vm *vm);
/* One line per I/O device the guest touched, for report_text. */
void iodev_text(FILE *out, const struct vm *vm);

/* ---- migrate_report.c: a live migration's measurements (run --migrate-to) ---- */
struct mig_live;
void mig_live_json(struct json *j, const struct mig_live *l);  /* the "migration" value: null without */
void mig_live_text(const struct mig_live *l, FILE *out);       /* the table, when it began */

/* ---- smp_json.c: the "vcpus" array of the run's JSON, one entry per vCPU ---- */
void smp_json(struct json *j, const struct run *r);

/* ---- trace_json.c: the document of `kvmlab trace --json` ---- */
struct trace;
/* Opens the document: envelope, payload, max_steps, and the "steps" array the
 * steps stream into while the guest runs. */
void trace_json_begin(struct json *j, const struct payload *p, const struct host_info *h,
		      const struct kvm *k, uint64_t max_steps);
/* One step object of "steps": the pending instruction of t that has just run on v
 * (hex: its bytes; mnemonic, console, ended: NULL -> null; r, s: registers after it,
 * for "changed" with --regs). */
void trace_json_step(struct json *j, const struct trace *t, const struct vcpu *v, const char *hex,
		     const char *mnemonic, const char *console, const char *ended,
		     const struct kvm_regs *r, const struct kvm_sregs *s);
/* Closes it: the breakpoints, result, console, exits and registers of r, or
 * with r NULL (the VM could not be set up) only "error": err. */
/* Ends the trace document: the tail and "ktrace" of c's run, or "error": err when c is NULL. */
void trace_json_end(struct json *j, const struct trace *t, const struct report_ctx *c, const char *err);

/* ---- sensitive_report.c: `kvmlab sensitive` as a table or one JSON document ---- */
struct sens_catalogue;
/* The table, the probes this host predicts differently, and a legend. */
void sens_report_text(const struct sens_catalogue *c, const struct host_info *h, FILE *out);
/* The document of docs/json-schema.md, "kvmlab sensitive --json". */
void sens_report_json(const struct sens_catalogue *c, const struct host_info *h, const struct kvm *k, FILE *out);

/* ---- iobench_report.c: `kvmlab iobench` as a table or one JSON document ---- */
struct iobench;
/* The document of docs/json-schema.md, "kvmlab iobench --json". */
void iob_report_json(const struct iobench *b, const struct host_info *host, const struct kvm *k, FILE *out);
/* One row per path that ran, and what the columns mean. */
void iob_report_text(const struct iobench *b, const struct host_info *host, FILE *out);

/* ---- info_report.c: `kvmlab info` as text or one JSON document ---- */
struct calibration;
/* The document of docs/json-schema.md, "kvmlab info --json"; cb NULL: not calibrated. */
void info_report_json(const struct host_info *h, const struct kvm *k, const struct calibration *cb,
		      const struct host_facts *hf, FILE *out);
/* The same for people: host, capabilities with their use, calibration, facts. */
void info_report_text(const struct host_info *h, const struct kvm *k, const struct calibration *cb,
		      const struct host_facts *hf, FILE *out);
/* `kvmlab info --sandbox [--json]`: every thread's allowlist, rule by rule. */
void info_report_sandbox(bool json, FILE *out);

/* ---- list_json.c: the document of `kvmlab list --json` ---- */
void list_json_begin(struct json *j);           /* the envelope and the "payloads" array */
/* One payload: file is its name under the payload directory, path the whole path. */
void list_json_entry(struct json *j, const struct payload *p, const char *file, const char *path);
void list_json_end(struct json *j);             /* closes the array and the document */

/* ---- bench_report.c: `kvmlab bench` as a table, CSV or one JSON document ---- */
struct bench_header;
struct bench_result;
/* The results of n cases as a table, CSV or one JSON document (docs/json-schema.md). */
void bench_report_table(const struct bench_header *h, const struct bench_result *r, int n, FILE *out);
void bench_report_csv(const struct bench_header *h, const struct bench_result *r, int n, FILE *out);
void bench_report_json(const struct bench_header *h, const struct bench_result *r, int n, FILE *out);

/* ---- memlab_report.c: the "memory" section of a run (vmm/mem/ keeps the state) ---- */
/* The "memory" object of the run's JSON (docs/json-schema.md); null without a memlab. */
void memlab_json(struct json *j, const struct report_ctx *c);
/* The mechanism behind a guest page fault on this host, in words. */
const char *memlab_fault_mechanism(const struct host_info *h, bool emulated);
void memlab_text(FILE *out, const struct report_ctx *c);  /* the same, for report_text */

/* ---- lists.c: the lists kvmlab prints without a VM ---- */
/* Each prints one line per row, or with json one document: the envelope (no host)
 * and the rows as one array (docs/json-schema.md, "Lists"). */
/* The exit codes (XC_LIST): "  7 host error: no usable ..."; "exit_codes": [{code, name, summary, meaning}]. */
void xc_print(FILE *out, bool json);
/* The capabilities (CAP_LIST): "  NAME  required|optional  why"; "capabilities": [{name, required, why}]. */
void cap_print(FILE *out, bool json);
/* The machine table (vmm/core/machine.c): bus, range, name, in-kernel path;
 * "rows": [{name, bus, first, last, path, when}]. */
void machine_print(FILE *out, bool json);
/* The option table (vmm/cli/opt_table.c): "--name METAVAR  commands..."; "options":
 * [{name, short, arg, metavar, help, commands}]. */
void opt_print_table(FILE *out, bool json);

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
