/*
 * sandbox.c - a seccomp-bpf allowlist for every kvmlab thread (`run --sandbox`).
 *
 * Once the VM is set up, the thread that runs the guest needs only a few
 * system calls: KVM_RUN and the register reads on its own vCPU fd, write for
 * the console and the report, pread for KVM's stats, and memory management
 * for the report's buffers.  Everything else - open, socket, execve, clone,
 * ptrace, ioctls on other fds - is what an attacker who took over kvmlab
 * through a bug in an exit handler would want, so after setup and before the
 * first KVM_RUN the thread installs a filter (Linux
 * Documentation/userspace-api/seccomp_filter.rst) built with libseccomp from
 * the table below.  The filter is inherited by nothing (kvmlab never forks)
 * and cannot be removed.  Firecracker does the same per thread.
 *
 * A violation raises SIGSYS (SCMP_ACT_TRAP); the handler writes the system
 * call's name with write(2) and exits with XC_SANDBOX.  Names are resolved
 * before the filter goes in, so the handler only reads a table.
 *
 * Arguments are pinned where a call could reach beyond kvmlab: every ioctl
 * names its fd (this vCPU's, the VM's, or stdio's) and its request; tgkill
 * takes kvmlab's own tgid only; pwrite64 and fsync take the --blk disk's fd
 * only (and are absent without --blk).  With --vcpus the main thread, which
 * holds every KVM fd and shares memory with the vCPU threads, installs the
 * vCPU table pinned to all vCPU fds once it has started them, and no vCPU
 * enters the guest before it has (sandbox_gate_arm).  Nothing is opened
 * after a filter: translate.c opens its /proc files once, before.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "kvmlab.h"

/* What a rule's arguments must be (beyond the system call number). */
enum sandbox_arg {
	ARG_ANY,                /* any arguments */
	ARG_VCPU_IOCTL,         /* ioctl(vcpu fd, req): this thread's vCPU(s) only, one request */
	ARG_VM_IOCTL,           /* ioctl(VM fd, req): one request */
	ARG_STDIO_IOCTL,        /* ioctl(fd 0, 1 or 2, req): one request */
	ARG_NO_EXEC,            /* mmap/mprotect without PROT_EXEC: no new code */
	ARG_OWN_TGID,           /* tgkill(kvmlab's tgid, ...): no other process */
	ARG_BLK_FD,             /* first argument is the --blk fd; no rule without --blk */
};

struct sandbox_rule {
	const char *syscall;
	enum sandbox_arg arg;
	unsigned long req;      /* ioctl request for ARG_*IOCTL */
	const char *req_name;
	const char *why;
	bool build_only;        /* a sanitizer or gcov runtime's call: not kvmlab's */
};

/* The fds and ids a filter's pins are built from. */
struct sandbox_pins {
	const int *vcpu_fds;    /* ARG_VCPU_IOCTL: any of these */
	int nvcpu;
	int vm_fd;
	int blk_fd;             /* -1: no --blk, so no ARG_BLK_FD rule */
	pid_t tgid;
};

#define IOCTL(fdkind, r, why) { "ioctl", fdkind, r, #r, why, false }
#define RUNTIME(name, why) { name, ARG_ANY, 0, NULL, why, true }

/* What every kvmlab thread needs, whatever it does: stdio, malloc, locks,
 * leaving the thread, and the runtimes of instrumented builds.  Each thread's
 * filter is its own table below plus this one. */
