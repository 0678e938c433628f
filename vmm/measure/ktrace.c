/*
 * ktrace.c - record KVM's tracepoints for kvmlab's own vCPU threads.
 *
 * KVM publishes what it does in the kernel as tracepoints (events/kvm,
 * events/kvmmmu; Documentation/trace/events.rst).  kvmlab records them in a
 * tracefs instance of its own, "kvmlab-PID" (Documentation/trace/ftrace.rst,
 * "Instances"), so the top-level buffer and every other user of tracing are
 * left alone, and only for the threads it adds with set_event_pid: its vCPU
 * threads, not the I/O thread, not other VMs.  The syscall events around the
 * KVM_RUN ioctl mark where each round trip starts and ends (ktrace_join.c).
 *
 * Nothing here runs per exit: the kernel writes the ring buffer; kvmlab reads
 * it after the run through libtracefs/libtraceevent.  The instance is removed
 * at the end of the run (also on SIGINT/SIGTERM, which end the run normally,
 * and at exit()); one left by a killed kvmlab is removed by the next
 * --ktrace run's start (ktrace_clean_stale).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <tracefs/tracefs.h>
#include <event-parse.h>

#include "kvmlab.h"

#define KTRACE_DIR "/sys/kernel/tracing"        /* tracefs's documented mount point */
#define KTRACE_PREFIX "kvmlab-"
#define KTRACE_BUFFER_KB 8192                   /* per CPU; the default 1.4 MiB holds ~30k events */
#define KVM_RUN_CMD 0xAE80                      /* _IO(KVMIO, 0x80), <linux/kvm.h> */

/* The events recorded: system, name, kind.  kvmmmu's page-table walker events
 * (kvm_mmu_pagetable_walk, kvm_mmu_paging_element) are left out: one guest
 * access makes up to five of them, and they would fill the buffer 100:1. */
static const struct kt_event_row {
	const char *sys, *name;
	int kind;
	bool required;          /* without it there is nothing to join */
} kt_events[] = {
	{ "syscalls", "sys_enter_ioctl", KT_RUN_ENTER, true },
	{ "syscalls", "sys_exit_ioctl", KT_RUN_RET, true },
	{ "kvm", "kvm_userspace_exit", KT_USER_EXIT, true },
	{ "kvm", "kvm_entry", KT_ENTRY, false },
	{ "kvm", "kvm_exit", KT_EXIT, false },
	{ "kvm", "kvm_emulate_insn", KT_EMULATE, false },
	{ "kvm", "kvm_page_fault", KT_PAGE_FAULT, false },
	{ "kvm", "kvm_pio", KT_PIO, false },
	{ "kvm", "kvm_mmio", KT_MMIO, false },
	{ "kvm", "kvm_msr", KT_MSR, false },
	{ "kvm", "kvm_cpuid", KT_CPUID, false },
	{ "kvm", "kvm_inj_exception", KT_INJ_EXCEPTION, false },
};
static const char *const kt_mmu_skip[] = { "kvm_mmu_pagetable_walk", "kvm_mmu_paging_element" };

/* The one recording of this process: main thread only, except ktrace_add_thread
 * (vCPU threads), which lock. */
static struct {
	pthread_mutex_t lock;           /* threads, set_event_pid */
	int threads;
	struct tracefs_instance *inst;
	bool mounted;           /* kvmlab mounted tracefs: unmount when done */
	bool atexit_set;
	char clock[16];
} kt = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Is tracefs mounted anywhere?  Checked by hand: libtracefs would mount it itself. */
static bool tracefs_mounted(void)
{
	FILE *f = fopen("/proc/mounts", "r");
	char line[512];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char dev[128], dir[256], type[64];
		if (sscanf(line, "%127s %255s %63s", dev, dir, type) == 3 && strcmp(type, "tracefs") == 0 &&
		    strcmp(dir, KTRACE_DIR) == 0)
			found = true;
	}
	fclose(f);
	return found;
}

/* Is kvmlab-PID's process gone (or the PID reused by something that is not kvmlab)? */
static bool instance_stale(const char *name)
{
	char *end, path[64], comm[32] = "";
	long pid = strtol(name + strlen(KTRACE_PREFIX), &end, 10);
	FILE *f;

	if (*end || pid <= 0 || pid == getpid())
		return false;
	if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
		return true;
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	if (!(f = fopen(path, "r")))
		return true;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	return strncmp(comm, "kvmlab", 6) != 0;
}

