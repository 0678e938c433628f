/*
 * commands.c - the subcommands: name, function, one line for kvmlab --help,
 * synopsis and description for COMMAND --help and the man page.
 */
#include "kvmlab.h"

#define STR_(x) #x
#define STR(x) STR_(x)
#define STR_RECV_TIMEOUT STR(MIG_ACCEPT_TIMEOUT_S)

/* Indexed by enum cmd_id: the option table's command bits name these rows. */
const struct command commands[] = {
	[CMD_RUN] = { "run",  cmd_run,  "run a payload and report what the guest did", "PAYLOAD [options]",
		"Runs one payload in a fresh VM with one vCPU and reports how it ended,\n"
		"its console output, every exit by reason, port and MMIO address, the\n"
		"values it reported and KVM's own statistics for the run.",
		"A PAYLOAD that is not a file is looked up in the catalogue (kvmlab list),\n"
		"e.g. hello-long or bench/cpuid.  Exit codes: see kvmlab --help." },
	[CMD_LIST] = { "list", cmd_list, "list the built-in payload catalogue", "[--json]",
		"Lists the payloads of the catalogue, read from their own headers\n"
		"(set KVMLAB_PAYLOADS to list another directory).", NULL },
	[CMD_INFO] = { "info", cmd_info, "describe this host's KVM: backend, paging, capabilities, TSC",
		"[--json] [--no-calibrate] [--sandbox]",
		"Describes this host's KVM: API version, backend module (kvm_intel, kvm_amd,\n"
		"kvm_pvm), whether EPT/NPT or shadow paging is used, whether the host is itself\n"
		"a VM, the capabilities kvmlab uses, the TSC rate, and - from a short\n"
		"calibration run - whether guest instructions run natively or through KVM's\n"
		"instruction emulator.  Then every host fact that changes what a guest sees,\n"
		"each with how it was found (docs/backends.md, \"Host facts\"); with --json also\n"
		"the expectations table resolved on this host (vmm/core/expect.def).", NULL },
	[CMD_IOBENCH] = { "iobench", cmd_iobench, "one I/O workload through UART, virtio, ioeventfd, coalesced MMIO",
		"[--total SIZE] [--chunk SIZE] [--batch N] [--repeat N] [--path NAME]... [--json]",
		"Moves the same bytes out of a guest through each I/O path and compares\n"
		"exits and cost: uart, virtio-exit, virtio-ioeventfd, virtio-poll, virtio-irq, mmio,\n"
		"coalesced-mmio (docs/io.md).",
		"SIGINT or SIGTERM stops after the current run: the paths measured so far are\n"
		"reported, exit code 18." },
	[CMD_TRACE] = { "trace", cmd_trace, "single-step a payload, printing each instruction as it runs", "PAYLOAD [options]",
		"Runs a payload like `kvmlab run`, but single-steps its vCPU with\n"
		"KVM_SET_GUEST_DEBUG: one KVM_EXIT_DEBUG per guest instruction.  Each line is\n"
		"    step  CPU mode  CS:RIP  linear address  bytes  disassembly  [; other exits]\n"
		"decoded in the mode the CPU is in at that instruction (16/32/64-bit).",
		"ADDR is a linear address (CS base + RIP), 0x-prefixed hex or decimal, as the\n"
		"trace prints it; --start, --stop and --break together use at most 4 (DR0-DR3).\n"
		"Exit codes as for kvmlab run.  Needs KVM_CAP_SET_GUEST_DEBUG." },
	[CMD_BENCH] = { "bench", cmd_bench, "measure what each kind of VM exit costs here (docs/measurement.md)", "[options]",
		"Measures the cost of VM exits and of instructions a hypervisor may intercept:\n"
		"cycles and ns per operation net of an empty loop, where each was handled\n"
		"(no exit / in the kernel / in kvmlab, derived from counters), and the spread.",
		"Exit code 0 when every selected case ran or was classified (hangs, internal\n"
		"error); 2 on bad options or a filter that matches nothing; 7 on host errors;\n"
		"18 when SIGINT or SIGTERM stopped the suite (the cases that ran are reported)." },
	[CMD_SENSITIVE] = { "sensitive", cmd_sensitive, "run the sensitive-instruction catalogue, one fresh VM per probe",
		"[--json] [--only TEXT] [--timeout SECS]",
		"Runs the sensitive-instruction catalogue: each privileged, sensitive-but-\n"
		"unprivileged and always-intercepted instruction of vmm/measure/sensitive.c at CPL 0\n"
		"and CPL 3, each probe in a fresh VM (payload cpu/probe, --arg = probe id),\n"
		"and prints what happened next to what KVM on VT-x/SVM would give the guest.",
		"Exit code 0 when every probe ran (whatever its outcome); 7 when the probe\n"
		"payload is missing or disagrees with the table; 18 when SIGINT or SIGTERM\n"
		"stopped the catalogue (the probes that ran are reported)." },
	[CMD_RESTORE] = { "restore", cmd_restore, "continue a guest from a snapshot (run --snapshot)", "FILE [options]",
		"Reads the migration stream in FILE (docs/migration.md), checks every part of it,\n"
		"rebuilds the VM it describes - memory, vCPU state, CPUID, clock, UART - and\n"
		"runs the guest on from where the snapshot stopped it; the report is that of\n"
		"kvmlab run for the rest of the run.",
		"A truncated or malformed stream, or one of another stream version or guest ABI,\n"
		"is refused before the guest runs: exit code 19." },
	[CMD_DOMXML] = { "domxml", cmd_domxml, "print the libvirt domain XML of a run command line", "PAYLOAD [options]",
		"Prints the domain XML (libvirt's format, kvmlab's subset: docs/domxml.md) that\n"
		"stands for `kvmlab run PAYLOAD [options]`; `kvmlab run --domain FILE` runs it.\n"
		"Only the options below have a form in the subset; any other is refused.",
		"With --domain FILE (and no PAYLOAD) it prints FILE's domain as kvmlab reads it:\n"
		"the same document for a document it wrote.  Exit code 20 for a domain\n"
		"document that is malformed or outside the subset." },
	[CMD_RECEIVE] = { "receive", cmd_receive, "wait for a live migration and run the guest it brings (run --migrate-to)",
		"--listen unix:PATH|tcp:HOST:PORT [options]",
		"Listens on ADDR for one `kvmlab run PAYLOAD --migrate-to ADDR`, reads its\n"
		"migration stream (docs/migration.md) with every check of kvmlab restore, and\n"
		"runs the guest on from where the source stopped it; the report is that of\n"
		"kvmlab run for the rest of the run.",
		"A truncated, malformed or incompatible stream (another stream version, guest\n"
		"ABI or a CPUID this host lacks) is refused before the guest runs: exit code 19;\n"
		"no source within " STR_RECV_TIMEOUT " s, or a socket error: exit code 7." },
};
const int command_count = sizeof(commands) / sizeof(commands[0]);
_Static_assert(sizeof(commands) / sizeof(commands[0]) == CMD_COUNT, "one row per enum cmd_id");

void command_help(FILE *f, enum cmd_id id)
{
	const struct command *c = &commands[id];

	fprintf(f, "usage: kvmlab %s %s\n\n%s\n\n", c->name, c->synopsis, c->about);
	opt_help(f, id);
	if (c->after)
		fprintf(f, "\n%s\n", c->after);
	fprintf(f, "\npayload catalogue: %s\n", payload_dir());
}

