/*
 * opt_table.c - every option of every command, in one table.
 *
 * A row is an option: its names, the kind of its argument, the commands that
 * take it (a bitmask), its metavar and one line of help.  getopt_long's arrays,
 * each command's --help, the man page (kvmlab --man) and the docs' option lists
 * (checked by tests/test_cli_options.py) all come from here.  Two rows may share
 * a name when they mean different things to different commands (--timeout,
 * --repeat, --sandbox); a command sees at most one row per name.
 *
 * The handlers below only store: the values are parsed by parse.c,
 * memopts.c, cpuid.c, cpulist.c, ioparam.c (the fuzzed parsers: tests/fuzz/).
 */
#include <string.h>

#include "kvmlab.h"

#define STR_(x) #x
#define STR(x)  STR_(x)

#define RUN   CMD_BIT(CMD_RUN)
#define TRACE CMD_BIT(CMD_TRACE)
#define RESTORE CMD_BIT(CMD_RESTORE)
#define DOMX  CMD_BIT(CMD_DOMXML)
#define RECEIVE CMD_BIT(CMD_RECEIVE)
#define ALL   ((1u << CMD_COUNT) - 1)

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

/* A flag: the row's code says which bool of struct cli it sets. */
enum { F_JSON, F_CSV, F_LIST, F_QUIET, F_VERBOSE, F_SANDBOX, F_SANDBOX_LIST, F_NO_CAL,
       F_COALESCED, F_HIDE_HV, F_REGS, F_KTRACE, F_NET, F_KSM };

static int set_flag(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen)
{
	(void)arg; (void)err; (void)errlen;
	switch (o->code) {
	case F_JSON:        c->json = true; break;
	case F_CSV:         c->csv = true; break;
	case F_LIST:        c->list = true; break;
	case F_QUIET:       c->quiet = true; break;
	case F_VERBOSE:     log_verbose = 1; c->cfg.verbose = true; break;
	case F_SANDBOX:     c->cfg.sandbox = true; break;
	case F_SANDBOX_LIST: c->sandbox_list = true; break;
	case F_NO_CAL:      c->no_calibrate = true; break;
	case F_COALESCED:   c->cfg.io.coalesced = true; break;
	case F_HIDE_HV:     c->cfg.cpuid.hide_hypervisor = true; break;
	case F_REGS:        c->trace.show_regs = true; break;
	case F_KTRACE:      c->cfg.ktrace = c->bench.ktrace = true; break;
	case F_NET:         c->cfg.io.net = true; break;
	case F_KSM:         c->cfg.memcfg.ksm = true; break;
	}
	return 0;
}

static int set_mem(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen)
{
	(void)o;
	if (parse_mem(arg, &c->cfg.mem) != 0)
		FAIL("--mem %s: must be a size (4M, 256K, ...), a multiple of 4K from 128K to 3G", arg);
	c->mem_given = true;
	return 0;
}

/* code 1: the command needs a positive timeout (bench, sensitive). */
static int set_timeout(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen)
{
	if (parse_seconds(arg, &c->cfg.timeout) != 0 || (o->code && c->cfg.timeout <= 0))
		FAIL(o->code ? "--timeout: '%s' is not a positive number of seconds"
			     : "--timeout: '%s' is not a number of seconds (0-86400)", arg);
	return 0;
}

static int set_live(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen)
{
	(void)o;
	if (parse_seconds(arg, &c->cfg.live) != 0 || c->cfg.live < 0.01)
		FAIL("--live: '%s' is not a number of seconds from 0.01 to 86400", arg);
	return 0;
}

static int set_u64(const char *name, const char *arg, uint64_t *out, char *err, size_t errlen)
{
	if (parse_u64(arg, out) != 0)
		FAIL("--%s: '%s' is not a non-negative integer", name, arg);
	return 0;
}

static int set_max_exits(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen)
{
	return set_u64(o->name, arg, &c->cfg.max_exits, err, errlen);
}

static int set_entry_arg(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen)
{
	return set_u64(o->name, arg, &c->cfg.entry_arg, err, errlen);
}

static int set_max_steps(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen)
{
	return set_u64(o->name, arg, &c->trace.max_steps, err, errlen);
}