static int clean_one(const char *name, void *ctx)
{
	int *n = ctx;

	if (strncmp(name, KTRACE_PREFIX, strlen(KTRACE_PREFIX)) != 0 || !instance_stale(name))
		return 0;
	struct tracefs_instance *i = tracefs_instance_alloc(NULL, name);
	if (i) {
		if (tracefs_instance_destroy(i) == 0)
			(*n)++;
		tracefs_instance_free(i);
	}
	return 0;
}

/* Cleaners take flock(2) on the instances directory, so two kvmlabs never remove the same
 * instance at once, and a test can hold a stale one in place while it looks at it. */
int ktrace_clean_stale(void)
{
	int n = 0, fd;

	if (!tracefs_mounted())
		return 0;
	fd = open(KTRACE_DIR "/instances", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		flock(fd, LOCK_EX);
	tracefs_instances_walk(clean_one, &n);
	if (fd >= 0)
		close(fd);              /* releases the lock */
	return n;
}

static void ktrace_atexit(void)
{
	ktrace_stop();
}

/* Each event's own enable file: tracefs_event_enable() would match every name of every
 * system against a regex, milliseconds per call. */
static int ktrace_enable_all(char *why, size_t whylen)
{
	char **mmu = tracefs_system_events(NULL, "kvmmmu");

	for (size_t i = 0; i < sizeof(kt_events) / sizeof(kt_events[0]); i++) {
		const struct kt_event_row *e = &kt_events[i];
		if (tracefs_event_file_write(kt.inst, e->sys, e->name, "enable", "1") > 0)
			continue;
		if (e->required) {
			snprintf(why, whylen, "tracefs has no %s:%s event%s", e->sys, e->name,
				 strcmp(e->sys, "syscalls") == 0 ? " (kernel without CONFIG_FTRACE_SYSCALLS)" : "");
			tracefs_list_free(mmu);
			return -1;
		}
	}
	for (int i = 0; mmu && mmu[i]; i++) {
		bool skip = false;
		for (size_t s = 0; s < sizeof(kt_mmu_skip) / sizeof(kt_mmu_skip[0]); s++)
			skip |= strcmp(mmu[i], kt_mmu_skip[s]) == 0;
		if (!skip)
			tracefs_event_file_write(kt.inst, "kvmmmu", mmu[i], "enable", "1");
	}
	tracefs_list_free(mmu);
	return 0;
}

int ktrace_start(char *why, size_t whylen)
{
	char name[32], filter[32];

	if (kt.inst)
		return 0;
	if (geteuid() != 0) {
		snprintf(why, whylen, "needs root (tracefs and KVM's tracepoints are root-only)");
		return -1;
	}
	if (!tracefs_mounted()) {
		if (mount("nodev", KTRACE_DIR, "tracefs", 0, NULL) != 0) {
			snprintf(why, whylen, "tracefs is not mounted at %s and mounting it failed: %s",
				 KTRACE_DIR, strerror(errno));
			return -1;
		}
		kt.mounted = true;
	}
	if (!kt.atexit_set) {
		atexit(ktrace_atexit);          /* die() and exit() paths remove the instance too */
		kt.atexit_set = true;
	}
	tracefs_set_tracing_dir(KTRACE_DIR);
	if (!tracefs_event_file_exists(NULL, "kvm", "kvm_userspace_exit", "format")) {
		snprintf(why, whylen, "tracefs has no kvm events (%s/events/kvm: is the kvm module loaded?)", KTRACE_DIR);
		ktrace_stop();
		return -1;
	}
	ktrace_clean_stale();
	snprintf(name, sizeof(name), KTRACE_PREFIX "%d", (int)getpid());
	kt.inst = tracefs_instance_create(name);
	if (!kt.inst) {
		snprintf(why, whylen, "cannot create the tracefs instance %s: %s", name, strerror(errno));
		ktrace_stop();
		return -1;
	}
	tracefs_trace_off(kt.inst);
	/* The TSC, so trace times compare with kvmlab's own rdtsc; mono where there is none. */
	snprintf(kt.clock, sizeof(kt.clock), "x86-tsc");
	if (tracefs_instance_file_write(kt.inst, "trace_clock", kt.clock) < 0) {
		snprintf(kt.clock, sizeof(kt.clock), "mono");
		tracefs_instance_file_write(kt.inst, "trace_clock", kt.clock);
	}
	tracefs_instance_set_buffer_size(kt.inst, KTRACE_BUFFER_KB, -1);
	snprintf(filter, sizeof(filter), "cmd == 0x%x", KVM_RUN_CMD);
	if (ktrace_enable_all(why, whylen) != 0 ||
	    tracefs_event_file_write(kt.inst, "syscalls", "sys_enter_ioctl", "filter", filter) < 0) {
		if (!why[0])
			snprintf(why, whylen, "cannot set the KVM_RUN filter on sys_enter_ioctl");
		ktrace_stop();
		return -1;
	}
	return 0;       /* tracing stays off until the first thread is in set_event_pid */
}

void ktrace_add_thread(void)
{
	char tid[16];

	if (!kt.inst)
		return;
	snprintf(tid, sizeof(tid), "%ld", (long)syscall(SYS_gettid));
	pthread_mutex_lock(&kt.lock);
	if (kt.threads++ == 0) {
		/* An empty set_event_pid means every task: write the first, then trace. */
		tracefs_instance_file_write(kt.inst, "set_event_pid", tid);
		tracefs_trace_on(kt.inst);
	} else {
		tracefs_instance_file_append(kt.inst, "set_event_pid", tid);
	}
	pthread_mutex_unlock(&kt.lock);
}

void ktrace_stop(void)
{
	if (kt.inst) {
		tracefs_trace_off(kt.inst);
		tracefs_instance_destroy(kt.inst);
		tracefs_instance_free(kt.inst);
		kt.inst = NULL;
		kt.threads = 0;
	}
	/* Unmount only what kvmlab mounted, and only if no other kvmlab is recording in it. */
	if (kt.mounted) {
		char **left = tracefs_instances("^" KTRACE_PREFIX);
		bool busy = left && left[0];
		tracefs_list_free(left);
		if (!busy)
			umount(KTRACE_DIR);
		kt.mounted = false;
	}
}

/* ---- reading the buffer ---- */
struct kt_reader {
	struct ktrace_event *ev;
	size_t n, cap;
	bool oom;
	struct ktrace_result *res;
	int kind_of[2048];              /* event id -> kind + 1; 0 = not ours */
	struct tep_format_field *f_a[KT_KINDS], *f_b[KT_KINDS];        /* the fields read, per kind */
	bool looked[KT_KINDS];
};

/* The one or two fields kvmlab reads of each kind, looked up once (tep_find_field is a list walk). */
static void kt_fields(struct kt_reader *rd, struct tep_event *event, int kind)
{
	static const char *const names[KT_KINDS][2] = {
		[KT_EXIT] = { "exit_reason", "isa" },
		[KT_USER_EXIT] = { "reason", "errno" },
		[KT_EMULATE] = { "failed", NULL },
		[KT_INJ_EXCEPTION] = { "exception", NULL },
	};

	rd->looked[kind] = true;
	if (names[kind][0])
		rd->f_a[kind] = tep_find_field(event, names[kind][0]);
	if (names[kind][1])
		rd->f_b[kind] = tep_find_field(event, names[kind][1]);
}

static uint64_t field_u64(struct tep_format_field *f, struct tep_record *r)
{
	unsigned long long v = 0;

	if (f)
		tep_read_number_field(f, r->data, &v);
	return v;
}

static int kt_record(struct tep_event *event, struct tep_record *rec, int cpu, void *ctx)
{
	struct kt_reader *rd = ctx;
	(void)cpu;

	if (rec->missed_events > 0)
		rd->res->lost += (uint64_t)rec->missed_events;
	else if (rec->missed_events < 0)
		rd->res->lost_unknown = true;
	if (event->id < 0 || event->id >= 2048 || !rd->kind_of[event->id] || rd->oom)
		return 0;
	if (rd->n == rd->cap) {
		size_t nc = rd->cap ? rd->cap * 2 : 4096;
		struct ktrace_event *ne = realloc(rd->ev, nc * sizeof(*ne));
		if (!ne) {
			rd->oom = true;
			return 0;
		}
		rd->ev = ne;
		rd->cap = nc;
	}
	int kind = rd->kind_of[event->id] - 1;
	struct ktrace_event *e = &rd->ev[rd->n++];
	memset(e, 0, sizeof(*e));
	e->ts = rec->ts;
	e->tid = tep_data_pid(event->tep, rec);
	e->kind = (uint16_t)kind;
	if (kind == KT_MMU)
		return 0;
	if (!rd->looked[kind])
		kt_fields(rd, event, kind);
	switch (kind) {
	case KT_EXIT:
		e->code = (uint32_t)field_u64(rd->f_a[kind], rec);
		e->isa = (uint32_t)field_u64(rd->f_b[kind], rec);
		break;
	case KT_USER_EXIT:
		e->code = (uint32_t)field_u64(rd->f_a[kind], rec);
		e->err = (int32_t)field_u64(rd->f_b[kind], rec);
		break;
	case KT_EMULATE:
		e->flag = (uint16_t)field_u64(rd->f_a[kind], rec);
		if (e->flag)            /* trace_kvm_emulate_insn_failed: no new instruction */
			e->kind = KT_EMULATE_FAILED;
		break;
	case KT_INJ_EXCEPTION:
		e->code = (uint32_t)field_u64(rd->f_a[kind], rec);
		break;
	default:
		break;
	}
	return 0;
}

/* Parses one event's format into tep and maps its id to kind.  Only the events
 * recorded: all of syscalls' ~700 formats would take a third of a second.  Only the
 * fields: kvmlab never prints an event, so its "print fmt" is replaced by an empty one
 * (libtraceevent 1.7 leaks parsing kvm_inj_exception's, which concatenates literals). */
static void kt_map(struct kt_reader *rd, struct tep_handle *tep, const char *sys, const char *name, int kind)
{
	int size = 0;
	char *fmt = tracefs_event_file_read(NULL, sys, name, "format", &size);
	static const char empty[] = "\nprint fmt: \"\"\n";
	struct tep_event *e;
	char *pf, *buf;

	if (!fmt)
		return;
	pf = strstr(fmt, "\nprint fmt:");
	size_t keep = pf ? (size_t)(pf - fmt) : (size_t)size;
	if ((buf = malloc(keep + sizeof(empty)))) {
		memcpy(buf, fmt, keep);
		memcpy(buf + keep, empty, sizeof(empty));
		tep_parse_event(tep, buf, keep + sizeof(empty) - 1, sys);
		free(buf);
	}
	free(fmt);
	e = tep_find_event_by_name(tep, sys, name);
	if (e && e->id >= 0 && e->id < 2048)
		rd->kind_of[e->id] = kind + 1;
}

/* A tep_handle that knows the ring buffer's page header (events/header_page). */
static struct tep_handle *kt_tep(void)
{
	struct tep_handle *tep = tep_alloc();
	int size = 0;
	char *hdr = tracefs_instance_file_read(NULL, "events/header_page", &size);

	if (!tep || !hdr || tep_parse_header_page(tep, hdr, (unsigned long)size, sizeof(long)) != 0) {
		free(hdr);
		if (tep)
			tep_free(tep);
		return NULL;
	}
	free(hdr);
	return tep;
}

int ktrace_finish(struct ktrace_result *res, char *why, size_t whylen)
{
	struct kt_reader *rd;
	struct tep_handle *tep;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (!kt.inst) {
		snprintf(why, whylen, "not recording");
		return -1;
	}
	tracefs_trace_off(kt.inst);
	snprintf(res->clock, sizeof(res->clock), "%s", kt.clock);
	rd = calloc(1, sizeof(*rd));
	tep = kt_tep();
	if (!rd || !tep) {
		snprintf(why, whylen, "cannot read the event formats from %s/events", KTRACE_DIR);
		goto out;
	}
	rd->res = res;
	for (size_t i = 0; i < sizeof(kt_events) / sizeof(kt_events[0]); i++)
		kt_map(rd, tep, kt_events[i].sys, kt_events[i].name, kt_events[i].kind);
	char **mmu = tracefs_system_events(NULL, "kvmmmu");
	for (int i = 0; mmu && mmu[i]; i++)
		kt_map(rd, tep, "kvmmmu", mmu[i], KT_MMU);
	tracefs_list_free(mmu);
	if (tracefs_iterate_raw_events(tep, kt.inst, NULL, 0, kt_record, rd) < 0) {
		snprintf(why, whylen, "cannot read the trace buffer of %s", tracefs_instance_get_name(kt.inst));
		goto out;
	}
	if (rd->oom || ktrace_join(rd->ev, rd->n, res) != 0) {
		snprintf(why, whylen, "out of memory joining %zu events", rd->n);
		ktrace_result_free(res);
		goto out;
	}
	rc = 0;
out:
	if (rd)
		free(rd->ev);
	free(rd);
	if (tep)
		tep_free(tep);
	ktrace_stop();
	return rc;
}
