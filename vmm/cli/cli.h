/*
 * vmm/cli/cli.h - the command line: strict option-value parsing, usage errors and
 * one entry point per subcommand (main.c dispatches to them).
 */
#ifndef KVMLAB_CLI_H
#define KVMLAB_CLI_H

#include <stdint.h>

/* ---- parse.c: strict parsing of option values (pure, unit-tested) ---- */
int  parse_u64(const char *s, uint64_t *out);             /* 0 ok, -1 bad */
int  parse_size(const char *s, uint64_t *out);            /* "4M", "256K", "1G", bytes */
int  parse_seconds(const char *s, double *out);           /* "10", "0.5" */
int  parse_mem(const char *s, uint64_t *out);             /* a size, MEM_MIN..MEM_MAX, 4 KiB multiple */
/* Prints "kvmlab CMD: <message> (see kvmlab CMD --help)" and returns XC_USAGE. */
int  usage_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));


/* ---- cmd_*.c: one function per subcommand ---- */
/* Each takes the arguments after the command name (argv[0] is the command)
 * and returns kvmlab's exit code (enum kvmlab_exit_code). */
int  cmd_run(int argc, char **argv);
int  cmd_list(int argc, char **argv);
int  cmd_info(int argc, char **argv);
int  cmd_iobench(int argc, char **argv);
int  cmd_bench(int argc, char **argv);
int  cmd_sensitive(int argc, char **argv);
int  cmd_trace(int argc, char **argv);

#endif