static int set_msr_exit(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen)
{
	uint64_t idx;

	(void)o;
	if (parse_u64(arg, &idx) != 0 || idx > 0xFFFFFFFFULL)
		FAIL("--msr-exit: '%s' is not a 32-bit MSR index (e.g. 0x10)", arg);
	if (c->cfg.nmsr_exit >= MSR_EXIT_MAX)
		FAIL("--msr-exit %s: at most %d MSRs per run", arg, MSR_EXIT_MAX);
	c->cfg.msr_exit[c->cfg.nmsr_exit++] = (uint32_t)idx;
	return 0;
}

static int set_console_limit(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen)
{
	(void)o;
	if (parse_size(arg, &c->cfg.console_limit) != 0 || c->cfg.console_limit == 0)
		FAIL("--console-limit: '%s' is not a positive size (e.g. 64K, 1M)", arg);
	return 0;
}

static int set_uart_input(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen)
{
	(void)o; (void)err; (void)errlen;
	c->cfg.io.uart_input = (const uint8_t *)arg;
	c->cfg.io.uart_input_len = strlen(arg);
	return 0;
}

static int set_uart_file(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen)
{
	char ferr[4096 + 128];          /* the error names the path (PATH_MAX) */

	(void)o;
	if (uart_input_load(arg, &c->uart_file, &c->cfg.io.uart_input_len, ferr, sizeof(ferr)) != 0)
		FAIL("--uart-input-file: %s", ferr);
	c->cfg.io.uart_input = c->uart_file;
	return 0;
}

static int set_notify(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen)
{
	(void)o;
	if ((c->cfg.io.notify = io_notify_parse(arg)) < 0)
		FAIL("--virtio-notify: '%s' is not exit, ioeventfd or poll", arg);
	return 0;
}

/* The interrupt model (vmm/core/irqchip.c), overriding the payload header's. */
static int set_irqchip(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen)
{
	(void)o;
	if (irqchip_parse(arg, &c->cfg.irqchip) != 0)
		FAIL("--irqchip: '%s' is not none, kernel or split", arg);
	c->cfg.irqchip_forced = true;
	return 0;
}

static int set_blk(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen)
{
	(void)o;
	if (c->cfg.io.vhost_blk)
		FAIL("--blk and --vhost-user-blk both want the one block device");
	c->cfg.io.blk_path = arg;
	return 0;
}

/* The block device served by a vhost-user back-end: guest RAM must be shareable. */
static int set_vhost_blk(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen)
{
	(void)o;
	if (c->cfg.io.blk_path)
		FAIL("--blk and --vhost-user-blk both want the one block device");
	c->cfg.io.vhost_blk = arg;
	if (c->cfg.memcfg.backing == BACKING_ANON)
		c->cfg.memcfg.backing = BACKING_MEMFD;  /* the back-end maps guest RAM (SET_MEM_TABLE) */
	return 0;
}

static int set_blk_size(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen)
{
	(void)o;
	if (parse_size(arg, &c->cfg.io.blk_size) != 0 || c->cfg.io.blk_size % 512 ||
	    c->cfg.io.blk_size > (1ULL << 40))
		FAIL("--blk-size: '%s' is not a multiple of 512 up to 1T", arg);
	return 0;
}

/* --domain FILE: a libvirt domain document standing for these options (vmm/cli/cmd_domxml.c).
 * Its errors have their own exit code, so they are kept for the command to report. */
static int set_domain(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen)
{
	(void)o; (void)err; (void)errlen;
	domxml_load(c, arg);
	return 0;
}

/* --balloon PAGES: the balloon's first target; --balloon-deflate PAGES: the second (docs/io.md). */
static int set_balloon(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen)
{
	uint64_t n;

	if (parse_u64(arg, &n) != 0 || n > 0xFFFFFFFFULL)
		FAIL("--%s: '%s' is not a page count (0 to 2^32-1)", o->name, arg);
	if (o->code) {
		c->cfg.io.balloon_deflate_on = true;
		c->cfg.io.balloon_deflate = (uint32_t)n;
	} else {
		c->cfg.io.balloon = true;
		c->cfg.io.balloon_pages = (uint32_t)n;
	}
	return 0;
}

/* run's --io-* fill the VM's I/O parameters, iobench's --total/... its workload. */
static int set_ioparam(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen)
{
	uint32_t *param = c->id == CMD_IOBENCH ? c->ioparam : c->cfg.io.param;

	if (io_param_parse(o->code, arg, param) != 0)
		FAIL("--%s: '%s' is out of range (docs/io.md)", o->name, arg);
	return 0;
}

