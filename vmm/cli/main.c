/*
 * main.c - kvmlab's command line: a subcommand and its options.
 *
 * The commands are the rows of commands.c, their options the rows of
 * opt_table.c.  main parses with the one table (opt_parse), so a command
 * function starts with its options already in struct cli.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvmlab.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: kvmlab COMMAND [options]\n\n"
		"kvmlab runs tiny guest payloads on /dev/kvm and shows what virtualization costs.\n\n"
		"commands:\n");
	for (int i = 0; i < command_count; i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].what);
	fprintf(f, "\n'kvmlab COMMAND --help' describes a command's options; man kvmlab, all of them.\n\n"
		"exit codes (kvmlab --exit-codes [--json]):\n");
	xc_print(f, false);
	fprintf(f, "\nthe machine's ports, MMIO and MSRs: kvmlab --machine [--json]\n"
		"the KVM capabilities kvmlab probes: kvmlab --capabilities [--json]\n"
		"docs: docs/guest-abi.md (writing payloads), docs/json-schema.md (--json)\n");
}

/* `kvmlab --exit-codes [--json]`, `kvmlab --capabilities [--json]`, `kvmlab --machine
 * [--json]` (vmm/report/lists.c) and `kvmlab --options [--json]` (options.c): one of
 * kvmlab's lists, as text or JSON. */
static int print_list(int argc, char **argv, void (*print)(FILE *out, bool json))
{
	bool json = argc == 3 && !strcmp(argv[2], "--json");

	if (argc > 3 || (argc == 3 && !json)) {
		fprintf(stderr, "kvmlab: %s: unknown option '%s' (it takes only --json)\n", argv[1], argv[argc - 1]);
		return XC_USAGE;
	}
	print(stdout, json);
	return XC_OK;
}

/* A report that never reached its reader is lost data, not success:
 * stdout on a full disk (/dev/full: ENOSPC) or a closed pipe is a host error. */
static int stdout_finish(int rc)
{
	errno = 0;
	bool bad = ferror(stdout);
	int e = errno;
	if (fclose(stdout) != 0) {
		bad = true;
		e = errno;
	}
	if (!bad)
		return rc;
	fprintf(stderr, "kvmlab: cannot write standard output: %s\n", e ? strerror(e) : "write error");
	return XC_HOST;
}

int main(int argc, char **argv)
{
	static struct cli cli;          /* large (struct trace, struct vm_config): not on the stack */

	if (argc < 2) {
		fprintf(stderr, "kvmlab: no command given: try kvmlab run hello-long, or kvmlab --help\n");
		return XC_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return XC_OK;
	}
	if (!strcmp(argv[1], "--exit-codes"))
		return print_list(argc, argv, xc_print);
	if (!strcmp(argv[1], "--capabilities"))
		return print_list(argc, argv, cap_print);
	if (!strcmp(argv[1], "--machine"))
		return print_list(argc, argv, machine_print);
	if (!strcmp(argv[1], "--options"))
		return print_list(argc, argv, opt_print_table);
	if (!strcmp(argv[1], "--man") && argc == 2) {   /* make's kvmlab.1 */
		manpage_write(stdout);
		return stdout_finish(XC_OK);
	}
	if (!strcmp(argv[1], "--version")) {
		printf("kvmlab %s (JSON schema %d, guest ABI %d)\n", KVMLAB_VERSION, JSON_SCHEMA_VERSION,
		       KVMLAB_ABI_VERSION);
		return XC_OK;
	}
	for (int i = 0; i < command_count; i++)
		if (!strcmp(argv[1], commands[i].name)) {
			cli_defaults(&cli, i, commands[i].name);
			int rc = opt_parse(&cli, argc - 1, argv + 1);
			if (rc < 0)
				rc = commands[i].fn(&cli);
			return stdout_finish(rc);
		}
	fprintf(stderr, "kvmlab: unknown command '%s' (try kvmlab --help)\n", argv[1]);
	return XC_USAGE;
}
