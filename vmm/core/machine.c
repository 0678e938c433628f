/*
 * machine.c - the kvmlab machine: every device, where it lives, which
 * instance answers there, and which in-kernel paths it may use.
 *
 * This table is the machine's documentation (docs/guest-abi.md, checked by
 * tests/test_machine.py against `kvmlab --machine --json`).  Adding a device
 * means adding a row; registration rejects bad ranges and overlaps
 * (traps/bus.c).  A handler gets its row's instance as `opaque`, so two rows
 * with the same handler and two instances are two devices.
 *
 * In-kernel paths are KVM answering an access without an exit to kvmlab:
 *   ioeventfd      a write to the doorbell signals an eventfd (api.rst 4.59)
 *   coalesced      writes to the range queue in a ring, replayed at the next
 *                  exit (api.rst 4.66; traps/coalesced.c)
 *   msr-filter     rdmsr/wrmsr of the MSRs exit to kvmlab instead of being
 *                  handled by KVM (api.rst 4.97, 7.21; traps/msr.c)
 *   irqchip        KVM itself is the device: the interrupt controllers of the
 *                  run's interrupt model (vmm/core/irqchip.c).  Such rows are
 *                  never on kvmlab's buses; without the model the range is empty.
 * A row says when its path is set up (`when`): when the payload's header
 * asks for it, best effort (an absent capability leaves ordinary exits), or
 * when an option asks for it (then an absent capability is an error naming
 * the option).  Only then: registering a path (and KVM removing it at
 * teardown) waits for an SRCU grace period, milliseconds on a nested host.
 * `step` names the path in the run's set-up timing (docs/json-schema.md).
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/virtio_mmio.h>

#include "kvmlab.h"

/* Where a row's instance lives: owner + offset (NULL owner: no instance). */
#define IN_VM(field)    .owner = OWN_VM, .off = offsetof(struct vm, field)
#define IN_IODEV(field) .owner = OWN_IODEV, .off = offsetof(struct iodev, field)
#define IN_MEMLAB       .owner = OWN_MEMLAB, .off = 0
/* The struct kpath of an in-kernel path, inside the row's instance. */
#define PATH_AT(type, field) .path_at = offsetof(type, field)

