/*
 * vmm/cli/cli.h - the command line: the one option table (options.c) that
 * drives getopt_long, every command's --help and the man page; strict
 * option-value parsing; the one usage-error route; the setup every command
 * shares (setup.c); one entry point per subcommand (main.c dispatches to them).
 */
#ifndef KVMLAB_CLI_H
#define KVMLAB_CLI_H

#include <stdint.h>
#include <stdio.h>

/* ---- parse.c: strict parsing of option values (pure, unit-tested, fuzzed) ---- */
int  parse_u64(const char *s, uint64_t *out);             /* 0 ok, -1 bad */
int  parse_size(const char *s, uint64_t *out);            /* "4M", "256K", "1G", bytes */
int  parse_seconds(const char *s, double *out);           /* "10", "0.5" */
int  parse_mem(const char *s, uint64_t *out);             /* a size, MEM_MIN..MEM_MAX, 4 KiB multiple */
/* The one usage-error route: prints "kvmlab CMD: <message> (see kvmlab CMD --help)",
 * one line on stderr, and returns XC_USAGE.  Messages name the option. */
int  usage_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- the commands, as bits of the option table's `cmds` mask ---- */
enum cmd_id { CMD_RUN, CMD_LIST, CMD_INFO, CMD_IOBENCH, CMD_TRACE, CMD_BENCH, CMD_SENSITIVE, CMD_RESTORE, CMD_DOMXML, CMD_RECEIVE, CMD_COUNT };
#define CMD_BIT(c) (1u << (c))

/* Defaults that the help text quotes (stringified) and the code uses. */
#define RUN_TIMEOUT_DEFAULT     10
#define TRACE_TIMEOUT_DEFAULT   30
#define BENCH_TIMEOUT_DEFAULT   20
#define SENS_TIMEOUT_DEFAULT    1
#define IOB_REPEAT_DEFAULT      3
/* IOB_REPEAT_MAX: vmm/measure/measure.h (the runner sizes its results by it) */
#define IOB_PATHS_MAX           16      /* --path given at most this often */
#define BENCH_ITERS_MAX         10000000u
#define BENCH_REPEAT_MAX        10000u

/* Everything the options of any command set: one per process (main.c). */
struct cli {
	const char *cmd;                /* "run", for messages */
	enum cmd_id id;
	const char *payload;            /* run, trace: the one positional argument */
	char payload_path[4096];        /* where cli_payload found it (struct payload points here) */
	struct vm_config cfg;           /* run, trace; cfg.timeout for every command */
	bool mem_given;                 /* --mem: no default from the payload */
	bool json, csv, quiet, list;
	bool no_calibrate, sandbox_list;        /* info */
	uint8_t *uart_file;             /* --uart-input-file contents, kept for the run */
	struct trace trace;             /* trace: --max-steps, --regs, breakpoints */
	struct bench_opts bench;        /* bench: --filter, --iters, --repeat */
	uint32_t ioparam[IOPARAM_COUNT];/* iobench: --total, --chunk, --batch */
	uint64_t repeat;                /* iobench: --repeat */
	const char *paths[IOB_PATHS_MAX];       /* iobench: --path, checked by the command */
	int npaths;
	const char *only;               /* sensitive: --only */
	struct mig_snapshot snap;       /* run: --snapshot FILE, --snapshot-at-report NAME */
	struct domain_spec *domain;     /* run, domxml: --domain FILE as parsed (NULL: none) */
	int domain_rc;                  /* XC_DOMAIN_XML once --domain failed (domain_err says why) */
	char domain_err[512];
	struct mig_live migrate;        /* run: --migrate-to ADDR and its options (vmm/migrate/precopy_live.c) */
	struct mig_receive recv;        /* receive: --listen ADDR, --fail-after */
};

/* ---- domxml.c: kvmlab's subset of libvirt's domain XML (docs/domxml.md) ---- */
struct domain_spec {
	char name[64], uuid[40], machine[32];
	uint64_t mem, current;          /* <memory>, <currentMemory>: bytes */
	int vcpus;                      /* <vcpu> */
	uint64_t pin_set;               /* bit i: <vcpupin vcpu='i'> given */
	int pin[VCPUS_MAX];             /* its cpuset: one CPU */
	char kernel[4096];              /* <os><kernel>: the payload */
	char disk[4096];                /* <disk type='file'><source file=...>: --blk */
	bool serial, memballoon;        /* <serial>/<console> given, <memballoon model='virtio'/> */
	bool net;                       /* <interface type='ethernet'> with a virtio model: --net */
};
/* Parses and checks a document against the subset: 0, or -1 with err naming
 * the line and element ("line 7: <interface>: ... is not supported"); -2 with
 * err when libxml2 cannot be loaded (a host problem, not the document's). */
int  domxml_parse(const char *buf, size_t len, struct domain_spec *d, char *err, size_t errlen);
/* Writes d as a domain document that domxml_parse reads back to the same d. */
void domxml_write(FILE *f, const struct domain_spec *d);
/* cmd_domxml.c: --domain FILE into c (the options it stands for); 0, or -1 with c->domain_err set. */
int  domxml_load(struct cli *c, const char *path);

/* ---- opt_table.c: the one option table; options.c: what is built from it ---- */
enum opt_arg { ARG_NONE, ARG_NUMBER, ARG_SIZE, ARG_SECONDS, ARG_ADDR, ARG_STRING, ARG_FILE,
	       ARG_LIST, ARG_CHOICE, ARG_OPTIONAL };