static const struct sandbox_rule thread_rules[] = {
	{ "read",         ARG_ANY, 0, NULL, "eventfd counters (the bench doorbell, the virtio doorbell)", false },
	{ "write",        ARG_ANY, 0, NULL, "console output, the report, error messages", false },
	IOCTL(ARG_STDIO_IOCTL, TCGETS,       "stdio asks whether stdout is a terminal"),
	{ "newfstatat",   ARG_ANY, 0, NULL, "stdio sizes stdout's buffer", false },
	{ "fstat",        ARG_ANY, 0, NULL, "stdio sizes stdout's buffer (older libc)", false },
	{ "brk",          ARG_ANY, 0, NULL, "malloc: report and JSON buffers", false },
	{ "mmap",         ARG_NO_EXEC, 0, NULL, "malloc of large blocks; never executable", false },
	{ "mprotect",     ARG_NO_EXEC, 0, NULL, "malloc arenas; never executable", false },
	{ "munmap",       ARG_ANY, 0, NULL, "free; guest RAM and kvm_run at teardown", false },
	{ "close",        ARG_ANY, 0, NULL, "fds at teardown", false },
	{ "futex",        ARG_ANY, 0, NULL, "locks shared between threads (console, devices, the run's end)", false },
	{ "sched_yield",  ARG_ANY, 0, NULL, "--virtio-notify poll gives the core back; sanitizer runtime", false },
	{ "getpid",       ARG_ANY, 0, NULL, "pthread_kill's tgid (--vcpus); sanitizer runtime", false },
	{ "madvise",      ARG_ANY, 0, NULL, "a finished thread releases its stack; --balloon releases guest pages", false },
	{ "rt_sigprocmask", ARG_ANY, 0, NULL, "a finishing thread blocks signals", false },
	{ "exit",         ARG_ANY, 0, NULL, "end of the thread", false },
	{ "exit_group",   ARG_ANY, 0, NULL, "end of kvmlab", false },
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
	/* make asan only: the sanitizer runtimes' own calls (reports, shadow
	 * memory), also on the way out of the SIGSYS handler's _exit. */
	RUNTIME("gettid", "sanitizer runtime (make asan builds only)"),
	RUNTIME("readlink", "sanitizer runtime (make asan builds only)"),
	RUNTIME("sigaltstack", "sanitizer runtime (make asan builds only)"),
	RUNTIME("rt_sigaction", "sanitizer runtime (make asan builds only)"),
	RUNTIME("prctl", "sanitizer runtime (make asan builds only)"),
#endif
#ifdef KVMLAB_GCOV
	/* make coverage only: gcov writes its .gcda files at exit. */
	RUNTIME("openat", "gcov runtime (make coverage builds only)"),
	RUNTIME("fcntl", "gcov runtime (make coverage builds only)"),
	RUNTIME("lseek", "gcov runtime (make coverage builds only)"),
	RUNTIME("mkdir", "gcov runtime (make coverage builds only)"),
#endif
};
#define THREAD_RULES (sizeof(thread_rules) / sizeof(thread_rules[0]))

