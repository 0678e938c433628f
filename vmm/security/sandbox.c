/*
 * sandbox.c - a seccomp-bpf allowlist for the vCPU thread (`run --sandbox`).
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
 */
#include <errno.h>
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
	ARG_VCPU_IOCTL,         /* ioctl(vcpu fd, req): this vCPU only, one request */
	ARG_IOCTL_REQ,          /* ioctl(any fd, req): one request */
	ARG_NO_EXEC,            /* mmap/mprotect without PROT_EXEC: no new code */
};

struct sandbox_rule {
	const char *syscall;
	enum sandbox_arg arg;
	unsigned long req;      /* ioctl request for ARG_*IOCTL* */
	const char *req_name;
	const char *why;
};

#define IOCTL(fdkind, r, why) { "ioctl", fdkind, r, #r, why }

/* What every kvmlab thread needs, whatever it does: stdio, malloc, locks,
 * leaving the thread, and the runtimes of instrumented builds.  Each thread's
 * filter is its own table below plus this one. */
static const struct sandbox_rule thread_rules[] = {
	{ "read",         ARG_ANY, 0, NULL, "eventfd counters (the bench doorbell, the virtio doorbell)" },
	{ "write",        ARG_ANY, 0, NULL, "console output, the report, error messages" },
	IOCTL(ARG_IOCTL_REQ,  TCGETS,        "stdio asks whether stdout is a terminal"),
	{ "newfstatat",   ARG_ANY, 0, NULL, "stdio sizes stdout's buffer" },
	{ "fstat",        ARG_ANY, 0, NULL, "stdio sizes stdout's buffer (older libc)" },
	{ "brk",          ARG_ANY, 0, NULL, "malloc: report and JSON buffers" },
	{ "mmap",         ARG_NO_EXEC, 0, NULL, "malloc of large blocks; never executable" },
	{ "mprotect",     ARG_NO_EXEC, 0, NULL, "malloc arenas; never executable" },
	{ "munmap",       ARG_ANY, 0, NULL, "free; guest RAM and kvm_run at teardown" },
	{ "close",        ARG_ANY, 0, NULL, "fds at teardown" },
	{ "futex",        ARG_ANY, 0, NULL, "locks shared between threads (console, devices, the run's end)" },
	{ "sched_yield",  ARG_ANY, 0, NULL, "--virtio-notify poll gives the core back; sanitizer runtime" },
	{ "getpid",       ARG_ANY, 0, NULL, "pthread_kill's tgid (--vcpus); sanitizer runtime" },
	{ "madvise",      ARG_ANY, 0, NULL, "a finished thread releases its stack" },
	{ "rt_sigprocmask", ARG_ANY, 0, NULL, "a finishing thread blocks signals" },
	{ "exit",         ARG_ANY, 0, NULL, "end of the thread" },
	{ "exit_group",   ARG_ANY, 0, NULL, "end of kvmlab" },
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
	/* make asan only: the sanitizer runtimes' own calls (reports, shadow
	 * memory), also on the way out of the SIGSYS handler's _exit. */
	{ "gettid",       ARG_ANY, 0, NULL, "sanitizer runtime (make asan builds only)" },
	{ "readlink",     ARG_ANY, 0, NULL, "sanitizer runtime (make asan builds only)" },
	{ "sigaltstack",  ARG_ANY, 0, NULL, "sanitizer runtime (make asan builds only)" },
	{ "rt_sigaction", ARG_ANY, 0, NULL, "sanitizer runtime (make asan builds only)" },
	{ "prctl",        ARG_ANY, 0, NULL, "sanitizer runtime (make asan builds only)" },
#endif
#ifdef KVMLAB_GCOV
	/* make coverage only: gcov writes its .gcda files at exit. */
	{ "openat",       ARG_ANY, 0, NULL, "gcov runtime (make coverage builds only)" },
	{ "fcntl",        ARG_ANY, 0, NULL, "gcov runtime (make coverage builds only)" },
	{ "lseek",        ARG_ANY, 0, NULL, "gcov runtime (make coverage builds only)" },
	{ "mkdir",        ARG_ANY, 0, NULL, "gcov runtime (make coverage builds only)" },
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
	IOCTL(ARG_VCPU_IOCTL, KVM_GET_MSRS,  "--msr-exit: forward a read to KVM's MSR"),
	IOCTL(ARG_VCPU_IOCTL, KVM_SET_MSRS,  "--msr-exit: forward a write to KVM's MSR"),
	IOCTL(ARG_IOCTL_REQ, KVM_SET_USER_MEMORY_REGION, "memory hotplug on the VM fd (port 0xF8)"),
	IOCTL(ARG_IOCTL_REQ, KVM_GET_DIRTY_LOG, "--dirty-log bitmap: harvest a round"),
	IOCTL(ARG_IOCTL_REQ, KVM_CLEAR_DIRTY_LOG, "--dirty-log bitmap with manual protect"),
	IOCTL(ARG_IOCTL_REQ, KVM_RESET_DIRTY_RINGS, "--dirty-log ring: give harvested entries back"),
	{ "getrusage",    ARG_ANY, 0, NULL, "memory marks: this thread's host page faults" },
	{ "tgkill",       ARG_ANY, 0, NULL, "--vcpus: kick the other vCPUs out of KVM_RUN" },
	{ "pread64",      ARG_ANY, 0, NULL, "KVM binary stats after the run (KVM_GET_STATS_FD); --blk: virtio-blk reads" },
	{ "pwrite64",     ARG_ANY, 0, NULL, "--blk: virtio-blk writes sectors to its backing file (traps/devices/virtio_blk.c)" },
	{ "fsync",        ARG_ANY, 0, NULL, "--blk: virtio-blk FLUSH" },
	{ "mremap",       ARG_ANY, 0, NULL, "realloc of the report array" },
	{ "rt_sigreturn", ARG_ANY, 0, NULL, "return from the watchdog's signal handler" },
	{ "timer_settime", ARG_ANY, 0, NULL, "watchdog" },
	{ "timer_delete", ARG_ANY, 0, NULL, "watchdog disarm" },
	{ "clock_gettime", ARG_ANY, 0, NULL, "wall time of the run (vDSO fallback)" },
	{ "sysinfo",      ARG_ANY, 0, NULL, "capstone's qsort asks sysconf(_SC_PHYS_PAGES) when disassembling at a crash" },
};
#define VCPU_RULES (sizeof(vcpu_rules) / sizeof(vcpu_rules[0]))

