/*
 * trace_print.c - what kvmlab trace shows: one traced instruction, or one
 * --break hit, as a text line (docs/trace.md); the JSON step object is
 * vmm/report/trace_json.c's.  trace.c decides when; this file decides how.
 */
#include <stdlib.h>
#include <string.h>

#include "kvmlab.h"

/* The mnemonic: the first word, with a rep/lock prefix kept on it. */
static void insn_mnemonic(const char *text, char *out, size_t n)
{
	const char *sp = strchr(text, ' ');
	size_t len = sp ? (size_t)(sp - text) : strlen(text);

	if (sp && (!strncmp(text, "rep", 3) || !strncmp(text, "lock", 4))) {
		const char *sp2 = strchr(sp + 1, ' ');
		len = sp2 ? (size_t)(sp2 - text) : strlen(text);
	}
	snprintf(out, n, "%.*s", (int)len, text);
}


/* Registers the step changed (RIP always does, so it is left out), as text. */
static void trace_changes(struct trace *t, const struct kvm_regs *r, const struct kvm_sregs *s)
{
	const struct kvm_regs *pr = &t->prev_regs;
	const struct kvm_sregs *ps = &t->prev_sregs;
	const char *sep = "  -> ";

#define CHG(name, now, before) \
	if ((now) != (before)) { \
		fprintf(t->out, "%s%s=0x%llx", sep, name, (unsigned long long)(now)); \
		sep = " "; \
	}
	TRACE_REG_CHANGES(CHG, r, s, pr, ps)
#undef CHG
}

/* "0f 22 c0": the bytes as a hex string; hex must hold 15 * 3 bytes. */
static void insn_hex(const uint8_t *b, int n, char *hex)
{
	size_t len = 0;

	hex[0] = '\0';
	for (int i = 0; i < n && i < 15; i++)
		len += (size_t)sprintf(hex + len, i ? " %02x" : "%02x", b[i]);
}

/* One traced instruction: the pending one, which has just run. */
void trace_emit(struct vcpu *v, struct trace *t, const struct kvm_regs *r,
		       const struct kvm_sregs *s, const char *ended)
{
	const struct trace_insn *in = &t->pending;
	char mnem[32], cons[64] = "";
	size_t nc = 0;

	t->steps++;
	insn_mnemonic(in->text, mnem, sizeof(mnem));
	/* Console bytes this instruction printed (an OUT to 0xE9 is one IO exit). */
	const struct console *con = &v->vm->con;
	for (uint64_t i = t->prev_console; i < con->total && i < con->len && nc + 4 < sizeof(cons); i++) {
		char c = con->buf[i];
		nc += (size_t)snprintf(cons + nc, sizeof(cons) - nc, c == '\n' ? "\\n" : "%c",
				       c >= 0x20 && c < 0x7f ? c : '?');
	}
	char hex[15 * 3];
	insn_hex(in->bytes, in->len, hex);
	if (t->json)
		trace_json_step(t->json, t, v, hex, in->text[0] ? mnem : NULL, nc ? cons : NULL, ended, r, s);
	if (t->out) {
		fprintf(t->out, "%6llu %-13s %04x:%-8llx %#9llx  %-24s %s", (unsigned long long)t->steps,
			in->mode, in->cs, (unsigned long long)in->rip, (unsigned long long)in->linear, hex,
			in->text[0] ? in->text : "(undecodable)");
		/* Other exits during this step: they interleave with the step exits. */
		const char *sep = "  ; exit";
		for (uint32_t i = 0; i < EXIT_REASON_MAX; i++) {
			uint64_t d = v->ctr.reason[i].count - t->prev_reason[i];
			if (i == KVM_EXIT_DEBUG || !d)
				continue;
			fprintf(t->out, "%s %s", sep, exit_reason_name(i));
			sep = ",";
		}
		if (nc)
			fprintf(t->out, " console \"%s\"", cons);
		if (ended)
			fprintf(t->out, "  ; run ended: %s", ended);
		if (t->show_regs && r && s)
			trace_changes(t, r, s);
		fputc('\n', t->out);
	}
}

void trace_record_hit(struct trace *t, int bp)
{
	struct trace_hit *h;

	if (t->nhits >= TRACE_HITS_MAX) {
		t->hits_dropped++;
		return;
	}
	if (t->nhits % 64 == 0) {
		struct trace_hit *n = realloc(t->hits, (t->nhits + 64) * sizeof(*n));
		if (!n) {
			t->hits_dropped++;
			return;
		}
		t->hits = n;
	}
	h = &t->hits[t->nhits++];
	h->bp = bp;
	h->hit = t->bp[bp].hits;
	h->after_step = t->steps;
	h->at = t->pending;
	h->regs = t->prev_regs;
	if (t->out) {
		fprintf(t->out, "-- break %d at %#llx (DR%d), hit %llu: %s\n   ", bp, (unsigned long long)h->at.linear,
			bp, (unsigned long long)h->hit, h->at.text);
#define X(f) fprintf(t->out, " %s=0x%llx", #f, (unsigned long long)h->regs.f);
		X(rax) X(rbx) X(rcx) X(rdx) X(rsi) X(rdi) X(rsp) X(rbp)
		X(r8) X(r9) X(r10) X(r11) X(r12) X(r13) X(r14) X(r15) X(rflags)
#undef X
		fputc('\n', t->out);
	}
}