/* The vCPU thread: KVM_RUN and every exit handler. */
static const struct sandbox_rule vcpu_rules[] = {
	IOCTL(ARG_VCPU_IOCTL, KVM_RUN,       "enter the guest (api.rst 4.10)"),
	IOCTL(ARG_VCPU_IOCTL, KVM_GET_REGS,  "RIP of reports and of the end state"),
	IOCTL(ARG_VCPU_IOCTL, KVM_GET_SREGS, "mode and CS base for the end state"),
	IOCTL(ARG_VCPU_IOCTL, KVM_TRANSLATE, "disassemble the instruction at RIP; --translate"),
	IOCTL(ARG_VCPU_IOCTL, KVM_SET_REGS,  "trace: step over a breakpoint"),
	IOCTL(ARG_VCPU_IOCTL, KVM_SET_GUEST_DEBUG, "trace: single-step and breakpoints (api.rst 4.38)"),
	IOCTL(ARG_VCPU_IOCTL, KVM_GET_MP_STATE, "a timeout with a LAPIC in KVM: was the vCPU halted there (irqchip.c)"),
	IOCTL(ARG_VCPU_IOCTL, KVM_GET_MSRS,  "--msr-exit: forward a read to KVM's MSR"),
	IOCTL(ARG_VCPU_IOCTL, KVM_SET_MSRS,  "--msr-exit: forward a write to KVM's MSR"),
	IOCTL(ARG_VM_IOCTL, KVM_SET_USER_MEMORY_REGION, "memory hotplug (port 0xF8)"),
	IOCTL(ARG_VM_IOCTL, KVM_IRQ_LINE, "the UART raises ISA IRQ 4 in KVM's PIC/IOAPIC (interrupt model kernel)"),
	IOCTL(ARG_VM_IOCTL, KVM_SIGNAL_MSI, "kvmlab's IOAPIC sends an interrupt to KVM's LAPICs (interrupt model split)"),
	IOCTL(ARG_VM_IOCTL, KVM_SET_GSI_ROUTING, "kvmlab's IOAPIC tells KVM its level-triggered vectors (interrupt model split)"),
	IOCTL(ARG_VM_IOCTL, KVM_GET_DIRTY_LOG, "--dirty-log bitmap: harvest a round"),
	IOCTL(ARG_VM_IOCTL, KVM_CLEAR_DIRTY_LOG, "--dirty-log bitmap with manual protect"),
	IOCTL(ARG_VM_IOCTL, KVM_RESET_DIRTY_RINGS, "--dirty-log ring: give harvested entries back"),
	{ "getrusage",    ARG_ANY, 0, NULL, "memory marks: this thread's host page faults; the vCPU thread's CPU time", false },
	{ "mincore",      ARG_ANY, 0, NULL, "--balloon: how much of guest RAM is resident", false },
	{ "tgkill",       ARG_OWN_TGID, 0, NULL, "--vcpus: kick the other vCPUs out of KVM_RUN; SIGINT/SIGTERM reach each vCPU", false },
	{ "pread64",      ARG_ANY, 0, NULL, "KVM binary stats after the run (KVM_GET_STATS_FD), pagemap for translations; --blk: virtio-blk reads", false },
	{ "pwrite64",     ARG_BLK_FD, 0, NULL, "--blk: virtio-blk writes sectors to its backing file (traps/devices/virtio_blk.c)", false },
	{ "fsync",        ARG_BLK_FD, 0, NULL, "--blk: virtio-blk FLUSH", false },
	{ "mremap",       ARG_ANY, 0, NULL, "realloc of the report array", false },
	{ "rt_sigreturn", ARG_ANY, 0, NULL, "return from the watchdog's, the kick's and SIGINT/SIGTERM's handlers", false },
	{ "timer_settime", ARG_ANY, 0, NULL, "watchdog", false },
	{ "timer_delete", ARG_ANY, 0, NULL, "watchdog disarm", false },
	{ "clock_gettime", ARG_ANY, 0, NULL, "wall time of the run (vDSO fallback)", false },
	{ "sysinfo",      ARG_ANY, 0, NULL, "capstone's qsort asks sysconf(_SC_PHYS_PAGES) when disassembling at a crash", false },
};
#define VCPU_RULES (sizeof(vcpu_rules) / sizeof(vcpu_rules[0]))

/* The I/O thread (traps/devices/iodev.c): it waits on the virtio doorbell's eventfd (or
 * polls the ring), walks the virtqueue in guest memory and writes what the
 * guest sent to the console.  Its one KVM ioctl, pinned to the VM fd and given
 * only in the split model: the used-buffer interrupt through kvmlab's IOAPIC. */
static const struct sandbox_rule io_rules[] = {
	{ "poll",         ARG_ANY, 0, NULL, "wait for the doorbell eventfd or the stop eventfd", false },
	IOCTL(ARG_VM_IOCTL, KVM_SIGNAL_MSI, "interrupt model split: the virtio console's interrupt through kvmlab's IOAPIC"),
};
#define IO_RULES (sizeof(io_rules) / sizeof(io_rules[0]))

static const struct sandbox_thread threads[] = {
	{ "vcpu", "runs KVM_RUN and every exit handler", vcpu_rules, VCPU_RULES + THREAD_RULES },
	{ "io", "the virtio back-end woken by the doorbell (--virtio-notify ioeventfd|poll)", io_rules,
	  IO_RULES + THREAD_RULES },
	/* --vcpus: the main thread does what the one vCPU thread does after its
	 * run (the report, teardown), for every vCPU; so the same table. */
	{ "main", "with --vcpus: waits for the vCPU threads, then reports and tears down (the vcpu table, every vCPU fd)",
	  vcpu_rules, VCPU_RULES + THREAD_RULES },
};

/* The thread the SIGSYS handler names: set before its filter goes in. */
static __thread const char *sb_thread = "vCPU";

const struct sandbox_thread *sandbox_threads(int *n)
{
	*n = sizeof(threads) / sizeof(threads[0]);
	return threads;
}

