/*
 * lists.c - the lists kvmlab prints without creating a VM: its exit codes
 * (XC_LIST) and the KVM capabilities it probes (CAP_LIST), both in
 * vmm/core/core.h, the machine table (vmm/core/machine.c) and the option
 * table (vmm/cli/opt_table.c).  `kvmlab
 * --help`, `--exit-codes`, `--capabilities`, `--machine`, `--options`, the docs tables and
 * the tests all come from these.  As JSON each is one document with the
 * envelope every command's document has.
 */
#include "kvmlab.h"

/* The document around a list: envelope, then key: [ ... ]. */
static void list_begin(struct json *j, const char *command, const char *key)
{
	json_envelope(j, command, NULL, NULL);
	json_key(j, key);
	json_arr(j);
}

static void list_end(struct json *j)
{
	json_arr_end(j);
	json_obj_end(j);
	fputc('\n', j->out);
}

static const struct xc_row {
	int code;
	const char *name, *summary, *meaning;
} xc_rows[] = {
#define X(name, code, summary, meaning) { code, #name, summary, meaning },
	XC_LIST(X)
#undef X
};

void xc_print(FILE *out, bool json)
{
	struct json j = { .out = out };
	size_t n = sizeof(xc_rows) / sizeof(xc_rows[0]);

	if (!json) {
		for (size_t i = 0; i < n; i++)
			fprintf(out, "  %2d %s: %s\n", xc_rows[i].code, xc_rows[i].summary, xc_rows[i].meaning);
		return;
	}
	list_begin(&j, "exit-codes", "exit_codes");
	for (size_t i = 0; i < n; i++) {
		json_obj(&j);
		json_key(&j, "code");    json_i64(&j, xc_rows[i].code);
		json_key(&j, "name");    json_str(&j, xc_rows[i].name);
		json_key(&j, "summary"); json_str(&j, xc_rows[i].summary);
		json_key(&j, "meaning"); json_str(&j, xc_rows[i].meaning);
		json_obj_end(&j);
	}
	list_end(&j);
}

void cap_print(FILE *out, bool json)
{
	struct json j = { .out = out };

	if (!json) {
		for (int i = 0; i < CAP_COUNT; i++)
			fprintf(out, "  %-26s %-8s %s\n", cap_table[i].name,
				cap_table[i].required ? "required" : "optional", cap_table[i].why);
		return;
	}
	list_begin(&j, "capabilities", "capabilities");
	for (int i = 0; i < CAP_COUNT; i++) {
		json_obj(&j);
		json_key(&j, "name");     json_str(&j, cap_table[i].name);
		json_key(&j, "required"); json_bool(&j, cap_table[i].required);
		json_key(&j, "why");      json_str(&j, cap_table[i].why);
		json_obj_end(&j);
	}
	list_end(&j);
}

void machine_print(FILE *out, bool json)
{
	static const char *const bus_name[] = { [BUS_PIO] = "pio", [BUS_MMIO] = "mmio", [BUS_MSR] = "msr" };
	struct json j = { .out = out };
	size_t n;
	const struct machine_row *rows = machine_rows(&n);

	if (json)
		list_begin(&j, "machine", "rows");
	for (size_t i = 0; i < n; i++) {
		const struct machine_row *r = &rows[i];
		const char *path = machine_path_name(r->path);
		if (!json) {
			fprintf(out, "  %-4s 0x%08llx-0x%08llx ", bus_name[r->bus],
				(unsigned long long)r->base, (unsigned long long)(r->base + r->size - 1));
			if (path)
				fprintf(out, "%-20s %s (%s)\n", r->name, path, machine_when_name(r->when));
			else
				fprintf(out, "%s\n", r->name);
			continue;
		}
		json_obj(&j);
		json_key(&j, "name");  json_str(&j, r->name);
		json_key(&j, "bus");   json_str(&j, bus_name[r->bus]);
		json_key(&j, "first"); json_u64(&j, r->base);
		json_key(&j, "last");  json_u64(&j, r->base + r->size - 1);
		json_key(&j, "path");  json_str(&j, path);
		json_key(&j, "when");  json_str_or_null(&j, path, path ? machine_when_name(r->when) : NULL);
		json_obj_end(&j);
	}
	if (json)
		list_end(&j);
}

void opt_print_table(FILE *out, bool json)
{
	struct json jj = { .out = out }, *j = &jj;

	if (json)
		list_begin(j, "options", "options");
	for (int i = 0; i < opt_count; i++) {
		const struct opt_def *o = &opt_table[i];
		if (!json) {
			char syn[128];
			opt_synopsis(o, syn, sizeof(syn));
			fprintf(out, "%-34s", syn);
			for (int k = 0; k < command_count; k++)
				if (opt_for(o, k))
					fprintf(out, " %s", commands[k].name);
			fprintf(out, "\n");
			continue;
		}
		json_obj(j);
		json_key(j, "name");    json_str(j, o->name);
		json_key(j, "short");   json_str_or_null(j, o->short_name, o->short_name ? (char[]){ o->short_name, 0 } : NULL);
		json_key(j, "arg");     json_str(j, opt_arg_name(o->arg));
		json_key(j, "metavar"); json_str(j, o->metavar);
		json_key(j, "help");    json_str(j, o->help);
		json_key(j, "commands");
		json_arr(j);
		for (int k = 0; k < command_count; k++)
			if (opt_for(o, k))
				json_str(j, commands[k].name);
		json_arr_end(j);
		json_obj_end(j);
	}
	if (json)
		list_end(j);
}