/* The I/O thread (traps/devices/iodev.c): it waits on the virtio doorbell's eventfd (or
 * polls the ring), walks the virtqueue in guest memory and writes what the
 * guest sent to the console.  It holds no KVM fd, so it needs no ioctl but
 * stdio's TCGETS. */
static const struct sandbox_rule io_rules[] = {
	{ "poll",         ARG_ANY, 0, NULL, "wait for the doorbell eventfd or the stop eventfd" },
};
#define IO_RULES (sizeof(io_rules) / sizeof(io_rules[0]))

static const struct sandbox_thread threads[] = {
	{ "vcpu", "runs KVM_RUN and every exit handler", vcpu_rules, VCPU_RULES + THREAD_RULES },
	{ "io", "the virtio back-end woken by the doorbell (--virtio-notify ioeventfd|poll)", io_rules,
	  IO_RULES + THREAD_RULES },
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
	case ARG_VCPU_IOCTL: snprintf(buf, n, "ioctl(vcpu fd, %s)", r->req_name); break;
	case ARG_IOCTL_REQ:  snprintf(buf, n, "ioctl(any fd, %s)", r->req_name); break;
	case ARG_NO_EXEC:    snprintf(buf, n, "%s(without PROT_EXEC)", r->syscall); break;
	case ARG_ANY:        snprintf(buf, n, "%s", r->syscall); break;
	}
	return buf;
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

static int add_rule(scmp_filter_ctx ctx, const struct sandbox_rule *r, int vcpu_fd)
{
	int nr = seccomp_syscall_resolve_name(r->syscall);

	if (nr == __NR_SCMP_ERROR)
		return 0;               /* not a system call on this architecture (fstat on newer ABIs) */
	switch (r->arg) {
	case ARG_VCPU_IOCTL:
		return seccomp_rule_add_exact(ctx, SCMP_ACT_ALLOW, nr, 2,
					      ARG_CMP(0, SCMP_CMP_EQ, (scmp_datum_t)vcpu_fd, 0),
					      ARG_CMP(1, SCMP_CMP_EQ, (scmp_datum_t)r->req, 0));
	case ARG_IOCTL_REQ:
		return seccomp_rule_add_exact(ctx, SCMP_ACT_ALLOW, nr, 1,
					      ARG_CMP(1, SCMP_CMP_EQ, (scmp_datum_t)r->req, 0));
	case ARG_NO_EXEC:
		return seccomp_rule_add_exact(ctx, SCMP_ACT_ALLOW, nr, 1,
					      ARG_CMP(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	case ARG_ANY:
		break;
	}
	return seccomp_rule_add_exact(ctx, SCMP_ACT_ALLOW, nr, 0);
}

/* KVMLAB_SANDBOX_SELFTEST=1: prove the filter is in force by doing what it
 * forbids - open a network socket, the first move of an escaped guest.
 * Returns only if the system call was let through. */
static int sandbox_selftest(char *err, size_t errlen)
{
	long fd = syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);

	snprintf(err, errlen, "sandbox self-test: socket was not blocked (returned %ld)", fd);
	return -1;
}

/* Installs the calling thread's filter from one rule table.  vcpu_fd is the
 * only fd ARG_VCPU_IOCTL rules accept (-1: none).  0, or -1 with err. */
static int sandbox_install(const struct sandbox_thread *t, int vcpu_fd, const char *who,
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
		rc = add_rule(ctx, r, vcpu_fd);
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
	/* KVMLAB_SANDBOX_SELFTEST=1 tests the vCPU thread's filter, =io the I/O thread's. */
	const char *st = getenv("KVMLAB_SANDBOX_SELFTEST");
	if (st && !strcmp(st, vcpu_fd >= 0 ? "1" : "io"))
		return sandbox_selftest(err, errlen);
	return 0;
}

int sandbox_enter(struct vcpu *v, char *err, size_t errlen)
{
	return sandbox_install(&threads[0], v->fd, "vCPU", err, errlen);
}

int sandbox_enter_io(char *err, size_t errlen)
{
	return sandbox_install(&threads[1], -1, "I/O", err, errlen);
}