const char *sandbox_rule_text(const struct sandbox_rule *r, char *buf, size_t n)
{
	switch (r->arg) {
	case ARG_VCPU_IOCTL:  snprintf(buf, n, "ioctl(vcpu fd, %s)", r->req_name); break;
	case ARG_VM_IOCTL:    snprintf(buf, n, "ioctl(VM fd, %s)", r->req_name); break;
	case ARG_STDIO_IOCTL: snprintf(buf, n, "ioctl(stdio fd, %s)", r->req_name); break;
	case ARG_NO_EXEC:     snprintf(buf, n, "%s(without PROT_EXEC)", r->syscall); break;
	case ARG_OWN_TGID:    snprintf(buf, n, "%s(own tgid)", r->syscall); break;
	case ARG_BLK_FD:      snprintf(buf, n, "%s(--blk fd)", r->syscall); break;
	case ARG_ANY:         snprintf(buf, n, "%s", r->syscall); break;
	}
	return buf;
}

size_t sandbox_thread_syscalls(const struct sandbox_thread *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->nrules; i++) {
		const struct sandbox_rule *r = sandbox_rule_at(t, i);
		bool seen = r->build_only;
		for (size_t k = 0; k < i && !seen; k++) {
			const struct sandbox_rule *q = sandbox_rule_at(t, k);
			seen = !q->build_only && !strcmp(q->syscall, r->syscall);
		}
		n += !seen;
	}
	return n;
}

const struct sandbox_rule *sandbox_rule_at(const struct sandbox_thread *t, size_t i)
{
	size_t own = t->nrules - THREAD_RULES;     /* the thread's own rows, then the shared ones */

	if (i >= t->nrules)
		return NULL;
	return i < own ? &t->rules[i] : &thread_rules[i - own];
}

const char *sandbox_rule_why(const struct sandbox_rule *r)
{
	return r->why;
}

/* ---- the violation handler: async-signal-safe, reads a prepared table ---- */

#ifdef KVMLAB_GCOV
void __gcov_dump(void);
#endif

#define SANDBOX_NR_MAX 512              /* > every x86-64 system call number */
static char nr_names[SANDBOX_NR_MAX][24];

static size_t put(char *dst, size_t at, size_t cap, const char *s)
{
	while (*s && at < cap)
		dst[at++] = *s++;
	return at;
}

static void sandbox_violation(int sig, siginfo_t *si, void *uctx)
{
	char msg[160], num[12];
	int nr = si->si_syscall, i = sizeof(num);
	size_t at = 0;

	(void)sig;
	(void)uctx;
	num[--i] = '\0';
	do {
		num[--i] = (char)('0' + (unsigned)nr % 10);
		nr = (int)((unsigned)nr / 10);
	} while (nr && i > 0);
	at = put(msg, at, sizeof(msg), "kvmlab: sandbox: forbidden system call ");
	at = put(msg, at, sizeof(msg),
		 si->si_syscall >= 0 && si->si_syscall < SANDBOX_NR_MAX && nr_names[si->si_syscall][0]
			 ? nr_names[si->si_syscall] : "?");
	at = put(msg, at, sizeof(msg), " (nr ");
	at = put(msg, at, sizeof(msg), num + i);
	at = put(msg, at, sizeof(msg), ") in the ");
	at = put(msg, at, sizeof(msg), sb_thread);
	at = put(msg, at, sizeof(msg), " thread: killed (docs/security.md)\n");
	(void)!write(STDERR_FILENO, msg, at);
#ifdef KVMLAB_GCOV
	__gcov_dump();          /* make coverage: _exit skips gcov's own exit hook */
#endif
	_exit(XC_SANDBOX);
}

/* SCMP_A0() and friends leave datum_b implicit, which clang -Wextra refuses. */
#define ARG_CMP(n, op_, a, b) ((struct scmp_arg_cmp){ .arg = (n), .op = (op_), .datum_a = (a), .datum_b = (b) })