struct opt_def {
	const char *name;               /* long name, without "--" */
	char short_name;                /* 0: none */
	enum opt_arg arg;
	unsigned cmds;                  /* CMD_BIT()s of the commands that take it */
	const char *metavar;            /* "SIZE"; NULL for ARG_NONE */
	const char *help;               /* one line */
	/* Stores the value into c: 0, or -1 with a message naming the option in err. */
	int (*set)(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen);
	int code;                       /* handler-specific: MEMOPT_*, IOPARAM_*, BP_* */
};
extern const struct opt_def opt_table[];
extern const int opt_count;
/* Parses argv (argv[0] = the command) into c with the table's rows for c->id and
 * sets c->payload when the command takes one.  Returns -1 to go on, XC_OK after
 * printing --help, or XC_USAGE after printing the one-line error. */
int  opt_parse(struct cli *c, int argc, char **argv);
/* Prints the option lines of command id (the table's help column) to f. */
void opt_help(FILE *f, enum cmd_id id);
/* Prints "--name METAVAR" of row o into buf (for help and the man page). */
void opt_synopsis(const struct opt_def *o, char *buf, size_t n);
/* The argument kind's name in `kvmlab --options --json`: "number", "size", ... */
const char *opt_arg_name(enum opt_arg a);
bool opt_for(const struct opt_def *o, int cmd);  /* command cmd (enum cmd_id) takes row o */
/* opt_print_table (vmm/report/lists.c) prints the table: `kvmlab --options [--json]`. */

/* ---- main.c: the command table ---- */
struct command {
	const char *name;
	int (*fn)(struct cli *c);
	const char *what;               /* one line, for kvmlab --help */
	const char *synopsis;           /* after "kvmlab NAME " */
	const char *about;              /* paragraph(s) for NAME --help and the man page */
	const char *after;              /* text after the option list, or NULL */
};
extern const struct command commands[];
extern const int command_count;
/* Prints `kvmlab NAME --help` of command id: usage line, about, options, after. */
void command_help(FILE *f, enum cmd_id id);

/* ---- manpage.c: `kvmlab --man`, the roff source of kvmlab.1 (make builds it) ---- */
void manpage_write(FILE *f);

/* ---- setup.c: the setup every command shares ---- */
/* Sets each command's defaults in c before its options are parsed. */
void cli_defaults(struct cli *c, enum cmd_id id, const char *name);
/* Installs the SIGINT/SIGTERM handlers that end runs as "interrupted"; XC_OK or
 * XC_HOST after printing why. */
int  cli_catch_stop(void);
/* XC_INTERRUPTED once SIGINT/SIGTERM arrived (a loop of runs stops there), else XC_OK. */
int  cli_interrupted(void);
/* Resolves and loads name (a file, or a catalogue name: payload_resolve), applies
 * --mem's default (the payload's minimum) and checks the fit.  XC_OK, or the
 * payload error code after printing it. */
int  cli_payload(struct cli *c, const char *name, struct payload *p);
/* Opens /dev/kvm and probes the host; XC_OK, or the error code after printing it. */
int  cli_open_kvm(struct kvm *k, struct host_info *h);
/* One run of p (run and trace): allocates it (dies if out of memory), runs it with
 * run_payload into *rc and err, with --ktrace recording around it - or one line
 * saying what is missing, and the run goes on without it; the events go into kres
 * and r->ktrace.  docs/ktrace.md.  Free with cli_run_finish. */
struct run *cli_run(struct kvm *k, const struct payload *p, struct vm_config *cfg,
		    struct ktrace_result *kres, int *rc, char *err, size_t errlen);
/* After run_payload returned rc (the report printed): prints err if rc failed, then
 * frees r, k and p.  Returns the command's exit code: the run's, or rc. */
int  cli_run_finish(int rc, struct run *r, const char *err, struct kvm *k, struct payload *p);
/* The report of a finished run, as run, restore and receive print it: the JSON
 * with --json; else the text (and the per-vCPU table with --vcpus, the
 * migration's table when mig is non-NULL) unless --quiet; with --quiet only a
 * line on stderr when the run did not end as the guest asked. */
void cli_report_run(const struct cli *c, const struct report_ctx *ctx, const struct mig_live *mig);
/* restore and receive: the guest comes from a stream.  Sets up (stop signals,
 * /dev/kvm), has load build and run it into r and p, reports, frees.  A load
 * that returns XC_USAGE is a usage error of cmd, its err after usage_prefix.
 * Returns the command's exit code. */
int  cli_run_stream(struct cli *c, const char *cmd, const char *usage_prefix,
		    int (*load)(struct cli *c, struct run *r, struct kvm *k, struct payload *p,
				char *err, size_t errlen));

/* ---- cmd_*.c: one function per subcommand ---- */
/* Each runs with the options parsed into c and returns kvmlab's exit code. */
int  cmd_run(struct cli *c);
int  cmd_restore(struct cli *c);
int  cmd_receive(struct cli *c);
int  cmd_list(struct cli *c);
int  cmd_info(struct cli *c);
int  cmd_iobench(struct cli *c);
int  cmd_bench(struct cli *c);
int  cmd_sensitive(struct cli *c);
int  cmd_trace(struct cli *c);
int  cmd_domxml(struct cli *c);

#endif
