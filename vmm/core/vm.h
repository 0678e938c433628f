/*
 * vmm/core/vm.h - the machine: the guest's CPUID, struct vm, struct vcpu and its run
 * loop, CPU modes, the watchdog, one run of a payload, the device table and
 * the vCPU threads.  These structs embed the state of every other layer, so
 * this header comes after all of them (vmm/kvmlab.h).
 */
#ifndef KVMLAB_VM_H
#define KVMLAB_VM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/kvm.h>

#include "vmm/core/core.h"
#include "vmm/measure/measure.h"
#include "vmm/mem/mem.h"
#include "traps/traps.h"
#include "traps/devices/devices.h"

/* ---- cpuid.c: the guest's CPUID table, edited (--cpuid, --hide-hypervisor) ---- */
#define CPUID_OVERRIDES_MAX     32
#define CPUID_LEAF_VENDOR       0x0U            /* SDM Vol. 2A, CPUID: max leaf, vendor string */
#define CPUID_LEAF_FEATURES     0x1U            /* family/model/stepping, feature bits */
#define CPUID_1_ECX_HYPERVISOR  (1U << 31)      /* "running under a hypervisor" (SDM Vol. 2A Table 3-10) */
#define CPUID_LEAF_HV_FIRST     0x40000000U     /* hypervisor range, Linux kvm/x86/cpuid.rst */
#define CPUID_LEAF_HV_LAST      0x4FFFFFFFU
enum cpuid_reg { CPUID_EAX, CPUID_EBX, CPUID_ECX, CPUID_EDX, CPUID_REG_COUNT };
struct cpuid_override {                 /* --cpuid LEAF[.SUBLEAF]:REG=VALUE */
	uint32_t leaf, subleaf;         /* subleaf 0 when not given */
	bool has_subleaf;
	int reg;                        /* enum cpuid_reg */
	uint32_t value;
};
struct cpuid_config {
	struct cpuid_override ov[CPUID_OVERRIDES_MAX];
	int n;
	bool hide_hypervisor;           /* clear CPUID.1:ECX[31], drop leaves 0x40000000-0x4FFFFFFF */
};
/* Parses one --cpuid value (pure: unit-tested).  0, or -1 with a one-line err. */
int  cpuid_parse_override(const char *s, struct cpuid_override *o, char *err, size_t errlen);
/* Appends o; -1 with err if the same leaf.subleaf:reg is already set or the list is full. */
int  cpuid_config_add(struct cpuid_config *c, const struct cpuid_override *o, char *err, size_t errlen);
/* Edits a KVM_GET_SUPPORTED_CPUID table in place (room for max entries):
 * hide first, then the overrides in order; an override of a leaf the table
 * lacks adds that leaf.  0, or -1 with err when the table is full. */
int  cpuid_apply(struct kvm_cpuid2 *t, uint32_t max, const struct cpuid_config *c, char *err, size_t errlen);
const char *cpuid_reg_name(int reg);    /* "eax" .. "edx" (enum cpuid_reg) */
/* The overrides of c the table KVM reports back (KVM_GET_CPUID2) does not hold:
 * their indexes into c->ov in idx[], at most max; returns the count (pure). */
int  cpuid_unheld(const struct kvm_cpuid2 *got, const struct cpuid_config *c, int *idx, int max);


/* ---- irqchip.c: the interrupt model of a run (none, kernel, split) ---- */
enum irq_model { IRQ_NONE, IRQ_KERNEL, IRQ_SPLIT, IRQ_MODEL_COUNT };
const char *irqchip_name(enum irq_model m);     /* "none", "kernel", "split" */
int  irqchip_parse(const char *s, enum irq_model *m);  /* 0, or -1 for an unknown name (pure) */
enum irq_model irqchip_from_flags(uint32_t flags);     /* the model a payload header states (pure) */
struct vm;
struct vcpu;
/* Creates the model's controllers in KVM (before any vCPU): 0, or -1 with err naming
 * the missing capability or the failed ioctl.  Nothing for IRQ_NONE. */