static int add_rule(scmp_filter_ctx ctx, const struct sandbox_rule *r, const struct sandbox_pins *pin)
{
	int nr = seccomp_syscall_resolve_name(r->syscall), rc = 0;

	if (nr == __NR_SCMP_ERROR)
		return 0;               /* not a system call on this architecture (fstat on newer ABIs) */
	switch (r->arg) {
	case ARG_VCPU_IOCTL:            /* one rule per fd: the filter ORs them */
		for (int i = 0; i < pin->nvcpu && rc == 0; i++)
			rc = seccomp_rule_add_exact(ctx, SCMP_ACT_ALLOW, nr, 2,
						    ARG_CMP(0, SCMP_CMP_EQ, (scmp_datum_t)pin->vcpu_fds[i], 0),
						    ARG_CMP(1, SCMP_CMP_EQ, (scmp_datum_t)r->req, 0));
		return rc;
	case ARG_VM_IOCTL:
		if (pin->vm_fd < 0)
			return 0;
		return seccomp_rule_add_exact(ctx, SCMP_ACT_ALLOW, nr, 2,
					      ARG_CMP(0, SCMP_CMP_EQ, (scmp_datum_t)pin->vm_fd, 0),
					      ARG_CMP(1, SCMP_CMP_EQ, (scmp_datum_t)r->req, 0));
	case ARG_STDIO_IOCTL:
		return seccomp_rule_add_exact(ctx, SCMP_ACT_ALLOW, nr, 2,
					      ARG_CMP(0, SCMP_CMP_LE, (scmp_datum_t)STDERR_FILENO, 0),
					      ARG_CMP(1, SCMP_CMP_EQ, (scmp_datum_t)r->req, 0));
	case ARG_NO_EXEC:
		return seccomp_rule_add_exact(ctx, SCMP_ACT_ALLOW, nr, 1,
					      ARG_CMP(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	case ARG_OWN_TGID:
		return seccomp_rule_add_exact(ctx, SCMP_ACT_ALLOW, nr, 1,
					      ARG_CMP(0, SCMP_CMP_EQ, (scmp_datum_t)pin->tgid, 0));
	case ARG_BLK_FD:
		if (pin->blk_fd < 0)
			return 0;       /* no disk: the call is not allowed at all */
		return seccomp_rule_add_exact(ctx, SCMP_ACT_ALLOW, nr, 1,
					      ARG_CMP(0, SCMP_CMP_EQ, (scmp_datum_t)pin->blk_fd, 0));
	case ARG_ANY:
		break;
	}
	return seccomp_rule_add_exact(ctx, SCMP_ACT_ALLOW, nr, 0);
}

/* KVMLAB_SANDBOX_SELFTEST=NAME: prove a filter is in force by doing what
 * it forbids, right after it goes in.  Each call is harmless if let through
 * (signal 0, zero bytes, a bad fd or request), so without the filter the
 * run goes on and the test sees exit 0 instead of 17.  "1", "io" and "main"
 * open a network socket (an escaped guest's first move) in the vCPU, I/O
 * and --vcpus main thread; the others each try what one pin refuses. */
static void sandbox_selftest(const char *who, const struct sandbox_pins *pin)
{
	const char *st = getenv("KVMLAB_SANDBOX_SELFTEST");
	bool vcpu = !strcmp(who, "vCPU"), main_thread = !strcmp(who, "main");
	struct termios tio;

	if (!st)
		return;
	if ((vcpu && !strcmp(st, "1")) || (!strcmp(who, "I/O") && !strcmp(st, "io")) ||
	    (main_thread && !strcmp(st, "main"))) {
		long fd = syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
		if (fd >= 0)
			close((int)fd);
	} else if (main_thread && !strcmp(st, "main-ioctl")) {
		(void)ioctl(STDIN_FILENO, KVM_RUN, 0);                  /* not a vCPU fd */
	} else if (!vcpu) {
		return;
	} else if (!strcmp(st, "tgkill")) {
		(void)syscall(SYS_tgkill, 1, 1, 0);     /* init: another process; signal 0 only checks */
	} else if (!strcmp(st, "pwrite")) {
		(void)syscall(SYS_pwrite64, STDERR_FILENO, "", 0, 0);   /* not the disk */
	} else if (!strcmp(st, "fsync")) {
		(void)fsync(STDOUT_FILENO);
	} else if (!strcmp(st, "ioctl-fd")) {
		(void)ioctl(STDIN_FILENO, KVM_GET_REGS, NULL);          /* not a vCPU fd */
	} else if (!strcmp(st, "ioctl-vm") && pin->nvcpu > 0) {
		(void)ioctl(pin->vcpu_fds[0], KVM_GET_DIRTY_LOG, NULL); /* a VM ioctl on a vCPU fd */
	} else if (!strcmp(st, "ioctl-tty")) {
		(void)ioctl(pin->vm_fd, TCGETS, &tio);                  /* stdio's request, not stdio */
	} else if (!strcmp(st, "open")) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			close(fd);
	}
}

/* Installs the calling thread's filter from one rule table.  vcpu_fd is the
 * only fd ARG_VCPU_IOCTL rules accept (-1: none).  0, or -1 with err. */
static int sandbox_install(const struct sandbox_thread *t, const struct sandbox_pins *pin, const char *who,
			   char *err, size_t errlen)
{
	struct sigaction sa;
	scmp_filter_ctx ctx;
	int rc;

	for (int nr = 0; nr < SANDBOX_NR_MAX; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		if (name)
			snprintf(nr_names[nr], sizeof(nr_names[nr]), "%s", name);
		free(name);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sandbox_violation;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0) {
		snprintf(err, errlen, "sandbox: sigaction(SIGSYS): %s", strerror(errno));
		return -1;
	}
	/* Default action for everything not listed: SIGSYS, i.e. the handler above. */
	ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx) {
		snprintf(err, errlen, "sandbox: seccomp_init failed");
		return -1;
	}
	for (size_t i = 0; i < t->nrules; i++) {
		const struct sandbox_rule *r = sandbox_rule_at(t, i);
		rc = add_rule(ctx, r, pin);
		if (rc < 0) {
			snprintf(err, errlen, "sandbox: rule for %s: %s", r->syscall, strerror(-rc));
			seccomp_release(ctx);
			return -1;
		}
	}
	sb_thread = who;
	/* seccomp_load sets no_new_privs first (SCMP_FLTATR_CTL_NNP defaults to on). */
	rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0) {
		snprintf(err, errlen, "sandbox: seccomp_load: %s", strerror(-rc));
		return -1;
	}
	vlog("sandbox: seccomp filter of %zu rules installed on the %s thread", t->nrules, who);
	sandbox_selftest(who, pin);
	return 0;
}