static int set_vcpus(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen)
{
	uint64_t n;

	(void)o;
	if (parse_u64(arg, &n) != 0 || n < 1 || n > VCPUS_MAX)
		FAIL("--vcpus %s: must be 1 to %d", arg, VCPUS_MAX);
	c->cfg.vcpus = (int)n;
	return 0;
}

static int set_pin(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen)
{
	(void)o;
	c->cfg.npin = cpulist_parse(arg, c->cfg.pin, VCPUS_MAX);
	if (c->cfg.npin < 0)
		FAIL("--pin: '%s' is not a list of CPU numbers like 0,1", arg);
	return 0;
}

static int set_memopt(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen)
{
	return memopts_parse(o->code, arg, &c->cfg.memcfg, err, errlen);
}

static int set_cpuid(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen)
{
	struct cpuid_override ov;

	(void)o;
	if (cpuid_parse_override(arg, &ov, err, errlen) != 0 ||
	    cpuid_config_add(&c->cfg.cpuid, &ov, err, errlen) != 0)
		return -1;
	return 0;
}

/* --start/--stop/--break: a hardware breakpoint (DR0-DR3, SDM vol. 3B 18.2). */
static int set_bp(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen)
{
	struct trace *t = &c->trace;
	enum bp_role role = o->code;
	uint64_t addr;

	if (parse_u64(arg, &addr) != 0)
		FAIL("--%s: '%s' is not an address (0x-prefixed hex or decimal)", o->name, arg);
	if (addr >= (1ULL << 47))
		FAIL("--%s: address %s is not a canonical lower-half linear address", o->name, arg);
	if (t->nbp == DEBUG_BREAKPOINTS_MAX)
		FAIL("--%s %s: at most 4 --start/--stop/--break addresses (DR0-DR3)", o->name, arg);
	for (int i = 0; i < t->nbp; i++)
		if (role != BP_BREAK && t->bp[i].role == role)
			FAIL("--%s given twice", trace_bp_role(role));
	t->bp[t->nbp++] = (struct trace_bp){ .addr = addr, .role = role };
	return 0;
}

static int set_filter(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen)
{
	(void)o; (void)err; (void)errlen;
	c->bench.filter = arg;
	return 0;
}

static int set_count(const char *name, const char *arg, uint64_t max, uint64_t *out, char *err, size_t errlen)
{
	uint64_t v;

	if (parse_u64(arg, &v) != 0 || v == 0 || v > max)
		FAIL("--%s: '%s' is not an integer from 1 to %llu", name, arg, (unsigned long long)max);
	*out = v;
	return 0;
}

static int set_iters(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen)
{
	uint64_t v;
	if (set_count(o->name, arg, BENCH_ITERS_MAX, &v, err, errlen) != 0)
		return -1;
	c->bench.iters = (uint32_t)v;
	return 0;
}

/* code CMD_BENCH or CMD_IOBENCH: the two commands' --repeat differ in range. */
static int set_repeat(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen)
{
	uint64_t v;
	if (set_count(o->name, arg, o->code == CMD_BENCH ? BENCH_REPEAT_MAX : IOB_REPEAT_MAX, &v, err, errlen) != 0)
		return -1;
	if (o->code == CMD_BENCH)
		c->bench.repeat = (uint32_t)v;
	else
		c->repeat = v;
	return 0;
}

static int set_path(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen)
{
	(void)o;
	if (c->npaths == IOB_PATHS_MAX)
		FAIL("--path %s: at most %d paths", arg, IOB_PATHS_MAX);
	c->paths[c->npaths++] = arg;
	return 0;
}

static int set_only(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen)
{
	(void)o; (void)err; (void)errlen;
	c->only = arg;
	return 0;
}

static int set_snapshot(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen)
{
	if (!*arg)
		FAIL("--%s: empty", o->name);
	if (o->code)
		c->snap.at = arg;
	else
		c->snap.file = arg;
	return 0;
}

enum { MIGOPT_TO, MIGOPT_AFTER, MIGOPT_AT, MIGOPT_BW, MIGOPT_DOWNTIME, MIGOPT_ROUNDS, MIGOPT_AUTO, MIGOPT_MODE };