int  irqchip_create(struct vm *vm, char *err, size_t errlen);
/* KVM_GET_MP_STATE of v (KVM_MP_STATE_*), or -1 without a LAPIC in KVM or the capability. */
int  irqchip_mp_state(struct vcpu *v);
const char *irqchip_mp_state_name(int s);       /* "halted", "runnable", ...; NULL if unknown */
/* vCPU v > 0 with a LAPIC in KVM: made runnable (KVM creates it waiting for SIPI), unless
 * wait_sipi (payload flag KVMLAB_FLAG_AP_SIPI): then left for the guest's INIT-SIPI-SIPI.
 * 0, or -1 with err (also: wait_sipi without a LAPIC in KVM). */
int  irqchip_start_ap(struct vcpu *v, bool wait_sipi, char *err, size_t errlen);
/* Model kernel with KVM_CAP_IRQFD: the virtio console's used-buffer interrupt becomes an
 * eventfd KVM turns into IOAPIC pin VIRTIO_CONSOLE_GSI.  0 (also when not possible: the
 * guest then polls), or -1 with err. */
int  irqchip_irqfd(struct vm *vm, char *err, size_t errlen);


/* ---- vm.c: the VM: its fd, memory, buses, devices and configuration ---- */
#define MSR_EXIT_MAX 8                  /* --msr-exit indexes per run */
struct vm_config {
	uint64_t mem;                   /* guest RAM bytes */
	double timeout;                 /* seconds, 0 = none */
	uint64_t max_exits;             /* 0 = no limit */
	bool echo_console;
	bool verbose;                   /* log every ioctl */
	struct io_config io;            /* I/O devices (docs/io.md) */
	bool ktrace;                    /* --ktrace: vCPU threads join the recording (vmm/measure/ktrace.c) */
	double live;                    /* --live SECS: KVM's per-vCPU stats every SECS while it runs (vmm/measure/live.c), 0 = off */
	struct trace *trace;            /* kvmlab trace: single-step vCPU 0 (vmm/measure/trace.c); NULL = off */
	int vcpus;                      /* --vcpus N: 1..VCPUS_MAX threads (vmm/core/smp.c); 0 = one vCPU, no thread */
	int pin[VCPUS_MAX];             /* --pin: host CPU for vCPU i (the first npin entries) */
	int npin;                       /* entries in pin, 0 = no --pin */
	struct mem_config memcfg;       /* slots, backing, dirty logging: vmm/mem/ */
	/* Exit accounting and bench (docs/measurement.md). */
	uint32_t msr_exit[MSR_EXIT_MAX];        /* --msr-exit: extra MSRs sent to kvmlab */
	int nmsr_exit;
	bool kvmlab_msrs;                       /* payload flag KVMLAB_FLAG_MSRS: install the MSR filter */
	bool kernel_devs;                       /* payload flag KVMLAB_FLAG_KERNEL_DEVS: bench ioeventfds, zone */
	enum irq_model irqchip;                 /* the payload's flags, or --irqchip (irqchip.c) */
	bool irqchip_forced;                    /* --irqchip given: irqchip is not the payload's */
	uint32_t bench_iters, bench_repeat;     /* what the bench ports answer; 0 = default */
	bool hlt_continue;                      /* hlt exits re-enter the guest (bench hlt) */
	void (*report_hook)(struct vcpu *v, const struct report_entry *e, void *arg);
	void *report_hook_arg;
	/* Live migration (vmm/migrate/): start_hook runs once every vCPU exists, just
	 * before the first KVM_RUN (run.c, smp.c); vcpu_load replaces the entry set-up
	 * of vCPU i with state from a stream (a received --vcpus guest): 0, or -1 with err. */
	void (*start_hook)(struct run *r, void *arg);
	void *start_hook_arg;
	int (*vcpu_load)(struct vcpu *v, void *arg, char *err, size_t errlen);
	void *vcpu_load_arg;
	uint64_t console_limit;         /* --console-limit, 0 = CONSOLE_LIMIT_DEFAULT */
	bool sandbox;                   /* --sandbox: seccomp filter before the first KVM_RUN */
	struct cpuid_config cpuid;      /* edits to KVM's supported CPUID (cpuid.c) */
	uint64_t entry_arg;             /* --arg: RBX at entry (docs/guest-abi.md) */
};
struct mem_lab;
struct mig_pause;
struct run;
struct iodev;
struct trace;
struct vm {
	struct kvm *kvm;
	int fd;
	struct guest_mem mem;
	struct pio_bus pio;
	struct mmio_bus mmio;
	struct kvm_stats stats;         /* per-VM binary stats */
	struct vm_config cfg;
	struct iodev *io;               /* I/O devices (traps/devices/iodev.c) */
	struct mem_lab *memlab;         /* memory lab state (NULL: none): vmm/mem/memlab.c */
	struct benchdev bench;          /* traps/devices/benchdev.c */
	struct setup_log setup;         /* set-up steps and their cost (core/setup.c); main thread only */
	struct console con;             /* the one console of every vCPU and device (its own lock) */
	pthread_mutex_t coalesced_lock; /* the VM's one coalesced-MMIO ring: one drainer at a time */
	int coalesced_zones;            /* zones registered by machine_setup (set before the run): 0 = no ring to drain */
	uint32_t tsc_khz;               /* guest TSC rate (KVM_GET_TSC_KHZ in run.c/smp.c), 0 unknown; set before the run */
	uint32_t apic_tick_ns;          /* LAPIC timer tick (irqchip.c), 0 without a LAPIC in KVM; set before the run */
	int virtio_irqfd;               /* the virtio console's KVM_IRQFD eventfd (irqchip.c), -1 = none */
	struct mig_pause *pause;        /* live migration can stop the vCPUs (vmm/migrate/pause.c), else NULL; set before the run */
};
/* KVM_CREATE_VM, memory slots, stats, the machine's devices.  XC_OK, or an error
 * code with err (the VM is then already destroyed). */