static int blk_fd_of(const struct vm *vm)
{
	return vm->io ? vm->io->blk.blk.fd : -1;
}

/* --vcpus: no vCPU thread enters the guest until the main thread is filtered. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static bool gate_armed, gate_open;
static int gate_rc;
static char gate_err[200];

void sandbox_gate_arm(void)
{
	pthread_mutex_lock(&gate_lock);
	gate_armed = true;
	gate_open = false;
	pthread_mutex_unlock(&gate_lock);
}

int sandbox_enter(struct vcpu *v, char *err, size_t errlen)
{
	struct sandbox_pins pin = { .vcpu_fds = &v->fd, .nvcpu = 1, .vm_fd = v->vm->fd,
				    .blk_fd = blk_fd_of(v->vm), .tgid = getpid() };
	int rc = sandbox_install(&threads[0], &pin, "vCPU", err, errlen);

	pthread_mutex_lock(&gate_lock);
	while (rc == 0 && gate_armed && !gate_open)
		pthread_cond_wait(&gate_cv, &gate_lock);
	if (rc == 0 && gate_armed && gate_rc != 0) {
		snprintf(err, errlen, "main thread: %s", gate_err);
		rc = -1;
	}
	pthread_mutex_unlock(&gate_lock);
	return rc;
}

int sandbox_enter_io(int vm_fd, char *err, size_t errlen)
{
	struct sandbox_pins pin = { .vm_fd = vm_fd, .blk_fd = -1, .tgid = getpid() };

	return sandbox_install(&threads[1], &pin, "I/O", err, errlen);
}

int sandbox_enter_main(struct vm *vm, const int *vcpu_fds, int n, char *err, size_t errlen)
{
	struct sandbox_pins pin = { .vcpu_fds = vcpu_fds, .nvcpu = n, .vm_fd = vm->fd,
				    .blk_fd = blk_fd_of(vm), .tgid = getpid() };
	int rc = sandbox_install(&threads[2], &pin, "main", err, errlen);

	pthread_mutex_lock(&gate_lock);
	gate_rc = rc;
	snprintf(gate_err, sizeof(gate_err), "%s", rc ? err : "");
	gate_open = true;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_lock);
	return rc;
}
