/*
 * cmd_trace.c - `kvmlab trace PAYLOAD`: run a payload one instruction at a
 * time and print each instruction as it runs (vmm/measure/trace.c does the stepping).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvmlab.h"

#define TRACE_TIMEOUT_DEFAULT 30.0

static void trace_usage(FILE *f)
{
	fprintf(f,
		"usage: kvmlab trace PAYLOAD [options]\n\n"
		"Runs a payload like `kvmlab run`, but single-steps its vCPU with\n"
		"KVM_SET_GUEST_DEBUG: one KVM_EXIT_DEBUG per guest instruction.  Each line is\n"
		"    step  CPU mode  CS:RIP  linear address  bytes  disassembly  [; other exits]\n"
		"decoded in the mode the CPU is in at that instruction (16/32/64-bit).\n\n"
		"  --max-steps N     stop after N traced instructions (default %d; 0 = no limit;\n"
		"                    reaching it ends the run with exit code 5)\n"
		"  --start ADDR      run untraced until the guest reaches linear address ADDR,\n"
		"                    then trace (a hardware breakpoint, DR0-DR3)\n"
		"  --stop ADDR       stop tracing when the guest reaches ADDR; it runs on untraced\n"
		"  --break ADDR      hardware breakpoint: print the registers each time the guest\n"
		"                    reaches ADDR, then step over it (repeatable)\n"
		"                    --start, --stop and --break together use at most 4 (DR0-DR3)\n"
		"  --regs            after each instruction, the registers it changed\n"
		"  --mem SIZE        guest RAM (as for kvmlab run)\n"
		"  --timeout SECS    stop the guest after SECS seconds (default %.0f; 0 = never)\n"
		"  --json            one JSON document with the step list (docs/json-schema.md)\n"
		"  --verbose         log each KVM ioctl of the setup to stderr\n"
		"  --ktrace          also record KVM's own events for the run (root; docs/ktrace.md)\n"
		"  -h, --help        this text\n\n"
		"ADDR is a linear address (CS base + RIP), 0x-prefixed hex or decimal, as the\n"
		"trace prints it.  Exit codes as for kvmlab run.  Needs KVM_CAP_SET_GUEST_DEBUG.\n",
		TRACE_MAX_STEPS_DEFAULT, TRACE_TIMEOUT_DEFAULT);
}

static int trace_add_bp(struct trace *t, enum bp_role role, const char *arg)
{
	uint64_t addr;

	if (parse_u64(arg, &addr) != 0)
		return usage_fail("trace", "'%s' is not an address (0x-prefixed hex or decimal)", arg);
	if (addr >= (1ULL << 47))
		return usage_fail("trace", "address %s is not a canonical lower-half linear address", arg);
	if (t->nbp == DEBUG_BREAKPOINTS_MAX)
		return usage_fail("trace", "%s: at most 4 --start/--stop/--break addresses (DR0-DR3)", arg);
	for (int i = 0; i < t->nbp; i++)
		if (role != BP_BREAK && t->bp[i].role == role)
			return usage_fail("trace", "--%s given twice", trace_bp_role(role));
	t->bp[t->nbp++] = (struct trace_bp){ .addr = addr, .role = role };
	return XC_OK;
}

static void trace_json_regs(struct json *j, const struct run *r)
{
	if (!r->regs_valid) {
		json_null(j);
		return;
	}
	json_obj(j);
	json_key(j, "mode");   json_str(j, mode_of_sregs(&r->sregs));
	json_key(j, "rip");    json_u64(j, r->regs.rip);
	json_key(j, "rflags"); json_u64(j, r->regs.rflags);
	json_key(j, "cr0");    json_u64(j, r->sregs.cr0);
	json_key(j, "cr3");    json_u64(j, r->sregs.cr3);
	json_key(j, "cr4");    json_u64(j, r->sregs.cr4);
	json_key(j, "efer");   json_u64(j, r->sregs.efer);
	json_key(j, "cs");     json_u64(j, r->sregs.cs.selector);
	json_obj_end(j);
}

static void trace_json_tail(struct json *j, const struct trace *t, const struct run *r)
{
	const struct vcpu *v = &r->vcpu;

	json_key(j, "breakpoints");
	json_arr(j);
	for (int i = 0; i < t->nbp; i++) {
		json_obj(j);
		json_key(j, "dr");   json_i64(j, i);
		json_key(j, "role"); json_str(j, trace_bp_role(t->bp[i].role));
		json_key(j, "addr"); json_u64(j, t->bp[i].addr);
		json_key(j, "hits"); json_u64(j, t->bp[i].hits);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_key(j, "break_hits");
	json_arr(j);
	for (int i = 0; i < t->nhits; i++) {
		const struct trace_hit *h = &t->hits[i];
		json_obj(j);
		json_key(j, "dr");          json_i64(j, h->bp);
		json_key(j, "hit");         json_u64(j, h->hit);
		json_key(j, "after_step");  json_u64(j, h->after_step);
		json_key(j, "mode");        json_str(j, h->at.mode);
		json_key(j, "linear");      json_u64(j, h->at.linear);
		json_key(j, "instruction"); json_str(j, h->at.text[0] ? h->at.text : NULL);
		json_key(j, "registers");
		json_obj(j);
#define R(f) json_key(j, #f); json_u64(j, h->regs.f);
		R(rax) R(rbx) R(rcx) R(rdx) R(rsi) R(rdi) R(rsp) R(rbp) R(rip) R(rflags)
#undef R
		json_obj_end(j);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_key(j, "break_hits_dropped"); json_u64(j, t->hits_dropped);

	json_key(j, "result");
	json_obj(j);
	json_key(j, "end");         json_str(j, end_name(v->end));
	json_key(j, "exit_code");   json_i64(j, r->exit_code);
	json_key(j, "detail");      json_str(j, v->end_detail);
	json_key(j, "steps");       json_u64(j, t->steps);
	json_key(j, "debug_exits"); json_u64(j, t->debug_exits);
	json_key(j, "rip");
	if (v->end_rip_valid) json_u64(j, v->end_rip); else json_null(j);
	json_key(j, "linear_rip");
	if (v->end_rip_valid) json_u64(j, v->end_linear); else json_null(j);
	json_obj_end(j);

	json_key(j, "console");
	json_obj(j);
	json_key(j, "text");  json_str_n(j, v->vm->con.buf ? v->vm->con.buf : "", v->vm->con.len);
	json_key(j, "bytes"); json_u64(j, v->vm->con.total);
	json_obj_end(j);

	json_key(j, "exits");
	json_obj(j);
	for (uint32_t i = 0; i < EXIT_REASON_MAX; i++)
		if (v->ctr.reason[i].count) {
			json_key(j, exit_reason_name(i));
			json_u64(j, v->ctr.reason[i].count);
		}
	json_obj_end(j);
	json_key(j, "registers"); trace_json_regs(j, r);
}

int cmd_trace(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "max-steps", required_argument, NULL, 'n' },
		{ "start", required_argument, NULL, 's' },
		{ "stop", required_argument, NULL, 'e' },
		{ "break", required_argument, NULL, 'b' },
		{ "regs", no_argument, NULL, 'r' },
		{ "mem", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "ktrace", no_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct vm_config cfg = { .timeout = TRACE_TIMEOUT_DEFAULT };
	struct trace t = { .max_steps = TRACE_MAX_STEPS_DEFAULT, .over = -1 };
	bool json = false, mem_given = false;
	int c, rc;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_u64(optarg, &t.max_steps) != 0)
				return usage_fail("trace", "--max-steps: '%s' is not a non-negative integer", optarg);
			break;
		case 's': case 'e': case 'b':
			rc = trace_add_bp(&t, c == 's' ? BP_START : c == 'e' ? BP_STOP : BP_BREAK, optarg);
			if (rc != XC_OK)
				return rc;
			break;
		case 'r': t.show_regs = true; break;
		case 'K': cfg.ktrace = true; break;
		case 'm':
			if (parse_mem(optarg, &cfg.mem) != 0)
				return usage_fail("trace", "--mem %s: must be a size (4M, 256K, ...), a multiple of 4K from 128K to 3G", optarg);
			mem_given = true;
			break;
		case 't':
			if (parse_seconds(optarg, &cfg.timeout) != 0)
				return usage_fail("trace", "--timeout: '%s' is not a number of seconds (0-86400)", optarg);
			break;
		case 'j': json = true; break;
		case 'v': log_verbose = 1; cfg.verbose = true; break;
		case 'h': trace_usage(stdout); return XC_OK;
		default:
			return usage_fail("trace", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return usage_fail("trace", "%s", optind >= argc ? "no payload given" : "more than one payload given");

	char pathbuf[4096], err[512];
	struct payload p;
	rc = payload_load(payload_resolve(argv[optind], pathbuf, sizeof(pathbuf)), &p, err, sizeof(err));
	if (rc != XC_OK) {
		fprintf(stderr, "kvmlab: %s\n", err);
		return rc;
	}
	if (!mem_given) {
		cfg.mem = payload_default_mem(&p, 0);
		if (cfg.mem > MEM_MAX)
			cfg.mem = MEM_MAX;      /* payload_check_fit below names the shortfall */
	}
	rc = payload_check_fit(&p, cfg.mem, err, sizeof(err));
	struct kvm k = { .fd = -1 };
	if (rc == XC_OK)
		rc = kvm_open(&k, err, sizeof(err));
	if (rc != XC_OK) {
		fprintf(stderr, "kvmlab: %s\n", err);
		payload_free(&p);
		return rc;
	}
	struct host_info host;
	host_probe(&host);

	/* The trace is the output: console bytes are shown on the steps that print them. */
	struct json jj = { .out = stdout };
	cfg.echo_console = false;
	cfg.trace = &t;
	if (json) {
		t.json = &jj;
		json_obj(&jj);
		json_key(&jj, "schema_version"); json_i64(&jj, JSON_SCHEMA_VERSION);
		json_key(&jj, "kvmlab_version"); json_str(&jj, KVMLAB_VERSION);
		json_key(&jj, "command");        json_str(&jj, "trace");
		json_key(&jj, "payload");
		json_obj(&jj);
		json_key(&jj, "path"); json_text(&jj, p.path);
		json_key(&jj, "name"); json_str(&jj, p.name);
		json_key(&jj, "mode"); json_str(&jj, mode_name(p.hdr.mode));
		json_key(&jj, "entry"); json_u64(&jj, p.hdr.load_addr + p.hdr.entry);
		json_obj_end(&jj);
		json_key(&jj, "host"); json_host(&jj, &host, &k);
		json_key(&jj, "max_steps"); json_u64(&jj, t.max_steps);
		json_key(&jj, "steps");
		json_arr(&jj);
	} else {
		t.out = stdout;
		printf("---- kvmlab trace: %s (%s mode) on %s: one KVM_EXIT_DEBUG per instruction\n",
		       p.name, mode_name(p.hdr.mode), host.backend);
		printf("%6s %-13s %-13s %9s  %-24s %s\n", "step", "mode", "CS:RIP", "linear", "bytes", "instruction");
	}

	struct run *r = calloc(1, sizeof(*r));
	if (!r)
		die(XC_HOST, "out of memory");
	if (cfg.ktrace && ktrace_start(err, sizeof(err)) != 0) {
		fprintf(stderr, "kvmlab: --ktrace: %s; running without it\n", err);
		cfg.ktrace = false;
	}
	rc = run_payload(r, &k, &p, &cfg, err, sizeof(err));
	static struct ktrace_result kres;
	if (cfg.ktrace) {               /* read after the run, as `run --ktrace` does */
		char kerr[256];
		if (ktrace_finish(&kres, kerr, sizeof(kerr)) == 0)
			r->ktrace = &kres;
		else
			fprintf(stderr, "kvmlab: --ktrace: %s; the report has no ktrace\n", kerr);
	}
	struct report_ctx ctx = { .payload = &p, .host = &host, .kvm = &k, .run = r };
	if (json) {
		json_arr_end(&jj);
		if (rc == XC_OK) {
			trace_json_tail(&jj, &t, r);
			json_key(&jj, "ktrace"); ktrace_report_json(&jj, &ctx);    /* null without --ktrace */
		}
		else {
			json_key(&jj, "error"); json_str(&jj, err);
		}
		json_obj_end(&jj);
		fputc('\n', stdout);
	}
	if (rc == XC_OK) {
		if (!json) {
			const struct vcpu *v = &r->vcpu;
			printf("---- %llu instruction%s traced, %llu debug exits; ended: %s: %s\n",
			       (unsigned long long)t.steps, t.steps == 1 ? "" : "s",
			       (unsigned long long)t.debug_exits, end_name(v->end), v->end_detail);
			if (r->regs_valid)
				printf("final:    %s mode, CR0=0x%llx CR4=0x%llx EFER=0x%llx\n", mode_of_sregs(&r->sregs),
				       (unsigned long long)r->sregs.cr0, (unsigned long long)r->sregs.cr4,
				       (unsigned long long)r->sregs.efer);
			if (v->vm->con.len)
				printf("console:\n%.*s%s", (int)v->vm->con.len, v->vm->con.buf,
				       v->vm->con.buf[v->vm->con.len - 1] == '\n' ? "" : "\n");
			ktrace_report_text(&ctx, stdout);      /* --ktrace: the kernel's view */
		}
		rc = r->exit_code;
	} else {
		fprintf(stderr, "kvmlab: %s\n", err);
	}
	fflush(stdout);
	ktrace_result_free(&kres);
	run_teardown(r);
	free(r);
	trace_free(&t);
	kvm_close(&k);
	payload_free(&p);
	return rc;
}
