/*
 * iobench.c - `kvmlab iobench`: one workload, five I/O paths, side by side.
 *
 * The workload: move `total` bytes out of the guest in `chunk`-byte pieces
 * (a fixed pattern, so every device's FNV-1a hash proves the bytes arrived
 * whole and in order).  The paths:
 *   uart             16550 UART, one port exit per byte      (full emulation)
 *   virtio-exit      virtio console, doorbell = MMIO exit    (virtio)
 *   virtio-ioeventfd doorbell = ioeventfd, I/O thread         (vhost's shape)
 *   virtio-poll      no doorbell: NO_NOTIFY, the thread polls (the limit)
 *   virtio-irq       as virtio-ioeventfd, but the guest sleeps in hlt until the
 *                    device's interrupt (irqfd) instead of polling the used ring
 *   mmio             8-byte stores to a sink, one exit each   (baseline for:)
 *   coalesced-mmio   the same stores, batched by KVM's coalesced ring
 *   blk              a block workload instead (io/blk-verify: 16 KiB written at
 *                    16 places, read back, verified): virtio-blk in kvmlab
 *   vhost-user-blk   the same through a vhost-user back-end in another process
 *                    (kvmlab-vhost-blk): the data path leaves the VMM
 * The two block paths move their own bytes (32 KiB), so their per-KiB figures
 * are per the bytes they moved; both report the CPU time of kvmlab and, for
 * vhost-user, of the back-end, and the guest cycles per request.
 *   net-exit         virtio-net frames of `chunk` bytes to a tap (--net),
 *                    doorbell = MMIO exit; net-ioeventfd: doorbell = ioeventfd,
 *                    the tap's backend thread sends.  Root only: asked for
 *                    with --path, never run by default
 * Per path: exits to kvmlab (all, and on the device's data path), KVM's own
 * exit counters, guest TSC cycles around the transfer (median of --repeat
 * runs, min and max), bytes per second at the guest's TSC rate, and the
 * ratio to the UART.  Every guest instruction may be emulated on this kind of
 * host (kvmlab info): compare paths, not absolute speeds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "kvmlab.h"

#define IOB_TIMEOUT    60.0
#define BLK_VERIFY_REQ 1024            /* io/blk-verify: bytes per request (16 writes, 16 reads) */

const struct iob_path iob_paths[IOB_NPATHS] = {
	{ "uart",             "io/uart-bench",   DEV_UART,   IO_NOTIFY_EXIT,      false, "16550 UART, byte by byte: full emulation", false },
	{ "virtio-exit",      "io/virtio-bench", DEV_VIRTIO, IO_NOTIFY_EXIT,      false, "virtio, QueueNotify exits to kvmlab", false },
	{ "virtio-ioeventfd", "io/virtio-bench", DEV_VIRTIO, IO_NOTIFY_IOEVENTFD, false, "virtio, QueueNotify -> ioeventfd -> I/O thread", false },
	{ "virtio-poll",      "io/virtio-bench", DEV_VIRTIO, IO_NOTIFY_POLL,      false, "virtio, notifications off, I/O thread polls", false },
	{ "virtio-irq",       "io/virtio-bench-irq", DEV_VIRTIO, IO_NOTIFY_IOEVENTFD, false, "virtio, ioeventfd doorbell, completion by interrupt (irqfd), guest in hlt", false },
	{ "mmio",             "io/sink-bench",   DEV_SINK,   IO_NOTIFY_EXIT,      false, "8-byte MMIO stores, one exit each", false },
	{ "coalesced-mmio",   "io/sink-bench",   DEV_SINK,   IO_NOTIFY_EXIT,      true,  "the same stores through KVM's coalesced MMIO ring", false },
	{ "blk",              "io/blk-verify",   DEV_BLK,    IO_NOTIFY_EXIT,      false, "virtio-blk in kvmlab (--blk): QueueNotify exits, kvmlab does the I/O", false },
	{ "vhost-user-blk",   "io/blk-verify",   DEV_BLK_VHOST, IO_NOTIFY_EXIT,   false, "virtio-blk served by kvmlab-vhost-blk, another process: kick ioeventfd, no exit", false },
	{ "net-exit",         "net/tx-bench",    DEV_NET,    IO_NOTIFY_EXIT,      false, "virtio-net frames to a tap, QueueNotify exits to kvmlab", true },
	{ "net-ioeventfd",    "net/tx-bench",    DEV_NET,    IO_NOTIFY_IOEVENTFD, false, "virtio-net frames to a tap, QueueNotify -> ioeventfd -> the tap's thread", true },
};

static int u64cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The stream every path must deliver: each chunk is bytes 0, 1, 2, ... mod 256. */
static uint32_t expected_fnv(uint64_t total, uint32_t chunk)
{
	uint32_t h = 2166136261u;
	for (uint64_t i = 0; i < total; i++)
		h = (h ^ (uint8_t)(i % chunk)) * 16777619u;
	return h;
}

