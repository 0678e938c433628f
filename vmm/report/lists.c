/*
 * lists.c - the lists kvmlab prints without creating a VM: its exit codes
 * (XC_LIST) and the KVM capabilities it probes (CAP_LIST), both in
 * vmm/core/core.h.  `kvmlab --help`, `kvmlab --exit-codes`, `kvmlab
 * --capabilities`, the docs tables and the tests all come from these two.
 */
#include "kvmlab.h"

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
	json_arr(&j);
	for (size_t i = 0; i < n; i++) {
		json_obj(&j);
		json_key(&j, "code");    json_i64(&j, xc_rows[i].code);
		json_key(&j, "name");    json_str(&j, xc_rows[i].name);
		json_key(&j, "summary"); json_str(&j, xc_rows[i].summary);
		json_key(&j, "meaning"); json_str(&j, xc_rows[i].meaning);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	fputc('\n', out);
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
	json_arr(&j);
	for (int i = 0; i < CAP_COUNT; i++) {
		json_obj(&j);
		json_key(&j, "name");     json_str(&j, cap_table[i].name);
		json_key(&j, "required"); json_bool(&j, cap_table[i].required);
		json_key(&j, "why");      json_str(&j, cap_table[i].why);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	fputc('\n', out);
}