int  vm_create(struct vm *vm, struct kvm *k, const struct vm_config *cfg, char *err, size_t errlen);
/* Copies the payload to its load address.  XC_OK or XC_PAYLOAD_SIZE. */
int  vm_load(struct vm *vm, const struct payload *p, char *err, size_t errlen);
void vm_destroy(struct vm *vm);         /* devices, stats, slots, fd; safe after a failed create */
/* tss.c: KVM_SET_IDENTITY_MAP_ADDR + KVM_SET_TSS_ADDR where expect.def says the host
 * needs them (VMX); call before the first vCPU.  0, or -1 with err naming the ioctl. */
int  tss_setup(struct vm *vm, char *err, size_t errlen);


/* ---- modes.c: CPU modes as data ---- */
/* Builds the GDT / page tables the mode needs in guest memory and sets the
 * vCPU's registers for the payload's entry.  0, or -1 with err naming the ioctl. */
int  mode_setup(struct vcpu *v, const struct payload *p, char *err, size_t errlen);
const char *mode_of_sregs(const struct kvm_sregs *s);   /* "real", "protected", "long" */


/* ---- vcpu.c: one vCPU and its run loop ---- */
struct vcpu {
	/* The vCPU's first page holds all of it that an exit touches: on this
	 * host an exit pays for every page kvmlab touches, as if KVM_RUN returned
	 * with its TLB entries gone, and every line, whose miss slows KVM_RUN's
	 * own path too (docs/measurement.md, "The sixth round").  Line 0:
	 * the run loop's fd and kvm_run, trap_io's last range and key.  Line 1:
	 * trap_io's request, the dispatch's last row.  From line 2: the counters,
	 * whose rows of every exit reason and first port keys are in the page;
	 * vcpu.c asserts the layout. */
	struct kvm_run *run;
	int fd;
	int run_size;
	struct pio_range pio_hit;       /* a copy of trap_io's last port range (traps/pio.c), count 0
					 * until the first: no line of vm->pio per exit; this vCPU's
					 * thread only */
	struct access_key *port_key_last;       /* trap_io's last key in ctr.port, or NULL; likewise */
	bool completing;                /* ACT_STEP: this entry has immediate_exit set by the loop */
	struct io_req io;                       /* trap_io's request: here, not on its stack, so the
						 * device's handler is a tail call (docs/measurement.md) */
	struct {
		uint32_t reason;
		exit_handler h;
	} exit_hit;                     /* exit_dispatch's last row of exit_table, so an exit reads
					 * no line of the table's page; {0, NULL} is row 0 */
	struct vm *vm;
	int id;
	struct counters ctr __attribute__((aligned(64)));
	struct kvm_stats stats;         /* per-vCPU binary stats */
	uint32_t memctl_status;         /* answer to IN from PORT_MEMCTL: this vCPU's last request */
	struct report_entry *reports;
	int nreports, reports_cap;
	enum end_kind end;
	uint32_t exit_status;           /* END_EXIT_PORT: the guest's status */
	char end_detail[512];           /* one line: what happened */
	uint64_t end_rip;
	uint64_t end_linear;            /* CS.base + RIP: differs from RIP in real mode */
	bool end_rip_valid;
	char end_insn[64];              /* disassembly at RIP for abnormal ends, "" if unknown */
	int end_mp_state;               /* KVM_GET_MP_STATE at a timeout (irqchip.c), -1 if not asked */
	int created_mp_state;           /* --vcpus: KVM_GET_MP_STATE as KVM created the vCPU, -1 if not asked */
	int final_mp_state;             /* --vcpus: KVM_GET_MP_STATE when its thread's run ended, -1 if not asked */
	double cpu_user, cpu_sys;       /* host CPU seconds of this vCPU's thread in vcpu_run (getrusage) */
	double loop_seconds;            /* wall time of its KVM_RUN loop, bracketed as tools/rawloop.c's */
	int schedstat_fd;               /* /proc/thread-self/schedstat of its thread, opened before any sandbox; -1 */
	int64_t run_delay_ns;           /* time its thread waited on a run queue in vcpu_run (schedstat); -1 unknown */
	volatile int timed_out;         /* set by the watchdog signal */
	volatile int kicked;            /* --vcpus: another vCPU ended the VM; leave KVM_RUN (set under smp.lock) */
	int kicked_by;                  /* which vCPU did */
	struct kvm_coalesced_mmio_ring *coalesced;  /* in the kvm_run mapping, or NULL */
} __attribute__((aligned(4096)));               /* a page of its own: RUN_NEW */
/* KVM_CREATE_VCPU, the kvm_run mapping, CPUID, stats.  XC_OK, or XC_HOST with err. */
int  vcpu_create(struct vcpu *v, struct vm *vm, int id, char *err, size_t errlen);
/* The one KVM_RUN loop (every vCPU thread, kvmlab trace too): runs until an
 * action other than ACT_CONTINUE or ACT_STEP; v->end says why. */