static uint64_t report_value(const struct vcpu *v, const char *name)
{
	for (int i = v->nreports - 1; i >= 0; i--)
		if (v->reports[i].kind == REPORT_KIND_VALUE && !strcmp(v->reports[i].text, name))
			return v->reports[i].value;
	return 0;
}

/* Exits on the device's own registers: the cost the path is about. */
static uint64_t data_path_exits(const struct counters *c, enum iob_dev dev)
{
	uint64_t n = 0;
	if (dev == DEV_UART) {
		for (int i = 0; i < c->nports; i++)
			if (c->port[i].addr >= PORT_COM1 && c->port[i].addr < PORT_COM1 + PORT_COM1_COUNT)
				n += c->port[i].count;
	} else {
		for (int i = 0; i < c->nmmio; i++) {
			uint64_t a = c->mmio[i].addr;
			if (dev == DEV_BLK || dev == DEV_BLK_VHOST ? a == GPA_VIRTIO_BLK + 0x50 :
			    dev == DEV_NET ? a == GPA_VIRTIO_NET + 0x50 :
			    dev == DEV_VIRTIO ? a == GPA_VIRTIO_MMIO + 0x50 /* QueueNotify */
					      : (a >= GPA_SINK && a < GPA_SINK + SINK_SIZE))
				n += c->mmio[i].count;
		}
	}
	return n;
}