static int set_migrate(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen)
{
	struct mig_live *l = &c->migrate;
	uint64_t n;

	switch (o->code) {
	case MIGOPT_TO:
		if (!*arg)
			FAIL("--migrate-to: empty");
		l->to = arg;
		return 0;
	case MIGOPT_AFTER:
		if (parse_seconds(arg, &l->after) != 0)
			FAIL("--migrate-after: '%s' is not a number of seconds", arg);
		return 0;
	case MIGOPT_AT:
		if (!*arg)
			FAIL("--migrate-at-report: empty");
		l->at = arg;
		return 0;
	case MIGOPT_AUTO:
		l->auto_converge = true;
		return 0;
	case MIGOPT_MODE:
		if (strcmp(arg, "precopy") && strcmp(arg, "postcopy"))
			FAIL("--migrate-mode: '%s' is not precopy or postcopy", arg);
		l->postcopy = !strcmp(arg, "postcopy");
		return 0;
	}
	if (parse_u64(arg, &n) != 0)
		FAIL("--%s: '%s' is not a non-negative integer", o->name, arg);
	if (o->code == MIGOPT_BW)
		l->bandwidth = (double)n;
	else if (o->code == MIGOPT_DOWNTIME)
		l->max_downtime_ms = (double)n;
	else if (n < 1 || n > LIVE_ROUNDS_MAX)
		FAIL("--migrate-max-rounds: %s is not 1..%d", arg, LIVE_ROUNDS_MAX);
	else
		l->max_rounds = (int)n;
	return 0;
}

static int set_recv(struct cli *c, const struct opt_def *o, const char *arg, char *err, size_t errlen)
{
	if (o->code == 0) {
		if (!*arg)
			FAIL("--listen: empty");
		c->recv.listen = arg;
		return 0;
	}
	if (parse_size(arg, &c->recv.fail_after) != 0 || c->recv.fail_after == 0)
		FAIL("--fail-after: '%s' is not a positive size", arg);
	return 0;
}

#define IOB   CMD_BIT(CMD_IOBENCH)
#define BENCH CMD_BIT(CMD_BENCH)
#define SENS  CMD_BIT(CMD_SENSITIVE)
#define INFO  CMD_BIT(CMD_INFO)