static const struct machine_row machine[] = {
	/* ---- ports ---- */
	/* 0xE9: Bochs/QEMU debug console: OUT bytes go to the VM's one console. */
	{ "console", BUS_PIO, PORT_CONSOLE, 1, .pio = console_io, IN_VM(con) },
	/* 0xF0: report channel: OUT dword = GPA of a struct report_rec in guest RAM. */
	{ "report", BUS_PIO, PORT_REPORT, 1, .pio = report_io, IN_VM(mem) },
	/* 0xF4: QEMU isa-debug-exit convention: OUT ends the run with a status (no state). */
	{ "exit", BUS_PIO, PORT_EXIT, 1, .pio = exitport_io },
	/* 0xE0-0xE7: workload parameters for I/O payloads (traps/devices/ioparam.c). */
	{ "ioparam", BUS_PIO, PORT_IOPARAM, PORT_IOPARAM_COUNT, .pio = ioparam_io, IN_IODEV(ioparam) },
	/* 0x3F8-0x3FF: COM1, a 16550 UART (traps/devices/uart16550.c). */
	{ "uart16550", BUS_PIO, PORT_COM1, PORT_COM1_COUNT, .pio = uart_io, IN_IODEV(com1) },
	/* 0xF8: memory lab requests: marks, dirty rounds, hotplug, translate (traps/devices/memctl.c). */
	{ "memctl", BUS_PIO, PORT_MEMCTL, 1, .pio = memctl_io, IN_MEMLAB },
	/* 0xFA: KSM as the guest sees it: snapshots, a 10 ms wait for merges, "is this page merged?" (traps/devices/ksmctl.c). */
	{ "ksm", BUS_PIO, PORT_KSM, 1, .pio = ksmctl_io, IN_IODEV(ksm) },
	/* 0xEC-0xED: bench parameters (iterations, samples): IN dword (traps/devices/benchdev.c). */
	{ "bench-params", BUS_PIO, PORT_BENCH_ITERS, 2, .pio = benchdev_param_io, IN_VM(bench) },
	/* 0xEE: bench scratch register: OUT stores, IN returns it. */
	{ "bench-scratch", BUS_PIO, PORT_BENCH_SCRATCH, 1, .pio = benchdev_scratch_io, IN_VM(bench) },
	/* 0xEF: bench doorbell: a 1-byte OUT completes in KVM as an ioeventfd; exits here only without one. */
	{ "bench-doorbell", BUS_PIO, PORT_BENCH_DOORBELL, 1, .pio = benchdev_scratch_io, IN_VM(bench),
	  .path = KPATH_IOEVENTFD, .path_len = 1, PATH_AT(struct benchdev, doorbell), .when = WHEN_KERNEL_DEVS,
	  .step = "bench doorbell" },

	/* ---- MMIO (the window above RAM, docs/guest-abi.md "Memory map") ---- */
	/* 0xF0000000: bench MMIO register: every access exits to kvmlab. */
	{ "bench-mmio", BUS_MMIO, GPA_BENCH_MMIO, BENCH_MMIO_SIZE, .mmio = benchdev_mmio, IN_VM(bench) },
	/* 0xF0001000: bench coalesced zone: writes queue in KVM's ring, no exit. */
	{ "bench-coalesced", BUS_MMIO, GPA_BENCH_COALESCED, BENCH_MMIO_SIZE, .mmio = benchdev_mmio, IN_VM(bench),
	  .path = KPATH_COALESCED, PATH_AT(struct benchdev, zone), .when = WHEN_KERNEL_DEVS, .step = "bench zone" },
	/* 0xF0002000: bench MMIO doorbell: a dword write signals the port doorbell's eventfd
	 * (kvm-unit-tests' pci-mem eventfd case); exits here only without one. */
	{ "bench-mmio-doorbell", BUS_MMIO, GPA_BENCH_DOORBELL, BENCH_MMIO_SIZE, .mmio = benchdev_mmio, IN_VM(bench),
	  .path = KPATH_IOEVENTFD, .path_len = 4, PATH_AT(struct benchdev, doorbell), .when = WHEN_KERNEL_DEVS,
	  .step = "bench MMIO doorbell" },
	/* 0xC0000000: virtio-mmio v2 console; QueueNotify is an ioeventfd with --virtio-notify ioeventfd. */
	{ "virtio-mmio", BUS_MMIO, GPA_VIRTIO_MMIO, VIRTIO_MMIO_SIZE, .mmio = virtio_mmio_io, IN_IODEV(virtio),
	  .path = KPATH_IOEVENTFD, .path_off = VIRTIO_MMIO_QUEUE_NOTIFY, .path_len = 4,
	  PATH_AT(struct virtio_dev, kick), .when = WHEN_NOTIFY_IOEVENTFD, .step = "virtio notify" },
	/* 0xC0000200: virtio-mmio block device on --blk FILE (traps/devices/virtio_blk.c) or served by a
	 * vhost-user back-end (--vhost-user-blk: QueueNotify is the back-end's kick ioeventfd); device id 0 without. */
	{ "virtio-blk", BUS_MMIO, GPA_VIRTIO_BLK, VIRTIO_MMIO_SIZE, .mmio = virtio_mmio_io, IN_IODEV(blk),
	  .path = KPATH_IOEVENTFD, .path_off = VIRTIO_MMIO_QUEUE_NOTIFY, .path_len = 4,
	  PATH_AT(struct virtio_dev, kick), .when = WHEN_VHOST_USER, .step = "vhost-user kick" },
	/* 0xC0000400: virtio-mmio network device on a tap (--net); device id 0 without (traps/devices/virtio_net.c). */
	{ "virtio-net", BUS_MMIO, GPA_VIRTIO_NET, VIRTIO_MMIO_SIZE, .mmio = virtio_mmio_io, IN_IODEV(net),
	  .path = KPATH_IOEVENTFD, .path_off = VIRTIO_MMIO_QUEUE_NOTIFY, .path_len = 4,
	  PATH_AT(struct virtio_dev, kick), .when = WHEN_NET_IOEVENTFD, .step = "net notify" },
	/* 0xC0001000: write-only sink; a coalesced zone with --coalesced-mmio (traps/devices/sink.c). */
	{ "sink", BUS_MMIO, GPA_SINK, SINK_SIZE, .mmio = sink_mmio, IN_IODEV(sink),
	  .path = KPATH_COALESCED, PATH_AT(struct sink, zone), .when = WHEN_COALESCED_MMIO, .step = "sink zone" },

	/* ---- MSRs (traps/msr.c answers them) ---- */
	/* 0x400000E0-0x400000E1: kvmlab's scratch and exit-count MSRs, filtered to user space
	 * for payloads that set KVMLAB_FLAG_MSRS; --msr-exit adds its MSRs to the same filter. */
	{ "kvmlab-msrs", BUS_MSR, MSR_KVMLAB_SCRATCH, 2, .path = KPATH_MSR_FILTER, .when = WHEN_MSR },

	/* ---- interrupt controllers inside KVM (vmm/core/irqchip.c; SDM Vol. 3A ch. 11, 8259A, 82093AA) ---- */
	/* 0x20-0x21, 0xA0-0xA1: the master and slave 8259A PICs; 0x4D0-0x4D1 their edge/level registers. */
	{ "pic-master", BUS_PIO, PORT_PIC_MASTER, 2, .path = KPATH_IRQCHIP, .when = WHEN_IRQCHIP_KERNEL },
	{ "pic-slave", BUS_PIO, PORT_PIC_SLAVE, 2, .path = KPATH_IRQCHIP, .when = WHEN_IRQCHIP_KERNEL },
	{ "pic-elcr", BUS_PIO, PORT_PIC_ELCR1, 2, .path = KPATH_IRQCHIP, .when = WHEN_IRQCHIP_KERNEL },
	/* 0xFEC00000: the IOAPIC's index/data window (KVM decodes 0x100 bytes). */
	{ "ioapic", BUS_MMIO, GPA_IOAPIC, IOAPIC_MMIO_SIZE, .path = KPATH_IRQCHIP, .when = WHEN_IRQCHIP_KERNEL },
	/* 0xFEE00000: each vCPU's own xAPIC page (SDM 11.4.1); x2APIC: the same registers as MSRs. */
	{ "lapic", BUS_MMIO, GPA_LAPIC, LAPIC_MMIO_SIZE, .path = KPATH_IRQCHIP, .when = WHEN_IRQCHIP_LAPIC },
	{ "x2apic", BUS_MSR, MSR_X2APIC_FIRST, MSR_X2APIC_COUNT, .path = KPATH_IRQCHIP, .when = WHEN_IRQCHIP_LAPIC },
	/* 0x6E0: IA32_TSC_DEADLINE, the LAPIC timer's deadline (SDM 11.5.4.1). */
	{ "tsc-deadline", BUS_MSR, MSR_IA32_TSC_DEADLINE, 1, .path = KPATH_IRQCHIP, .when = WHEN_IRQCHIP_LAPIC },
};
#define MACHINE_ROWS (sizeof(machine) / sizeof(machine[0]))