/* CPU seconds of the whole kvmlab process so far (every thread, the guest's time in KVM_RUN included). */
static double process_cpu(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static uint64_t stat_delta(const struct kvm_stats *st, const char *name)
{
	const struct kvm_stat *s = kvmstats_find(st, name);
	return s ? kvmstats_delta(s) : 0;
}

static void run_path(struct kvm *k, const struct iob_path *p, const uint32_t *param, int repeat,
		     struct iob_result *res, uint64_t *tsc_khz)
{
	char path[4096], err[512];
	struct payload pl;

	snprintf(path, sizeof(path), "%s/%s.bin", payload_dir(), p->payload);
	memset(res, 0, sizeof(*res));
	res->ran = true;
	if (payload_load(path, &pl, err, sizeof(err)) != XC_OK) {
		res->exit_code = XC_PAYLOAD_IO;
		snprintf(res->detail, sizeof(res->detail), "%s", err);
		return;
	}
	for (int r = 0; r < repeat; r++) {
		struct vm_config cfg = { .mem = MEM_DEFAULT, .timeout = IOB_TIMEOUT };
		struct iob_backend be = { .pid = -1 };
		char disk[64] = "";
		cfg.io.notify = p->notify;
		cfg.io.coalesced = p->coalesced;
		cfg.io.net = p->dev == DEV_NET;
		memcpy(cfg.io.param, param, sizeof(cfg.io.param));
		if (p->dev == DEV_BLK_VHOST) {
			if (iob_backend_start(&be, err, sizeof(err)) != 0) {
				res->exit_code = XC_HOST;
				snprintf(res->detail, sizeof(res->detail), "%s", err);
				break;
			}
			cfg.io.vhost_blk = be.sock;
			cfg.memcfg.backing = BACKING_MEMFD;     /* the back-end maps guest RAM */
		} else if (p->dev == DEV_BLK) {
			int fd = -1;
			snprintf(disk, sizeof(disk), "/tmp/kvmlab-iob-XXXXXX");
			if ((fd = mkstemp(disk)) < 0) {
				res->exit_code = XC_HOST;
				snprintf(res->detail, sizeof(res->detail), "mkstemp: %s", strerror(errno));
				break;
			}
			close(fd);
			cfg.io.blk_path = disk;
			cfg.io.blk_size = 2 << 20;              /* what io/blk-verify needs */
		}
		struct run *run = RUN_NEW(struct run);
		if (!run)
			die(XC_HOST, "out of memory");
		double cpu0 = process_cpu();
		int rc = run_payload(run, k, &pl, &cfg, err, sizeof(err));
		if (rc == XC_OK)
			rc = run->exit_code;
		if (rc != XC_OK) {
			res->exit_code = rc;
			snprintf(res->detail, sizeof(res->detail), "%s", run->vcpu.end ? run->vcpu.end_detail : err);
			run_teardown(run);
			free(run);
			iob_backend_finish(&be);
			if (disk[0])
				unlink(disk);
			break;
		}
		const struct vcpu *v = &run->vcpu;
		const struct iodev *io = run->vm.io;
		res->cycles[res->nrep++] = report_value(v, "cycles");
		*tsc_khz = run->tsc_khz;
		if (r == 0) {           /* counts: the first run (they barely vary) */
			res->exits = v->ctr.total_exits;
			res->data_exits = data_path_exits(&v->ctr, p->dev);
			res->have_kvm = v->stats.fd >= 0;
			res->kvm_exits = stat_delta(&v->stats, "exits");
			res->kvm_io_exits = stat_delta(&v->stats, "io_exits");
			res->kvm_mmio_exits = stat_delta(&v->stats, "mmio_exits");
			res->guest_notifies = report_value(v, "notifies");
			res->guest_interrupts = report_value(v, "interrupts");     /* virtio-irq only */
			res->thread_wakeups = p->dev == DEV_NET ? io->tap.wakeups : io->thread_wakeups;
			res->packets = io->net.net.tx_packets;
			res->drained = io->sink.drained;
			res->bytes = p->dev == DEV_UART ? io->com1.uart.tx_bytes :
				     p->dev == DEV_VIRTIO ? io->virtio.bytes :
				     p->dev == DEV_NET ? io->net.net.tx_bytes : io->sink.bytes;
			res->fnv = p->dev == DEV_UART ? io->com1.uart.fnv :
				   p->dev == DEV_VIRTIO ? io->virtio.fnv :
				   p->dev == DEV_NET ? io->net.fnv : io->sink.fnv;
			res->exits_json = json_exits_capture(v, &run->vm, run->tsc_khz);
			if (p->dev == DEV_BLK || p->dev == DEV_BLK_VHOST) {
				/* The guest verified every block it read back, or the run failed. */
				res->requests = report_value(v, "requests");
				res->bytes = res->requests * BLK_VERIFY_REQ;
				res->fnv = 0;
			}
		}
		run_teardown(run);              /* kvmlab hangs up: the back-end ends */
		if (r == 0)
			res->vmm_cpu = process_cpu() - cpu0;
		free(run);
		iob_backend_finish(&be);
		if (r == 0 && be.have_cpu) {
			res->backend_cpu = be.cpu_seconds;
			res->have_backend_cpu = true;
		}
		if (disk[0])
			unlink(disk);
	}
	payload_free(&pl);
	if (res->nrep) {
		uint64_t s[IOB_REPEAT_MAX];
		memcpy(s, res->cycles, sizeof(s));
		qsort(s, res->nrep, sizeof(s[0]), u64cmp);
		res->cyc_min = s[0];
		res->cyc_max = s[res->nrep - 1];
		res->cyc_med = s[res->nrep / 2];
	}
}

double iob_per_kib(uint64_t n, uint64_t bytes) { return bytes ? n * 1024.0 / bytes : 0; }

double iob_bytes_per_s(uint64_t bytes, uint64_t cyc, uint64_t khz)
{
	return cyc && khz ? bytes * (khz * 1000.0) / cyc : 0;
}

uint64_t iob_path_bytes(const struct iobench *b, int i)
{
	enum iob_dev d = iob_paths[i].dev;
	return d == DEV_BLK || d == DEV_BLK_VHOST ? b->res[i].bytes : b->param[IOPARAM_TOTAL];
}

int iob_path_find(const char *name)
{
	for (int i = 0; i < IOB_NPATHS; i++)
		if (!strcmp(name, iob_paths[i].name))
			return i;
	return -1;
}

int iob_run(struct iobench *b, struct kvm *k)
{
	uint64_t total = b->param[IOPARAM_TOTAL];
	int worst = XC_OK;

	b->expected_fnv = expected_fnv(total, b->param[IOPARAM_CHUNK]);
	/* SIGINT/SIGTERM (watchdog.c) stops after the path running; what ran is reported. */
	for (int i = 0; i < IOB_NPATHS && !watchdog_stop_signal(); i++) {
		struct iob_result *r = &b->res[i];
		if (!b->want[i])
			continue;
		run_path(k, &iob_paths[i], b->param, b->repeat, r, &b->tsc_khz);
		if (r->exit_code != XC_OK && worst == XC_OK)
			worst = r->exit_code;
		else if (r->exit_code == XC_OK && iob_paths[i].dev != DEV_BLK && iob_paths[i].dev != DEV_BLK_VHOST &&
			 (r->bytes != total || r->fnv != b->expected_fnv) && worst == XC_OK)
			worst = XC_GUEST_FAIL;  /* the device did not get the stream */
	}
	return worst;
}

void iob_free(struct iobench *b)
{
	for (int i = 0; i < IOB_NPATHS; i++) {
		free(b->res[i].exits_json);
		b->res[i].exits_json = NULL;
	}
}

_Static_assert(sizeof(iob_paths) / sizeof(iob_paths[0]) == IOB_NPATHS, "IOB_NPATHS counts iob_paths");
_Static_assert(IOB_PARAMS == IOPARAM_COUNT, "struct iobench holds every workload parameter");
