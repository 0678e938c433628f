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
		trace_json_begin(&jj, &p, &host, &k, t.max_steps);
	} else {
		t.out = stdout;
		printf("---- kvmlab trace: %s (%s mode) on %s: one KVM_EXIT_DEBUG per instruction\n",
		       p.name, mode_name(p.hdr.mode), host.backend);
		printf("%6s %-13s %-13s %9s  %-24s %s\n", "step", "mode", "CS:RIP", "linear", "bytes", "instruction");
	}

	struct run *r = calloc(1, sizeof(*r));
	if (!r)
		die(XC_HOST, "out of memory");
	rc = run_payload(r, &k, &p, &cfg, err, sizeof(err));
	if (json)
		trace_json_end(&jj, &t, rc == XC_OK ? r : NULL, err);
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
		}
		rc = r->exit_code;
	} else {
		fprintf(stderr, "kvmlab: %s\n", err);
	}
	fflush(stdout);
	run_teardown(r);
	free(r);
	trace_free(&t);
	kvm_close(&k);
	payload_free(&p);
	return rc;
}
