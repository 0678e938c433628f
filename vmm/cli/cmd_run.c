/*
 * cmd_run.c - `kvmlab run PAYLOAD`: load, run, report.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvmlab.h"

#define TIMEOUT_DEFAULT 10.0

static void run_usage(FILE *f)
{
	fprintf(f,
		"usage: kvmlab run PAYLOAD.bin [options]\n\n"
		"Runs one payload in a fresh VM with one vCPU and reports how it ended,\n"
		"its console output, every exit by reason, port and MMIO address, the\n"
		"values it reported and KVM's own statistics for the run.\n\n"
		"  --mem SIZE        guest RAM, e.g. 4M, 256K, 1G (default: 4M or the payload's\n"
		"                    minimum, whichever is larger; 128K to 3G, a multiple of 4K)\n"
		"  --timeout SECS    stop the guest after SECS seconds (default %.0f; 0 = never)\n"
		"  --max-exits N     stop after N exits to kvmlab (default 0 = no limit)\n"
		"  --console-limit BYTES  accept at most BYTES of guest console output (e.g. 64K;\n"
		"                    default 1M); the rest is counted as dropped, the run goes on\n"
		"  --sandbox         confine the vCPU thread with a seccomp allowlist before the\n"
		"                    first KVM_RUN (docs/security.md; kvmlab info --sandbox)\n"
		"  --json            print one JSON document (docs/json-schema.md) instead of text;\n"
		"                    console output then goes only into the document\n"
		"  --quiet           print the guest's console output only, no summary\n"
		"  --verbose         log each KVM ioctl of the setup to stderr\n"
		"  --uart-input STR  bytes the COM1 UART delivers to the guest (docs/io.md)\n"
		"  --uart-input-file FILE  the same, read from FILE (at most 1 MiB)\n"
		"  --virtio-notify exit|ioeventfd|poll\n"
		"                    who answers the virtio doorbell (default exit; docs/io.md)\n"
		"  --coalesced-mmio  register the MMIO sink as a coalesced zone\n"
		"  --blk FILE        back the virtio block device with FILE (created if missing)\n"
		"  --blk-size SIZE   grow FILE to SIZE first, sparse (e.g. 1G)\n"
		"  --io-total SIZE, --io-chunk SIZE, --io-batch N\n"
		"                    workload of I/O payloads (port 0xE0; default 4K, 256, 4)\n"
		"  --vcpus N         N vCPUs (1-%d), each a thread with its own KVM_RUN loop;\n"
		"                    all start at the entry with RDI = index (docs/cpu-threads.md)\n"
		"  --pin CPU,...     pin vCPU i's thread to host CPU i of the list (sched_setaffinity)\n"
		"  --msr-exit INDEX  send rdmsr/wrmsr of MSR INDEX (e.g. 0x10) to kvmlab through\n"
		"                    KVM's MSR filter: counted, then forwarded to KVM (#GP if\n"
		"                    KVM does not know it); repeatable, up to %d times\n"
		"  --cpuid LEAF[.SUBLEAF]:REG=VALUE\n"
		"                    make the guest's CPUID return VALUE in REG (eax, ebx, ecx,\n"
		"                    edx) for LEAF (subleaf 0 if not given); repeatable;\n"
		"                    numbers decimal or 0x-hex, e.g. --cpuid 0x40000000:ebx=0\n"
		"  --hide-hypervisor clear CPUID.1:ECX[31] and drop the leaves 0x40000000-\n"
		"                    0x4FFFFFFF (applied before any --cpuid)\n"
		"  --irqchip none|kernel|split\n"
		"                    the interrupt model, overriding the payload header's: no\n"
		"                    controller, KVM's PIC+IOAPIC+LAPIC, or only the LAPIC in KVM\n"
		"                    (docs/guest-abi.md \"Header flags\")\n"
		"  --arg N           start the guest with RBX = N, the payload's parameter\n"
		"                    (e.g. the probe number of cpu/probe; default 0)\n"
		"  -h, --help        this text\n"
		"%s\n"
		"A PAYLOAD that is not a file is looked up in the catalogue (kvmlab list),\n"
		"e.g. hello-long or bench/cpuid.  Exit codes: see kvmlab --help.\n", TIMEOUT_DEFAULT, VCPUS_MAX, MSR_EXIT_MAX, memopts_help);
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mem", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 't' },
		{ "max-exits", required_argument, NULL, 'x' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "msr-exit", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ "uart-input", required_argument, NULL, IOOPT_UART_INPUT },
		{ "uart-input-file", required_argument, NULL, IOOPT_UART_INPUT_FILE },
		{ "virtio-notify", required_argument, NULL, IOOPT_VIRTIO_NOTIFY },
		{ "coalesced-mmio", no_argument, NULL, IOOPT_COALESCED },
		{ "blk", required_argument, NULL, IOOPT_BLK },
		{ "blk-size", required_argument, NULL, IOOPT_BLK_SIZE },
		{ "io-total", required_argument, NULL, IOOPT_TOTAL },
		{ "io-chunk", required_argument, NULL, IOOPT_CHUNK },
		{ "io-batch", required_argument, NULL, IOOPT_BATCH },
		{ "vcpus", required_argument, NULL, 'c' },
		{ "pin", required_argument, NULL, 'p' },
		/* memory options: vmm/mem/memopts.c, docs/memory.md */
		{ "backing", required_argument, NULL, MEMOPT_BACKING },
		{ "backing-fallback", no_argument, NULL, MEMOPT_BACKING_FALLBACK },
		{ "rom", optional_argument, NULL, MEMOPT_ROM },
		{ "rom-write", required_argument, NULL, MEMOPT_ROM_WRITE },
		{ "unmapped", required_argument, NULL, MEMOPT_UNMAPPED },
		{ "dirty-log", required_argument, NULL, MEMOPT_DIRTY_LOG },
		{ "precopy-budget", required_argument, NULL, MEMOPT_PRECOPY_BUDGET },
		{ "translate", required_argument, NULL, MEMOPT_TRANSLATE },
		{ "console-limit", required_argument, NULL, 'L' },
		{ "sandbox", no_argument, NULL, 'S' },
		{ "cpuid", required_argument, NULL, 'C' },
		{ "hide-hypervisor", no_argument, NULL, 'H' },
		{ "arg", required_argument, NULL, 'A' },
		{ "irqchip", required_argument, NULL, 'I' },
		{ 0 }
	};
	struct cpuid_override ov;
	char oerr[200];
	char ferr[4096 + 128];           /* --uart-input-file errors name the path (PATH_MAX) */
	struct vm_config cfg = { .timeout = TIMEOUT_DEFAULT };
	bool json = false, quiet = false, mem_given = false;
	static uint8_t *uart_file;      /* --uart-input-file contents, kept for the run */
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (parse_mem(optarg, &cfg.mem) != 0)
				return usage_fail("run", "--mem %s: must be a size (4M, 256K, ...), a multiple of 4K from 128K to 3G", optarg);
			mem_given = true;
			break;
		case 't':
			if (parse_seconds(optarg, &cfg.timeout) != 0)
				return usage_fail("run", "--timeout: '%s' is not a number of seconds (0-86400)", optarg);
			break;
		case 'x':
			if (parse_u64(optarg, &cfg.max_exits) != 0)
				return usage_fail("run", "--max-exits: '%s' is not a non-negative integer", optarg);
			break;
		case 'M': {
			uint64_t idx;
			if (parse_u64(optarg, &idx) != 0 || idx > 0xFFFFFFFFULL)
				return usage_fail("run", "--msr-exit: '%s' is not a 32-bit MSR index (e.g. 0x10)", optarg);
			if (cfg.nmsr_exit >= MSR_EXIT_MAX)
				return usage_fail("run", "--msr-exit %s: at most 8 MSRs per run", optarg);
			cfg.msr_exit[cfg.nmsr_exit++] = (uint32_t)idx;
			break;
		}
		case 'L':
			if (parse_size(optarg, &cfg.console_limit) != 0 || cfg.console_limit == 0)
				return usage_fail("run", "--console-limit: '%s' is not a positive size (e.g. 64K, 1M)", optarg);
			break;
		case 'S': cfg.sandbox = true; break;
		case 'j': json = true; break;
		case 'q': quiet = true; break;
		case 'v': log_verbose = 1; cfg.verbose = true; break;
		case 'h': run_usage(stdout); return XC_OK;
		case IOOPT_UART_INPUT:
			cfg.io.uart_input = (const uint8_t *)optarg;
			cfg.io.uart_input_len = strlen(optarg);
			break;
		case IOOPT_VIRTIO_NOTIFY:
			if ((cfg.io.notify = io_notify_parse(optarg)) < 0)
				return usage_fail("run", "--virtio-notify: '%s' is not exit, ioeventfd or poll", optarg);
			break;
		case IOOPT_UART_INPUT_FILE:
			if (uart_input_load(optarg, &uart_file, &cfg.io.uart_input_len, ferr, sizeof(ferr)) != 0)
				return usage_fail("run", "--uart-input-file: %s", ferr);
			cfg.io.uart_input = uart_file;
			break;
		case IOOPT_COALESCED: cfg.io.coalesced = true; break;
		case IOOPT_BLK: cfg.io.blk_path = optarg; break;
		case IOOPT_BLK_SIZE:
			if (parse_size(optarg, &cfg.io.blk_size) != 0 || cfg.io.blk_size % 512 ||
			    cfg.io.blk_size > (1ULL << 40))
				return usage_fail("run", "--blk-size: '%s' is not a multiple of 512 up to 1T", optarg);
			break;
		case IOOPT_TOTAL: case IOOPT_CHUNK: case IOOPT_BATCH:
			if (io_param_parse(c == IOOPT_TOTAL ? IOPARAM_TOTAL : c == IOOPT_CHUNK ? IOPARAM_CHUNK : IOPARAM_BATCH,
					   optarg, cfg.io.param) != 0)
				return usage_fail("run", "--io-total/--io-chunk/--io-batch: '%s' is out of range (docs/io.md)", optarg);
			break;
		case 'c': {             /* vmm/core/smp.c */
			uint64_t n;
			if (parse_u64(optarg, &n) != 0 || n < 1 || n > VCPUS_MAX) {
				fprintf(stderr, "kvmlab run: --vcpus %s: must be 1 to %d (see kvmlab run --help)\n",
					optarg, VCPUS_MAX);
				return XC_USAGE;
			}
			cfg.vcpus = (int)n;
			break;
		}
		case 'p':
			cfg.npin = cpulist_parse(optarg, cfg.pin, VCPUS_MAX);
			if (cfg.npin < 0)
				return usage_fail("run", "--pin: '%s' is not a list of CPU numbers like 0,1", optarg);
			break;
		case MEMOPT_BACKING ... MEMOPT_TRANSLATE: {
			char merr[160];
			if (memopts_parse(c, optarg, &cfg.memcfg, merr, sizeof(merr)) != 0)
				return usage_fail("run", "%s", merr);
			break;
		}
		case 'C':
			if (cpuid_parse_override(optarg, &ov, oerr, sizeof(oerr)) != 0 ||
			    cpuid_config_add(&cfg.cpuid, &ov, oerr, sizeof(oerr)) != 0)
				return usage_fail("run", "%s", oerr);
			break;
		case 'H': cfg.cpuid.hide_hypervisor = true; break;
		case 'I':               /* vmm/core/irqchip.c */
			if (irqchip_parse(optarg, &cfg.irqchip) != 0)
				return usage_fail("run", "--irqchip: '%s' is not none, kernel or split", optarg);
			cfg.irqchip_forced = true;
			break;
		case 'A':
			if (parse_u64(optarg, &cfg.entry_arg) != 0)
				return usage_fail("run", "--arg: '%s' is not a non-negative integer", optarg);
			break;
		default:
			return usage_fail("run", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return usage_fail("run", "%s", optind >= argc ? "no payload given" : "more than one payload given");
	if (cfg.npin && !cfg.vcpus)
		cfg.vcpus = cfg.npin;           /* --pin alone: one vCPU per listed CPU */
	if (cfg.npin && cfg.npin != cfg.vcpus) {
		fprintf(stderr, "kvmlab run: --pin lists %d CPU%s for %d vCPUs: give one CPU per vCPU\n",
			cfg.npin, cfg.npin == 1 ? "" : "s", cfg.vcpus);
		return XC_USAGE;
	}
	if (cfg.npin) {
		char perr[256];
		if (smp_check_pins(cfg.pin, cfg.npin, perr, sizeof(perr)) != 0) {
			fprintf(stderr, "kvmlab run: %s\n", perr);
			return XC_USAGE;
		}
	}

	char pathbuf[4096], err[512];
	struct payload p;
	const char *path = payload_resolve(argv[optind], pathbuf, sizeof(pathbuf));
	int rc = payload_load(path, &p, err, sizeof(err));
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
	if (rc == XC_OK)
		rc = smp_check_fit(&p, cfg.vcpus, err, sizeof(err));   /* --vcpus: room for the stacks */
	if (rc != XC_OK) {
		fprintf(stderr, "kvmlab: %s\n", err);
		payload_free(&p);
		return rc;
	}
	cfg.echo_console = !json;

	struct kvm k;
	struct host_info host;
	if (watchdog_catch_stop(err, sizeof(err)) != 0) {      /* before any vCPU exists */
		fprintf(stderr, "kvmlab: %s\n", err);
		payload_free(&p);
		return XC_HOST;
	}
	rc = kvm_open(&k, err, sizeof(err));
	if (rc != XC_OK) {
		fprintf(stderr, "kvmlab: %s\n", err);
		payload_free(&p);
		return rc;
	}
	vlog("open(/dev/kvm) = %d; KVM_GET_API_VERSION = %d", k.fd, k.api_version);
	host_probe(&host);
	if (cfg.cpuid.n || cfg.cpuid.hide_hypervisor)
		expect_warn_cpuid_cpl3(&host, &k);

	struct run *r = calloc(1, sizeof(*r));
	if (!r)
		die(XC_HOST, "out of memory");
	rc = run_payload(r, &k, &p, &cfg, err, sizeof(err));
	if (rc == XC_OK) {
		struct report_ctx ctx = { .payload = &p, .host = &host, .kvm = &k, .run = r };
		if (json)
			report_json(&ctx, stdout);
		else if (!quiet) {
			report_text(&ctx, stdout);
			if (r->smp)
				smp_report_text(r, stdout);
		}
		else if (!end_silent(r->vcpu.end))
			fprintf(stderr, "kvmlab: %s: %s\n", end_name(r->vcpu.end), r->vcpu.end_detail);
		rc = r->exit_code;
	} else {
		fprintf(stderr, "kvmlab: %s\n", err);
	}
	fflush(stdout);
	run_teardown(r);
	free(r);
	kvm_close(&k);
	payload_free(&p);
	return rc;
}
