/*
 * end.c - how a run ends, and what kvmlab's exit code says about it.
 *
 * Two tables in core.h are the one source: END_LIST (each end kind, its
 * name in JSON, its exit code and what kind of end it is) and XC_LIST (each
 * exit code, its name and meaning).  Everything that asks "did it end
 * normally?" asks here; `kvmlab --help`, `kvmlab --exit-codes` and the
 * tests' exit-code table are generated from XC_LIST (vmm/report/lists.c).
 */
#include "kvmlab.h"

static const struct end_desc {
	const char *name;
	int xc;                         /* the exit code (END_EXIT_PORT: for status 0) */
	unsigned flags;                 /* END_BY_GUEST, END_AT_INSN, END_VCPU_ONLY, END_SILENT */
} end_table[END_KIND_COUNT] = {
#define X(kind, name, xc, flags) [END_##kind] = { name, xc, flags },
	END_LIST(X)
#undef X
};


static unsigned end_flags(enum end_kind k)
{
	return (unsigned)k < END_KIND_COUNT ? end_table[k].flags : 0;
}

const char *end_name(enum end_kind k)
{
	return (unsigned)k < END_KIND_COUNT ? end_table[k].name : "none";
}

int end_exit_code(enum end_kind k, uint32_t status)
{
	if ((unsigned)k >= END_KIND_COUNT)
		return XC_HOST;
	if (k == END_EXIT_PORT && status != 0)
		return XC_GUEST_FAIL;   /* the guest's own verdict (docs/guest-abi.md) */
	return end_table[k].xc;
}

bool end_by_guest(enum end_kind k)
{
	return end_flags(k) & END_BY_GUEST;
}

bool end_at_insn(enum end_kind k)
{
	return end_flags(k) & END_AT_INSN;
}

bool end_vcpu_only(enum end_kind k)
{
	return end_flags(k) & END_VCPU_ONLY;
}

bool end_silent(enum end_kind k)
{
	return end_flags(k) & END_SILENT;
}

bool end_ok(enum end_kind k, uint32_t status)
{
	return end_exit_code(k, status) == XC_OK;
}

/* A switch generated from XC_LIST: two rows with one code would not compile. */
const char *xc_summary(int code)
{
	switch (code) {
#define X(name, c, summary, meaning) case c: return summary;
	XC_LIST(X)
#undef X
	}
	return "?";
}