const struct machine_row *machine_rows(size_t *n)
{
	*n = MACHINE_ROWS;
	return machine;
}

/* When a row's path is set up: what the listing says, the option whose
 * absence of a capability is an error, and what --verbose says when a run
 * does not want the path (NULL: say nothing). */
static const struct {
	const char *name;
	const char *option;
	const char *skipped;
} when_info[] = {
	[WHEN_NEVER]            = { "never", NULL, NULL },
	[WHEN_KERNEL_DEVS]      = { "with payload flag KVMLAB_FLAG_KERNEL_DEVS, best effort", NULL,
				    "no bench ioeventfd or coalesced zone: the payload does not set KVMLAB_FLAG_KERNEL_DEVS" },
	[WHEN_NOTIFY_IOEVENTFD] = { "with --virtio-notify ioeventfd", "--virtio-notify ioeventfd", NULL },
	[WHEN_COALESCED_MMIO]   = { "with --coalesced-mmio", "--coalesced-mmio", NULL },
	[WHEN_MSR]              = { "with payload flag KVMLAB_FLAG_MSRS (best effort) or --msr-exit", "--msr-exit",
				    "no MSR filter: the payload does not set KVMLAB_FLAG_MSRS and no --msr-exit was given "
				    "(KVM_X86_SET_MSR_FILTER waits for an SRCU grace period: milliseconds)" },
	[WHEN_IRQCHIP_KERNEL]   = { "when the interrupt model is kernel", NULL, NULL },
	[WHEN_IRQCHIP_LAPIC]    = { "when the interrupt model is kernel or split", NULL, NULL },
	[WHEN_VHOST_USER]       = { "with --vhost-user-blk", "--vhost-user-blk", NULL },
	[WHEN_NET_IOEVENTFD]    = { "with --net and --virtio-notify ioeventfd", "--virtio-notify ioeventfd", NULL },
};
#define WHEN_COUNT (int)(sizeof(when_info) / sizeof(when_info[0]))
#define WHEN_COUNT_MAX (WHEN_NET_IOEVENTFD + 1)
_Static_assert(WHEN_COUNT == WHEN_COUNT_MAX, "one when_info row per enum machine_when");