void vcpu_run(struct vcpu *v);
/* On the vCPU's own thread, before sandbox_enter: opens its schedstat so vcpu_run
 * can measure run delay (proc(5) /proc/PID/task/TID/schedstat).  Never fails: -1 means unknown. */
void vcpu_schedstat_open(struct vcpu *v);
/* An ACT_STEP entry has returned: the next KVM_RUN runs the guest again. */
void vcpu_step_done(struct vcpu *v);
void vcpu_destroy(struct vcpu *v);      /* unmaps kvm_run, closes the fd, frees what it kept */
/* Records how the run ended: the one place end/detail/rip are set.  Returns
 * ACT_DONE if the guest ended it (end_by_guest), else ACT_FAIL. */
enum action vcpu_end(struct vcpu *v, enum end_kind k, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define REPORTS_MAX 65536
/* Appends a report; -1 when REPORTS_MAX are already stored. */
int  vcpu_add_report(struct vcpu *v, const struct report_entry *r);
uint64_t vcpu_rip(struct vcpu *v);      /* current RIP, 0 if KVM_GET_REGS fails */
/* Disassembles the instruction at CS:rip through the guest's page tables; 0 or -1. */
int  vcpu_insn_at(struct vcpu *v, uint64_t rip, const struct kvm_sregs *sr, char *out, size_t n);


/* ---- watchdog.c: --timeout through a signal and immediate_exit ---- */
/* On the calling (vCPU) thread: after seconds (0 = never) the vCPU leaves KVM_RUN
 * with v->timed_out set.  0, or -1 with err naming the call. */
int  watchdog_arm(struct vcpu *v, double seconds, char *err, size_t errlen);
void watchdog_disarm(void);             /* this thread's timer, if armed */
/* SIGINT/SIGTERM end the run as END_INTERRUPTED (the whole report, exit 18):
 * install before any vCPU exists.  0, or -1 with err. */
int  watchdog_catch_stop(char *err, size_t errlen);
/* The stop signal received, 0 if none.  Inline: the run loop asks before every
 * entry, and a call is two taken branches (docs/measurement.md). */
extern volatile sig_atomic_t watchdog_stop_sig;
static inline int watchdog_stop_signal(void) { return watchdog_stop_sig; }
/* What kvm_run.immediate_exit must be when kvmlab itself clears it (after a
 * step, a migration pause): still 1 if the watchdog fired, another vCPU kicked
 * this one, or a stop signal came, since the run loop learns of all three
 * only from KVM_RUN's EINTR. */
static inline uint8_t vcpu_leave_due(const struct vcpu *v)
{
	return v->timed_out || v->kicked || watchdog_stop_signal();
}


/* ---- exit.c's table, dispatched inline in the run loop ---- */
static inline exit_handler exit_table_at(uint32_t reason)
{
	return likely(reason < EXIT_REASON_MAX) ? exit_table[reason] : NULL;
}
/* One exit: lookup, count, handler (or the unhandled handler); under kvmlab
 * trace, the trace decides whether it is one step (ACT_STEP).  Returns the
 * action.  Inline in the loop, whose page (vmm/core/hot.ld) holds the code of
 * an exit; the last row it used is cached in the vCPU, so an exit of the same
 * reason reads no line of the table's page (docs/measurement.md, "The sixth
 * round"). */
static inline __attribute__((always_inline)) enum action exit_dispatch(struct vcpu *v, uint64_t cycles,
									struct trace *trace)
{
	if (unlikely(trace != NULL))    /* kvmlab trace: single-stepping is a mode of this loop */
		return exit_dispatch_traced(v, cycles, trace);
	uint32_t reason = v->run->exit_reason;
	exit_handler h;

	if (likely(reason == v->exit_hit.reason)) {
		h = v->exit_hit.h;
	} else {
		h = exit_table_at(reason);
		v->exit_hit.reason = reason;
		v->exit_hit.h = h;
	}
	counters_exit(&v->ctr, reason, cycles);
	return likely(h != NULL) ? h(v) : trap_unhandled(v);
}


/* ---- run.c: one complete run of a payload (create, load, run, tear down) ---- */
struct run {
	struct vm vm;
	struct vcpu vcpu;
	struct kvm_regs regs;           /* at the end of the run */
	struct kvm_sregs sregs;
	bool regs_valid;
	double wall_seconds;            /* its KVM_RUN loop only (vcpu.loop_seconds), not setup */
	uint64_t tsc_khz;               /* KVM_GET_TSC_KHZ, 0 = unknown */
	int exit_code;                  /* enum kvmlab_exit_code */
	struct smp *smp;                /* --vcpus/--pin: all vCPUs and their threads (vmm/core/smp.c), else NULL */
	struct ktrace_result *ktrace;   /* --ktrace: KVM's events, per KVM_RUN (set after the run), else NULL */
	struct live *live;              /* --live: the monitor and its samples (run_teardown frees), else NULL */
};
/* Sets up a VM for p and runs it to the end.  Returns XC_OK when the guest
 * ran (r->exit_code says how it ended), else an error code with err set;
 * either way call run_teardown. */
int  run_payload(struct run *r, struct kvm *k, const struct payload *p,
		 const struct vm_config *cfg, char *err, size_t errlen);
/* The rest of run_payload once vCPU 0 is set up (also a restored one,
 * vmm/migrate/restore.c): watchdog, KVM_RUN loop, final state.  Same contract. */
int  run_ready(struct run *r, const struct vm_config *cfg, char *err, size_t errlen);
void run_teardown(struct run *r);       /* every vCPU, then the VM; safe after any failure */
/* A zeroed struct run or vcpu, at the alignment its counters ask for (struct
 * exit_counter: a cache line); calloc gives only 16 bytes.  free() it; NULL when out of memory. */
void *run_zalloc(size_t align, size_t size);
#define RUN_NEW(type) ((type *)run_zalloc(_Alignof(type), sizeof(type)))
/* --live: starts r->live's monitor on these vCPU fds (run.c, smp.c); 0 or -1 with err. */
int  run_live_start(struct run *r, const int *vcpu_fds, int n, char *err, size_t errlen);


/* ---- machine.c: the kvmlab machine, one row per device ---- */
enum machine_bus { BUS_PIO, BUS_MMIO, BUS_MSR };
enum machine_owner { OWN_NONE, OWN_VM, OWN_IODEV, OWN_MEMLAB };        /* where a row's instance lives */
enum kpath_kind { KPATH_NONE, KPATH_IOEVENTFD, KPATH_COALESCED, KPATH_MSR_FILTER, KPATH_IRQCHIP };
enum machine_when { WHEN_NEVER, WHEN_KERNEL_DEVS, WHEN_NOTIFY_IOEVENTFD, WHEN_COALESCED_MMIO, WHEN_MSR,
		    WHEN_IRQCHIP_KERNEL, WHEN_IRQCHIP_LAPIC, WHEN_VHOST_USER, WHEN_NET_IOEVENTFD,
		    WHEN_IRQCHIP_KERNEL_ELSE_SPLIT };
struct machine_row {
	const char *name;
	enum machine_bus bus;
	uint64_t base, size;            /* first port, GPA or MSR index, and how many */
	pio_handler pio;                /* BUS_PIO */
	mmio_handler mmio;              /* BUS_MMIO */
	enum machine_owner owner;       /* the handler's opaque: the owner (vm, vm->io, vm->memlab) + off */
	size_t off;
	enum kpath_kind path;           /* an in-kernel path the device may use */
	uint64_t path_off, path_len;    /* ioeventfd: the doorbell register inside the range */
	size_t path_at;                 /* the struct kpath inside the instance (ioeventfd, coalesced) */
	enum machine_when when;         /* when the path is set up */
	const char *step;               /* the path's set-up step (setup_record, docs/json-schema.md) */
};
/* The table itself (for the listing, `kvmlab --machine`): n rows. */
const struct machine_row *machine_rows(size_t *n);
const char *machine_path_name(int path);    /* "ioeventfd", "coalesced", "msr-filter"; NULL for none */
const char *machine_when_name(int when);    /* "always, best effort", "with --coalesced-mmio", ... */
/* machine_print (vmm/report/lists.c) prints the table: `kvmlab --machine [--json]`. */
/* The devices' instances (vm->io, bench), every row on its bus with its
 * instance, the in-kernel paths this run wants, then the I/O thread.  0, or -1
 * with err (also when the machine is already set up). */
int  machine_setup(struct vm *vm, char *err, size_t errlen);
/* The MSR filter of the table's MSR rows plus --msr-exit, when the run wants it
 * (vm_create calls it first: KVM_X86_SET_MSR_FILTER is cheapest on a fresh VM).
 * 0 (also when not wanted, or best effort without the capabilities), or -1 with err. */
int  machine_msr_filter(struct vm *vm, char *err, size_t errlen);
/* The I/O thread first (it reads guest RAM), then every path's eventfd, then the devices. */
void machine_teardown(struct vm *vm);


/* ---- smp.c: --vcpus N, each vCPU a POSIX thread with its own KVM_RUN loop ---- */
struct smp;                             /* the vCPU threads: private to smp.c */
/* Creates vCPUs 1..n-1 next to r->vcpu (already set up), runs all n as threads
 * until every one has ended, and fills r like run_payload does.  Same contract. */
int  smp_run(struct run *r, const struct payload *p, char *err, size_t errlen);
void smp_teardown(struct run *r);       /* vCPUs 1..n-1 and r->smp */
/* The per-vCPU lines of report_text (the "vcpus" JSON array: vmm/report/smp_json.c). */
void smp_report_text(const struct run *r, FILE *out);
/* vCPU i of a run (0..n-1; a run without --vcpus has only vCPU 0): false past the last. */
struct smp_vcpu_info {
	const struct vcpu *v;
	pid_t tid;                      /* the host thread that ran it */
	int cpu;                        /* --pin CPU, -1 = not pinned */
	double wall_seconds;            /* time in its run loop */
};
bool smp_vcpu_at(const struct run *r, int i, struct smp_vcpu_info *out);
/* Before any VM: does the payload leave room for the stacks of vcpus vCPUs?
 * XC_OK, or XC_PAYLOAD_SIZE with err. */
int  smp_check_fit(const struct payload *p, int vcpus, char *err, size_t errlen);
/* cpulist.c: parses "0,1,3" into cpus (at most max); number of entries, or -1 if malformed. */
int  cpulist_parse(const char *s, int *cpus, int max);
/* Is cpu in a sysfs CPU list such as "0-3,6" (/sys/devices/system/cpu/online)? */
bool cpulist_contains(const char *ranges, int cpu);
/* Every --pin CPU must be online (/sys/devices/system/cpu/online); 0, or -1 with err. */
int  smp_check_pins(const int *pin, int npin, char *err, size_t errlen);

#endif
