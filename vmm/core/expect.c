/*
 * expect.c - the expectations table (vmm/core/expect.def) and its conditions over host facts.
 *
 * kvmlab never compares a backend name to decide what a guest should see: it asks
 * this table, whose rows each say under which facts they apply, why, and where the
 * manual or the kernel says so.  tests/expect.py parses the same file on its own
 * and evaluates the same conditions over `kvmlab info --json` facts, so the two
 * implementations check each other (tests/test_expect.py).
 */
#include <stdlib.h>
#include <string.h>

#include "kvmlab.h"

const struct expect_row expect_table[] = {
#define EXPECT(id, area, cases, expect, when, kind, reason, cite, fixed) \
	{ id, area, cases, expect, when, kind, reason, cite, fixed },
#include "expect.def"
#undef EXPECT
};
const int expect_count = sizeof(expect_table) / sizeof(expect_table[0]);

/* Is case c one of the comma-separated names in list (or list "*")? */
static bool case_in(const char *list, const char *c)
{
	size_t n = strlen(c);

	if (!strcmp(list, "*"))
		return true;
	for (const char *p = list; *p; ) {
		size_t len = strcspn(p, ",");
		if (len == n && !strncmp(p, c, n))
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

/* One atom (no spaces around it): NAME, !NAME, NAME=V, NAME!=V, NAME>=N (integer facts).
 * Unknown facts are false. */
static bool atom_holds(const struct host_facts *hf, const char *a, size_t len)
{
	char buf[128], val[FACT_VALUE_MAX];
	bool neg = false;

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, a, len);
	buf[len] = '\0';
	char *name = buf, *eq = strchr(buf, '=');
	bool ne = eq && eq > buf && eq[-1] == '!';
	bool ge = eq && eq > buf && eq[-1] == '>';
	if (!eq && name[0] == '!') {
		neg = true;
		name++;
	}
	if (eq)
		*(ne || ge ? eq - 1 : eq) = '\0';
	const struct fact *f = facts_find(hf, name);
	if (!f || !f->known)
		return false;
	if (ge) {
		char *end;
		long long n = strtoll(eq + 1, &end, 10);
		return f->type == FACT_INT && *end == '\0' && f->i >= n;
	}
	if (eq) {
		facts_value_text(f, val, sizeof(val));
		return (strcmp(val, eq + 1) == 0) != ne;
	}
	bool truthy = f->type == FACT_STR ? f->s[0] != '\0' : f->i != 0;
	return truthy != neg;
}

bool expect_when_holds(const struct host_facts *hf, const char *when)
{
	if (!strcmp(when, "*"))
		return true;
	for (const char *p = when; *p; ) {
		while (*p == ' ')
			p++;
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		while (len && p[len - 1] == ' ')
			len--;
		if (!atom_holds(hf, p, len))
			return false;
		if (!amp)
			break;
		p = amp + 1;
	}
	return true;
}

const struct expect_row *expect_lookup(const struct host_facts *hf, const char *area, const char *c,
				       const char *kind)
{
	for (int i = 0; i < expect_count; i++) {
		const struct expect_row *r = &expect_table[i];
		if (strcmp(r->area, area) || !case_in(r->cases, c))
			continue;
		if (kind && strcmp(r->kind, kind))
			continue;
		if (expect_when_holds(hf, r->when))
			return r;
	}
	return NULL;
}

void expect_warn_cpuid_cpl3(const struct host_info *h, struct kvm *k)
{
	static struct host_facts hf;    /* ~60 KiB: not on the stack */

	facts_probe(&hf, h, k);
	const struct expect_row *r = expect_lookup(&hf, "cpuid-table", "cpl3", NULL);
	if (r && !strcmp(r->expect, "host"))
		fprintf(stderr, "kvmlab: warning: --cpuid/--hide-hypervisor hold at CPL 0 only on this host: "
			"guest CPUID at CPL 3 reads the host CPU (%s)\n", r->id);
}