/* name, short, argument, commands, metavar, help, handler, code */
const struct opt_def opt_table[] = {
	{ "help", 'h', ARG_NONE, ALL, NULL, "print this help and exit", NULL, 0 },
	{ "json", 0, ARG_NONE, ALL, NULL, "print one JSON document instead of text (docs/json-schema.md)", set_flag, F_JSON },
	/* the VM: run and trace */
	{ "mem", 0, ARG_SIZE, RUN | TRACE | DOMX, "SIZE", "guest RAM, 128K to 3G, a multiple of 4K (default: 4M or the payload's minimum)", set_mem, 0 },
	{ "timeout", 0, ARG_SECONDS, RUN | TRACE | RESTORE | RECEIVE, "SECS", "stop the guest after SECS seconds (default: run " STR(RUN_TIMEOUT_DEFAULT) ", trace " STR(TRACE_TIMEOUT_DEFAULT) "; 0 = never)", set_timeout, 0 },
	{ "verbose", 0, ARG_NONE, RUN | TRACE, NULL, "log each KVM ioctl of the setup to stderr", set_flag, F_VERBOSE },
	{ "quiet", 0, ARG_NONE, RUN | RESTORE | RECEIVE, NULL, "print the guest's console output only, no summary", set_flag, F_QUIET },
	{ "max-exits", 0, ARG_NUMBER, RUN | RESTORE | RECEIVE, "N", "stop after N exits to kvmlab (default 0 = no limit)", set_max_exits, 0 },
	{ "console-limit", 0, ARG_SIZE, RUN, "BYTES", "accept at most BYTES of guest console output (default 1M); the rest is counted as dropped", set_console_limit, 0 },
	{ "sandbox", 0, ARG_NONE, RUN, NULL, "confine the vCPU thread with a seccomp allowlist before the first KVM_RUN (docs/security.md)", set_flag, F_SANDBOX },
	{ "arg", 0, ARG_NUMBER, RUN, "N", "start the guest with RBX = N, the payload's parameter (default 0)", set_entry_arg, 0 },
	{ "vcpus", 0, ARG_NUMBER, RUN | DOMX, "N", "N vCPUs (1-" STR(VCPUS_MAX) "), one thread each; all start at the entry with RDI = index", set_vcpus, 0 },
	{ "pin", 0, ARG_LIST, RUN | DOMX, "CPU,...", "pin vCPU i's thread to host CPU i of the list (sched_setaffinity)", set_pin, 0 },
	{ "msr-exit", 0, ARG_NUMBER, RUN, "INDEX", "send rdmsr/wrmsr of MSR INDEX to kvmlab through KVM's MSR filter (repeatable, up to " STR(MSR_EXIT_MAX) ")", set_msr_exit, 0 },
	{ "cpuid", 0, ARG_STRING, RUN, "LEAF[.SUBLEAF]:REG=VALUE", "make the guest's CPUID return VALUE in REG (eax..edx) for LEAF (repeatable)", set_cpuid, 0 },
	{ "irqchip", 0, ARG_CHOICE, RUN, "none|kernel|split", "the interrupt model, overriding the payload header's: no controller, KVM's PIC+IOAPIC+LAPIC, or only the LAPIC in KVM", set_irqchip, 0 },
	{ "hide-hypervisor", 0, ARG_NONE, RUN, NULL, "clear CPUID.1:ECX[31] and drop the leaves 0x40000000-0x4FFFFFFF (before any --cpuid)", set_flag, F_HIDE_HV },
	{ "live", 0, ARG_SECONDS, RUN, "SECS", "every SECS seconds while the guest runs, print KVM's per-vCPU counters as rates on stderr, as kvm_stat does (docs/ktrace.md)", set_live, 0 },
	{ "ktrace", 0, ARG_NONE, RUN | TRACE | BENCH | SENS, NULL, "record KVM's own tracepoints for the vCPU threads and show each KVM_RUN from the kernel's side (root; docs/ktrace.md)", set_flag, F_KTRACE },
	/* I/O devices: docs/io.md */
	{ "uart-input", 0, ARG_STRING, RUN, "STR", "bytes the COM1 UART delivers to the guest", set_uart_input, 0 },
	{ "uart-input-file", 0, ARG_FILE, RUN, "FILE", "the same, read from FILE (at most 1 MiB)", set_uart_file, 0 },
	{ "virtio-notify", 0, ARG_CHOICE, RUN | RESTORE | RECEIVE, "exit|ioeventfd|poll", "who answers the virtio doorbell (default exit)", set_notify, 0 },
	{ "coalesced-mmio", 0, ARG_NONE, RUN, NULL, "register the MMIO sink as a coalesced zone", set_flag, F_COALESCED },
	{ "blk", 0, ARG_FILE, RUN | DOMX | RESTORE | RECEIVE, "FILE", "back the virtio block device with FILE (created if missing)", set_blk, 0 },
	{ "vhost-user-blk", 0, ARG_FILE, RUN | RESTORE | RECEIVE, "SOCKET", "the block device is served by a vhost-user back-end listening on SOCKET (implies --backing memfd)", set_vhost_blk, 0 },
	{ "net", 0, ARG_NONE, RUN | DOMX | RESTORE | RECEIVE, NULL, "give the guest virtio-net on a tap in a private network namespace (root; restore/receive: the destination's own tap)", set_flag, F_NET },
	{ "ksm", 0, ARG_NONE, RUN, NULL, "mark guest RAM MADV_MERGEABLE: KSM may merge identical pages (port 0xFA shows it)", set_flag, F_KSM },
	{ "blk-size", 0, ARG_SIZE, RUN, "SIZE", "grow FILE to SIZE first, sparse (a multiple of 512, up to 1T)", set_blk_size, 0 },
	{ "domain", 0, ARG_FILE, RUN | DOMX, "FILE", "take name, memory, vCPUs, pinning, payload, disk and balloon from a libvirt domain XML FILE (docs/domxml.md)", set_domain, 0 },
	{ "balloon", 0, ARG_NUMBER, RUN | DOMX, "PAGES", "add a virtio-balloon asking the guest for PAGES 4 KiB pages (num_pages)", set_balloon, 0 },
	{ "balloon-deflate", 0, ARG_NUMBER, RUN, "PAGES", "once the guest met --balloon, lower num_pages to PAGES (a deflate)", set_balloon, 1 },
	{ "io-total", 0, ARG_SIZE, RUN, "SIZE", "bytes the I/O payloads move (port 0xE0; default 4K)", set_ioparam, IOPARAM_TOTAL },
	{ "io-chunk", 0, ARG_SIZE, RUN, "SIZE", "bytes per chunk of the I/O payloads (default 256)", set_ioparam, IOPARAM_CHUNK },
	{ "io-batch", 0, ARG_NUMBER, RUN, "N", "virtio buffers per doorbell of the I/O payloads (default 4)", set_ioparam, IOPARAM_BATCH },
	/* memory: vmm/mem/memopts.c, docs/memory.md */
	{ "backing", 0, ARG_CHOICE, RUN | RESTORE | RECEIVE, "anon|thp|hugetlb|memfd", "guest RAM backing (default anon: 4 KiB pages; restore/receive: the destination's own; not hugetlb for a post-copy stream)", set_memopt, MEMOPT_BACKING },
	{ "backing-fallback", 0, ARG_NONE, RUN | RESTORE | RECEIVE, NULL, "with --backing hugetlb: use anon if no huge pages are reserved (else exit 7)", set_memopt, MEMOPT_BACKING_FALLBACK },
	{ "rom", 0, ARG_OPTIONAL, RUN, "GPA,SIZE", "add a read-only slot (default 0xFFFF0000,64K); guest writes become MMIO exits", set_memopt, MEMOPT_ROM },
	{ "rom-write", 0, ARG_CHOICE, RUN, "ignore|fail", "on a guest write to the ROM: ignore it (default) or end the run (exit 6)", set_memopt, MEMOPT_ROM_WRITE },
	{ "unmapped", 0, ARG_CHOICE, RUN, "ignore|fail", "on an access with no slot and no device: ignore it (default) or end the run (exit 6)", set_memopt, MEMOPT_UNMAPPED },
	{ "dirty-log", 0, ARG_CHOICE, RUN, "bitmap|ring", "log RAM writes, harvested when the guest asks through port 0xF8", set_memopt, MEMOPT_DIRTY_LOG },
	{ "precopy-budget", 0, ARG_NUMBER, RUN, "PAGES", "simulate pre-copy migration at PAGES pages per round", set_memopt, MEMOPT_PRECOPY_BUDGET },
	{ "numa-node", 0, ARG_NUMBER, RUN, "N", "bind guest RAM to NUMA node N with mbind(2) (docs/memory.md, \"NUMA\")", set_memopt, MEMOPT_NUMA_NODE },
	{ "translate", 0, ARG_ADDR, RUN, "GVA", "at the end of the run: GVA -> GPA -> HVA -> HPA (repeatable)", set_memopt, MEMOPT_TRANSLATE },
	/* snapshots: docs/migration.md */
	{ "snapshot", 0, ARG_FILE, RUN, "FILE", "write the migration stream of the whole VM to FILE at --snapshot-at-report (kvmlab restore FILE)", set_snapshot, 0 },
	{ "snapshot-at-report", 0, ARG_STRING, RUN, "NAME", "take the --snapshot when the guest sends the report NAME; the guest then runs on", set_snapshot, 1 },
	/* live migration: docs/migration.md */
	{ "migrate-to", 0, ARG_STRING, RUN, "unix:PATH|tcp:HOST:PORT", "migrate the running guest live (pre-copy) to `kvmlab receive --listen` at that address", set_migrate, MIGOPT_TO },
	{ "migrate-after", 0, ARG_SECONDS, RUN, "SECS", "start the migration SECS seconds into the run (default 0)", set_migrate, MIGOPT_AFTER },
	{ "migrate-at-report", 0, ARG_STRING, RUN, "NAME", "start the migration when the guest sends the report NAME", set_migrate, MIGOPT_AT },
	{ "bandwidth", 0, ARG_NUMBER, RUN, "MIB_S", "send at most MIB_S MiB/s (default 0 = as fast as the socket takes it)", set_migrate, MIGOPT_BW },
	{ "max-downtime", 0, ARG_NUMBER, RUN, "MS", "stop-and-copy once the rest crosses the link within MS ms (default " STR(LIVE_DOWNTIME_DEFAULT_MS) ")", set_migrate, MIGOPT_DOWNTIME },
	{ "migrate-max-rounds", 0, ARG_NUMBER, RUN, "N", "stop-and-copy after N pre-copy rounds even if not converged (1-" STR(LIVE_ROUNDS_MAX) ", default " STR(LIVE_ROUNDS_DEFAULT) ")", set_migrate, MIGOPT_ROUNDS },
	{ "migrate-mode", 0, ARG_CHOICE, RUN, "precopy|postcopy", "pre-copy (default: RAM first, then the state) or post-copy (the state first, RAM on demand through userfaultfd)", set_migrate, MIGOPT_MODE },
	{ "auto-converge", 0, ARG_NONE, RUN, NULL, "throttle the vCPUs more each round that does not converge (30%, +20%, up to 99%)", set_migrate, MIGOPT_AUTO },
	{ "listen", 0, ARG_STRING, RECEIVE, "unix:PATH|tcp:HOST:PORT", "where to wait for the source (required)", set_recv, 0 },
	{ "fail-after", 0, ARG_SIZE, RECEIVE, "BYTES", "test aid: drop the connection after BYTES of the stream (the source must run on)", set_recv, 1 },
	/* trace: docs/trace.md */
	{ "max-steps", 0, ARG_NUMBER, TRACE, "N", "stop after N traced instructions (default " STR(TRACE_MAX_STEPS_DEFAULT) "; 0 = no limit; exit 5)", set_max_steps, 0 },
	{ "start", 0, ARG_ADDR, TRACE, "ADDR", "run untraced until the guest reaches ADDR, then trace", set_bp, BP_START },
	{ "stop", 0, ARG_ADDR, TRACE, "ADDR", "stop tracing when the guest reaches ADDR; it runs on untraced", set_bp, BP_STOP },
	{ "break", 0, ARG_ADDR, TRACE, "ADDR", "print the registers each time the guest reaches ADDR (repeatable)", set_bp, BP_BREAK },
	{ "regs", 0, ARG_NONE, TRACE, NULL, "after each instruction, the registers it changed", set_flag, F_REGS },
	/* bench: docs/measurement.md */
	{ "filter", 0, ARG_LIST, BENCH, "PATTERNS", "comma-separated case names or globs (e.g. 'pio-*,cpuid')", set_filter, 0 },
	{ "iters", 0, ARG_NUMBER, BENCH, "N", "iterations per sample (default " STR(BENCH_ITERS_DEFAULT) ")", set_iters, 0 },
	{ "repeat", 0, ARG_NUMBER, BENCH, "R", "samples per case (default " STR(BENCH_REPEAT_DEFAULT) "); median, p99 and CV are over these", set_repeat, CMD_BENCH },
	{ "timeout", 0, ARG_SECONDS, BENCH | SENS, "SECS", "per case or probe (default: bench " STR(BENCH_TIMEOUT_DEFAULT) ", sensitive " STR(SENS_TIMEOUT_DEFAULT) "): a hang is stopped and reported", set_timeout, 1 },
	{ "csv", 0, ARG_NONE, BENCH, NULL, "CSV instead of the table (not with --json)", set_flag, F_CSV },
	{ "list", 0, ARG_NONE, BENCH, NULL, "list the cases and exit", set_flag, F_LIST },
	/* iobench: docs/io.md */
	{ "total", 0, ARG_SIZE, IOB, "SIZE", "bytes per run (default 16K; up to 64M)", set_ioparam, IOPARAM_TOTAL },
	{ "chunk", 0, ARG_SIZE, IOB, "SIZE", "bytes per buffer / chunk (default 256; 1 to 4K)", set_ioparam, IOPARAM_CHUNK },
	{ "batch", 0, ARG_NUMBER, IOB, "N", "virtio buffers per doorbell (default 8; 1 to 64)", set_ioparam, IOPARAM_BATCH },
	{ "repeat", 0, ARG_NUMBER, IOB, "N", "runs per path; cycles are the median (default " STR(IOB_REPEAT_DEFAULT) "; 1 to " STR(IOB_REPEAT_MAX) ")", set_repeat, CMD_IOBENCH },
	{ "path", 0, ARG_STRING, IOB, "NAME", "run only this path (repeatable)", set_path, 0 },
	/* sensitive */
	{ "only", 0, ARG_STRING, SENS, "TEXT", "only instructions whose name contains TEXT (the nop rows always run)", set_only, 0 },
	/* info */
	{ "no-calibrate", 0, ARG_NONE, INFO, NULL, "skip the calibration run and the probe VMs (the facts they decide are unknown)", set_flag, F_NO_CAL },
	{ "sandbox", 0, ARG_NONE, INFO, NULL, "list, per thread, the system calls `kvmlab run --sandbox` allows (needs no /dev/kvm)", set_flag, F_SANDBOX_LIST },
};
const int opt_count = sizeof(opt_table) / sizeof(opt_table[0]);