const char *machine_when_name(int when)
{
	return when >= 0 && when < WHEN_COUNT ? when_info[when].name : "unknown";
}

const char *machine_path_name(int path)
{
	static const char *const names[] = { [KPATH_NONE] = NULL, [KPATH_IOEVENTFD] = "ioeventfd",
					     [KPATH_COALESCED] = "coalesced", [KPATH_MSR_FILTER] = "msr-filter",
					     [KPATH_IRQCHIP] = "irqchip" };
	return path >= 0 && path < (int)(sizeof(names) / sizeof(names[0])) ? names[path] : NULL;
}

enum want { WANT_NO, WANT_TRY, WANT_MUST };

static enum want path_wanted(const struct vm *vm, int when)
{
	switch (when) {
	case WHEN_KERNEL_DEVS:      return vm->cfg.kernel_devs ? WANT_TRY : WANT_NO;
	case WHEN_NOTIFY_IOEVENTFD: return vm->cfg.io.notify == IO_NOTIFY_IOEVENTFD ? WANT_MUST : WANT_NO;
	case WHEN_COALESCED_MMIO:   return vm->cfg.io.coalesced ? WANT_MUST : WANT_NO;
	case WHEN_MSR:              return vm->cfg.nmsr_exit ? WANT_MUST : vm->cfg.kvmlab_msrs ? WANT_TRY : WANT_NO;
	case WHEN_IRQCHIP_KERNEL:   return vm->cfg.irqchip == IRQ_KERNEL ? WANT_MUST : WANT_NO;
	case WHEN_IRQCHIP_LAPIC:    return vm->cfg.irqchip != IRQ_NONE ? WANT_MUST : WANT_NO;
	case WHEN_VHOST_USER:       return vm->cfg.io.vhost_blk ? WANT_MUST : WANT_NO;
	case WHEN_NET_IOEVENTFD:    return vm->cfg.io.net && vm->cfg.io.notify == IO_NOTIFY_IOEVENTFD ? WANT_MUST : WANT_NO;
	}
	return WANT_NO;
}

/* The row's instance in this VM, or NULL (no instance, or its owner is absent). */
static void *row_instance(struct vm *vm, const struct machine_row *r)
{
	uint8_t *owner = r->owner == OWN_VM ? (uint8_t *)vm :
			 r->owner == OWN_IODEV ? (uint8_t *)vm->io :
			 r->owner == OWN_MEMLAB ? (uint8_t *)vm->memlab : NULL;
	return owner ? owner + r->off : NULL;
}

static struct kpath *row_kpath(struct vm *vm, const struct machine_row *r)
{
	uint8_t *inst = row_instance(vm, r);

	return inst && (r->path == KPATH_IOEVENTFD || r->path == KPATH_COALESCED) ?
		(struct kpath *)(inst + r->path_at) : NULL;
}

/* Puts a row on its bus with its instance: 0, or -1 with err (bus_check). */
static int row_register(struct vm *vm, const struct machine_row *r, char *err, size_t errlen)
{
	void *inst = row_instance(vm, r);

	if (r->path == KPATH_IRQCHIP)
		return 0;               /* KVM is the device (irqchip.c); nothing of kvmlab's answers there */
	if (r->bus == BUS_PIO) {
		struct pio_range p = { .first = (uint16_t)r->base, .count = (uint16_t)r->size, .name = r->name,
				       .handler = r->pio, .opaque = inst };
		if (r->base > 0xFFFF || r->size > 0x10000) {
			snprintf(err, errlen, "machine row %s: ports 0x%llx+0x%llx are not 16-bit", r->name,
				 (unsigned long long)r->base, (unsigned long long)r->size);
			return -1;
		}
		return pio_register(&vm->pio, &p, err, errlen);
	}
	if (r->bus == BUS_MMIO) {
		struct mmio_range m = { .base = r->base, .size = r->size, .name = r->name,
					.handler = r->mmio, .opaque = inst };
		return mmio_register(&vm->mmio, &m, err, errlen);
	}
	return 0;                       /* BUS_MSR: traps/msr.c answers; the filter is its path */
}

