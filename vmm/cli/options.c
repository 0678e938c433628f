/*
 * options.c - the option table (opt_table.c) at work: getopt_long's array for
 * one command, the parse loop, the help lines and the table as data.
 *
 * getopt_long's val of a row is OPT_VAL_BASE + its index, so the loop finds
 * the row without a second list of codes; opterr = 0 and the leading ':' in
 * the short-option string let every error leave through usage_fail.
 */
#include <getopt.h>
#include <string.h>

#include "kvmlab.h"

#define OPT_VAL_BASE 0x100
#define OPT_HELP_COLUMN 18              /* "  --mem SIZE        guest RAM..." */

static bool row_in(const struct opt_def *o, enum cmd_id id)
{
	return o->cmds & CMD_BIT(id);
}

static bool takes_payload(enum cmd_id id)
{
	return id == CMD_RUN || id == CMD_TRACE || id == CMD_RESTORE || id == CMD_DOMXML;    /* receive: --listen */
}

/* "incomplete" only where some option of the command takes a value. */
static bool has_values(enum cmd_id id)
{
	for (int i = 0; i < opt_count; i++)
		if (row_in(&opt_table[i], id) && opt_table[i].arg != ARG_NONE)
			return true;
	return false;
}

int opt_parse(struct cli *c, int argc, char **argv)
{
	struct option lo[opt_count + 1];
	char shorts[2 * opt_count + 2];
	int n = 0, ns = 0;

	shorts[ns++] = ':';
	for (int i = 0; i < opt_count; i++) {
		const struct opt_def *o = &opt_table[i];
		if (!row_in(o, c->id))
			continue;
		int has = o->arg == ARG_NONE ? no_argument : o->arg == ARG_OPTIONAL ? optional_argument
										     : required_argument;
		lo[n++] = (struct option){ o->name, has, NULL, OPT_VAL_BASE + i };
		if (o->short_name) {
			shorts[ns++] = o->short_name;
			if (has == required_argument)
				shorts[ns++] = ':';
		}
	}
	lo[n] = (struct option){ 0 };
	shorts[ns] = '\0';

	int ch;
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		int idx = -1;
		if (ch >= OPT_VAL_BASE)
			idx = ch - OPT_VAL_BASE;
		else if (ch != '?' && ch != ':')
			for (int i = 0; i < opt_count; i++)
				if (opt_table[i].short_name == ch && row_in(&opt_table[i], c->id))
					idx = i;
		if (idx < 0)
			return usage_fail(c->cmd, "%s option '%s'", has_values(c->id) ? "unknown or incomplete" : "unknown",
					  argv[optind - 1]);
		const struct opt_def *o = &opt_table[idx];
		if (!o->set) {          /* --help: nothing runs, nothing else is printed */
			command_help(stdout, c->id);
			return XC_OK;
		}
		char err[4096 + 256];
		err[0] = '\0';
		if (o->set(c, o, optarg, err, sizeof(err)) != 0)
			return usage_fail(c->cmd, "%s", err[0] ? err : o->name);
		if (c->domain_rc) {     /* --domain: a bad document has its own exit code */
			fprintf(stderr, "kvmlab %s: --domain %s: %s\n", c->cmd, optarg, c->domain_err);
			return c->domain_rc;
		}
	}
	if (takes_payload(c->id) && c->domain && optind == argc) {
		c->payload = c->domain->kernel;         /* <os><kernel> is the payload */
	} else if (takes_payload(c->id)) {
		if (c->domain && optind == argc - 1)
			return usage_fail(c->cmd, "a PAYLOAD and --domain's <kernel> both given: give one");
		if (optind != argc - 1)
			return usage_fail(c->cmd, "%s", optind >= argc ? "no payload given" : "more than one payload given");
		c->payload = argv[optind];
	} else if (optind != argc) {
		return usage_fail(c->cmd, "unexpected argument '%s'", argv[optind]);
	}
	return -1;
}

void opt_synopsis(const struct opt_def *o, char *buf, size_t n)
{
	char sh[8] = "";

	if (o->short_name)
		snprintf(sh, sizeof(sh), "-%c, ", o->short_name);
	if (!o->metavar)
		snprintf(buf, n, "%s--%s", sh, o->name);
	else if (o->arg == ARG_OPTIONAL)
		snprintf(buf, n, "%s--%s[=%s]", sh, o->name, o->metavar);
	else
		snprintf(buf, n, "%s--%s %s", sh, o->name, o->metavar);
}

/* Help text wrapped at HELP_WIDTH columns, continuation lines under the first. */
#define HELP_WIDTH 79
static void help_wrapped(FILE *f, const char *s)
{
	int room = HELP_WIDTH - OPT_HELP_COLUMN - 3;

	while ((int)strlen(s) > room) {
		int cut = room;
		while (cut > 0 && s[cut] != ' ')
			cut--;
		if (cut == 0)
			break;          /* one long word: let it overflow */
		fprintf(f, "%.*s\n  %-*s ", cut, s, OPT_HELP_COLUMN - 1, "");
		s += cut + 1;
	}
	fprintf(f, "%s\n", s);
}

void opt_help(FILE *f, enum cmd_id id)
{
	char syn[128];

	for (int i = 0; i < opt_count; i++) {
		const struct opt_def *o = &opt_table[i];
		if (!row_in(o, id))
			continue;
		opt_synopsis(o, syn, sizeof(syn));
		if (strlen(syn) < OPT_HELP_COLUMN - 1)
			fprintf(f, "  %-*s ", OPT_HELP_COLUMN - 1, syn);
		else
			fprintf(f, "  %s\n  %-*s ", syn, OPT_HELP_COLUMN - 1, "");
		help_wrapped(f, o->help);
	}
}

const char *opt_arg_name(enum opt_arg a)
{
	static const char *const names[] = {
		[ARG_NONE] = "none", [ARG_NUMBER] = "number", [ARG_SIZE] = "size", [ARG_SECONDS] = "seconds",
		[ARG_ADDR] = "address", [ARG_STRING] = "string", [ARG_FILE] = "file", [ARG_LIST] = "list",
		[ARG_CHOICE] = "choice", [ARG_OPTIONAL] = "optional",
	};
	return (unsigned)a < sizeof(names) / sizeof(names[0]) && names[a] ? names[a] : "?";
}

bool opt_for(const struct opt_def *o, int cmd)
{
	return row_in(o, (enum cmd_id)cmd);
}