/* The capability a path needs, by name for the error. */
static bool path_caps(struct vm *vm, int path, const char **need)
{
	switch (path) {
	case KPATH_IOEVENTFD:
		*need = "KVM_CAP_IOEVENTFD";
		return kvm_has(vm->kvm, CAP_IOEVENTFD);
	case KPATH_COALESCED:
		*need = "KVM_CAP_COALESCED_MMIO";
		return kvm_has(vm->kvm, CAP_COALESCED_MMIO);
	case KPATH_MSR_FILTER:
		*need = "KVM_CAP_X86_USER_SPACE_MSR and KVM_CAP_X86_MSR_FILTER";
		return kvm_has(vm->kvm, CAP_X86_USER_SPACE_MSR) && kvm_has(vm->kvm, CAP_X86_MSR_FILTER);
	}
	return false;
}

/* One ioeventfd or coalesced zone: 0 (in place, or skipped when best effort), or -1 with err. */
static int path_kernel(struct vm *vm, const struct machine_row *r, enum want want, char *err, size_t errlen)
{
	struct kpath *kp = row_kpath(vm, r);
	uint64_t addr = r->base + r->path_off;
	const char *what = r->path == KPATH_IOEVENTFD ? "KVM_IOEVENTFD" : "KVM_REGISTER_COALESCED_MMIO";
	int rc;

	if (!kp)
		return 0;               /* the instance's owner is absent */
	uint64_t t0 = setup_clock();
	if (r->path == KPATH_IOEVENTFD) {
		/* Two rows naming one kpath share its eventfd: one count for both doorbells. */
		bool shared = kp->on;
		struct kvm_ioeventfd ev = { .addr = addr, .len = (uint32_t)r->path_len,
					    .flags = r->bus == BUS_PIO ? KVM_IOEVENTFD_FLAG_PIO : 0 };
		ev.fd = shared ? kp->efd : eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		rc = ev.fd < 0 ? -1 : ioctl(vm->fd, KVM_IOEVENTFD, &ev);
		if (rc == 0)
			*kp = (struct kpath){ .on = true, .efd = ev.fd };
		else if (ev.fd >= 0 && !shared)
			close(ev.fd);
	} else {
		struct kvm_coalesced_mmio_zone z = { .addr = r->base, .size = (uint32_t)r->size };
		rc = ioctl(vm->fd, KVM_REGISTER_COALESCED_MMIO, &z);
		if (rc == 0) {
			*kp = (struct kpath){ .on = true, .efd = -1 };
			vm->coalesced_zones++;
		}
	}
	setup_record(&vm->setup, r->step, what, t0);
	if (rc == 0) {
		vlog("ioctl(vm, %s, %s 0x%llx len %llu): %s is answered inside KVM", what,
		     r->bus == BUS_PIO ? "port" : "GPA", (unsigned long long)addr,
		     (unsigned long long)(r->path == KPATH_IOEVENTFD ? r->path_len : r->size), r->name);
		return 0;
	}
	if (want == WANT_MUST) {
		snprintf(err, errlen, "%s (%s at 0x%llx): %s", what, r->name, (unsigned long long)addr, strerror(errno));
		return -1;
	}
	warnx_("%s at 0x%llx (%s): %s (the accesses exit to kvmlab instead)", what,
	       (unsigned long long)addr, r->name, strerror(errno));
	return 0;
}

/* Whether this run wants a path of `when`, and, if not, --verbose says so once. */
static enum want path_wanted_say(const struct vm *vm, int when, bool *said)
{
	enum want want = path_wanted(vm, when);

	if (want == WANT_NO && when_info[when].skipped && !*said) {
		vlog("%s", when_info[when].skipped);
		*said = true;
	}
	return want;
}

/* The capabilities a path needs; false with err if the run must have them. */
static bool path_possible(struct vm *vm, const struct machine_row *r, enum want want, char *err, size_t errlen,
			  bool *fail)
{
	const char *need = "";

	*fail = false;
	if (path_caps(vm, r->path, &need))
		return true;
	if (want == WANT_MUST) {
		snprintf(err, errlen, "%s needs %s, which this KVM lacks", when_info[r->when].option, need);
		*fail = true;
	}
	return false;                   /* best effort: the accesses stay exits to kvmlab */
}

int machine_msr_filter(struct vm *vm, char *err, size_t errlen)
{
	uint32_t index[KVM_MSR_FILTER_MAX_RANGES];
	int n = 0;
	bool said = false, fail = false;

	if (!vm->kvm)
		return 0;               /* a bus without a VM (unit tests): nothing to ask KVM */
	for (size_t i = 0; i < MACHINE_ROWS; i++) {
		const struct machine_row *r = &machine[i];
		if (r->path != KPATH_MSR_FILTER)
			continue;
		enum want want = path_wanted_say(vm, r->when, &said);
		if (want == WANT_NO || !path_possible(vm, r, want, err, errlen, &fail))
			return fail ? -1 : 0;   /* one filter: every MSR row has the same `when` */
	}
	_Static_assert(MSR_EXIT_MAX + 2 <= KVM_MSR_FILTER_MAX_RANGES, "one filter range per MSR");
	for (size_t i = 0; i < MACHINE_ROWS; i++)
		for (uint64_t k = 0; machine[i].path == KPATH_MSR_FILTER && k < machine[i].size; k++)
			if (n < KVM_MSR_FILTER_MAX_RANGES)
				index[n++] = (uint32_t)(machine[i].base + k);
	for (int i = 0; i < vm->cfg.nmsr_exit; i++) {
		bool dup = false;
		for (int k = 0; k < n; k++)
			dup |= index[k] == vm->cfg.msr_exit[i];
		if (!dup && n < KVM_MSR_FILTER_MAX_RANGES)
			index[n++] = vm->cfg.msr_exit[i];
	}
	return msr_filter_install(vm, index, n, err, errlen);
}

/* Every row's ioeventfd and coalesced zone this run wants (the MSR filter
 * came first: machine_msr_filter).  0, or -1 with err. */
static int machine_paths(struct vm *vm, char *err, size_t errlen)
{
	bool said[WHEN_COUNT_MAX] = { false }, fail;

	if (!vm->kvm)
		return 0;               /* a bus without a VM (unit tests): nothing to ask KVM */
	for (size_t i = 0; i < MACHINE_ROWS; i++) {
		const struct machine_row *r = &machine[i];
		if (r->path != KPATH_IOEVENTFD && r->path != KPATH_COALESCED)
			continue;
		enum want want = path_wanted_say(vm, r->when, &said[r->when]);
		if (want == WANT_NO)
			continue;
		if (!path_possible(vm, r, want, err, errlen, &fail)) {
			if (fail)
				return -1;
			continue;
		}
		if (path_kernel(vm, r, want, err, errlen) != 0)
			return -1;
	}
	return 0;
}

int machine_setup(struct vm *vm, char *err, size_t errlen)
{
	/* The instances first (the rows point into them), then the buses, then KVM's paths. */
	if (vm->io) {
		snprintf(err, errlen, "machine_setup: the machine is already set up");
		return -1;
	}
	if (iodev_setup(vm, err, errlen) != 0)
		return -1;
	benchdev_setup(vm);
	for (size_t i = 0; i < MACHINE_ROWS; i++)
		if (row_register(vm, &machine[i], err, errlen) != 0)
			return -1;
	if (machine_paths(vm, err, errlen) != 0)
		return -1;
	return iodev_start(vm, err, errlen);    /* the I/O thread waits on the doorbell set up above */
}

void machine_teardown(struct vm *vm)
{
	iodev_quiesce(vm);              /* the I/O thread reads guest RAM and the doorbell: stop it first */
	benchdev_teardown(vm);          /* the doorbell's last count */
	for (size_t i = 0; i < MACHINE_ROWS; i++) {
		struct kpath *kp = row_kpath(vm, &machine[i]);
		if (kp && kp->on && kp->efd >= 0)
			close(kp->efd);
		if (kp)
			kp->on = false;
	}
	vm->coalesced_zones = 0;
	iodev_stop(vm);
}
