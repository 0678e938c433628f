/*
 * cmd_iobench.c - `kvmlab iobench`: one workload, five I/O paths, side by side.
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
 * Per path: exits to kvmlab (all, and on the device's data path), KVM's own
 * exit counters, guest TSC cycles around the transfer (median of --repeat
 * runs, min and max), bytes per second at the guest's TSC rate, and the
 * ratio to the UART.  Every guest instruction may be emulated on this kind of
 * host (kvmlab info): compare paths, not absolute speeds.
 */
#include <stdlib.h>
#include <string.h>

#include "kvmlab.h"

#define IOB_TIMEOUT    60.0

enum iob_dev { DEV_UART, DEV_VIRTIO, DEV_SINK };

static const struct iob_path {
	const char *name;
	const char *payload;            /* in the catalogue */
	enum iob_dev dev;
	int notify;
	bool coalesced;
	const char *what;
} paths[] = {
	{ "uart",             "io/uart-bench",   DEV_UART,   IO_NOTIFY_EXIT,      false, "16550 UART, byte by byte: full emulation" },
	{ "virtio-exit",      "io/virtio-bench", DEV_VIRTIO, IO_NOTIFY_EXIT,      false, "virtio, QueueNotify exits to kvmlab" },
	{ "virtio-ioeventfd", "io/virtio-bench", DEV_VIRTIO, IO_NOTIFY_IOEVENTFD, false, "virtio, QueueNotify -> ioeventfd -> I/O thread" },
	{ "virtio-poll",      "io/virtio-bench", DEV_VIRTIO, IO_NOTIFY_POLL,      false, "virtio, notifications off, I/O thread polls" },
	{ "virtio-irq",       "io/virtio-bench-irq", DEV_VIRTIO, IO_NOTIFY_IOEVENTFD, false, "virtio, ioeventfd doorbell, completion by interrupt (irqfd), guest in hlt" },
	{ "mmio",             "io/sink-bench",   DEV_SINK,   IO_NOTIFY_EXIT,      false, "8-byte MMIO stores, one exit each" },
	{ "coalesced-mmio",   "io/sink-bench",   DEV_SINK,   IO_NOTIFY_EXIT,      true,  "the same stores through KVM's coalesced MMIO ring" },
};
#define NPATHS (sizeof(paths) / sizeof(paths[0]))

struct iob_result {
	bool ran;
	int exit_code;
	char detail[600];
	uint64_t cycles[IOB_REPEAT_MAX];
	int nrep;
	uint64_t cyc_med, cyc_min, cyc_max;
	uint64_t bytes;                 /* what the device received */
	uint32_t fnv;
	uint64_t exits, data_exits, kvm_exits, kvm_io_exits, kvm_mmio_exits;
	uint64_t guest_notifies, guest_interrupts, thread_wakeups, drained;
	bool have_kvm;
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
			if (dev == DEV_VIRTIO ? a == GPA_VIRTIO_MMIO + 0x50 /* QueueNotify */
					      : (a >= GPA_SINK && a < GPA_SINK + SINK_SIZE))
				n += c->mmio[i].count;
		}
	}
	return n;
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
		cfg.io.notify = p->notify;
		cfg.io.coalesced = p->coalesced;
		memcpy(cfg.io.param, param, sizeof(cfg.io.param));
		struct run *run = calloc(1, sizeof(*run));
		if (!run)
			die(XC_HOST, "out of memory");
		int rc = run_payload(run, k, &pl, &cfg, err, sizeof(err));
		if (rc == XC_OK)
			rc = run->exit_code;
		if (rc != XC_OK) {
			res->exit_code = rc;
			snprintf(res->detail, sizeof(res->detail), "%s", run->vcpu.end ? run->vcpu.end_detail : err);
			run_teardown(run);
			free(run);
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
			res->thread_wakeups = io->thread_wakeups;
			res->drained = io->sink.drained;
			res->bytes = p->dev == DEV_UART ? io->com1.uart.tx_bytes :
				     p->dev == DEV_VIRTIO ? io->virtio.bytes : io->sink.bytes;
			res->fnv = p->dev == DEV_UART ? io->com1.uart.fnv :
				   p->dev == DEV_VIRTIO ? io->virtio.fnv : io->sink.fnv;
		}
		run_teardown(run);
		free(run);
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

static double per_kib(uint64_t n, uint64_t bytes) { return bytes ? n * 1024.0 / bytes : 0; }
static double bytes_per_s(uint64_t bytes, uint64_t cyc, uint64_t khz)
{
	return cyc && khz ? bytes * (khz * 1000.0) / cyc : 0;
}

int cmd_iobench(struct cli *c)
{
	uint32_t *param = c->ioparam;
	bool want[NPATHS] = { 0 }, some = c->npaths > 0, json = c->json;
	uint64_t repeat = c->repeat;

	for (int n = 0; n < c->npaths; n++) {
		size_t i;
		for (i = 0; i < NPATHS && strcmp(c->paths[n], paths[i].name); i++)
			;
		if (i == NPATHS)
			return usage_fail("iobench", "--path: unknown path '%s'", c->paths[n]);
		want[i] = true;
	}

	struct kvm k;
	struct host_info host;
	int rc = cli_catch_stop();      /* SIGINT/SIGTERM: stop after the run going on, report */
	if (rc == XC_OK)
		rc = cli_open_kvm(&k, &host);
	if (rc != XC_OK)
		return rc;

	static struct iob_result res[NPATHS];
	uint64_t khz = 0, total = param[IOPARAM_TOTAL];
	uint32_t want_fnv = expected_fnv(total, param[IOPARAM_CHUNK]);
	int worst = XC_OK;
	for (size_t i = 0; i < NPATHS && cli_interrupted() == XC_OK; i++) {
		if (some && !want[i])
			continue;
		run_path(&k, &paths[i], param, (int)repeat, &res[i], &khz);
		if (res[i].exit_code != XC_OK && worst == XC_OK)
			worst = res[i].exit_code;
		else if (res[i].exit_code == XC_OK && (res[i].bytes != total || res[i].fnv != want_fnv) && worst == XC_OK)
			worst = XC_GUEST_FAIL;  /* the device did not get the stream */
	}
	const struct iob_result *uart = res[0].ran && res[0].nrep ? &res[0] : NULL;
	double uart_bps = uart ? bytes_per_s(total, uart->cyc_med, khz) : 0;

	if (json) {
		struct json jj = { .out = stdout }, *j = &jj;
		json_obj(j);
		json_key(j, "schema_version"); json_i64(j, JSON_SCHEMA_VERSION);
		json_key(j, "kvmlab_version"); json_str(j, KVMLAB_VERSION);
		json_key(j, "command");        json_str(j, "iobench");
		json_key(j, "host");           json_host(j, &host, &k);
		json_key(j, "tsc_khz");        if (khz) json_u64(j, khz); else json_null(j);
		json_key(j, "config");
		json_obj(j);
		json_key(j, "total");  json_u64(j, total);
		json_key(j, "chunk");  json_u64(j, param[IOPARAM_CHUNK]);
		json_key(j, "batch");  json_u64(j, param[IOPARAM_BATCH]);
		json_key(j, "repeat"); json_u64(j, repeat);
		json_key(j, "expected_fnv1a"); json_u64(j, want_fnv);
		json_obj_end(j);
		json_key(j, "paths");
		json_arr(j);
		for (size_t i = 0; i < NPATHS; i++) {
			const struct iob_result *r = &res[i];
			if (!r->ran)
				continue;
			json_obj(j);
			json_key(j, "name");        json_str(j, paths[i].name);
			json_key(j, "what");        json_str(j, paths[i].what);
			json_key(j, "payload");     json_str(j, paths[i].payload);
			json_key(j, "notify");      json_str(j, io_notify_name(paths[i].notify));
			json_key(j, "coalesced");   json_bool(j, paths[i].coalesced);
			json_key(j, "exit_code");   json_i64(j, r->exit_code);
			json_key(j, "detail");      json_str(j, r->detail);
			json_key(j, "bytes");       json_u64(j, r->bytes);
			json_key(j, "stream_ok");   json_bool(j, r->bytes == total && r->fnv == want_fnv);
			json_key(j, "exits");       json_u64(j, r->exits);
			json_key(j, "data_exits");  json_u64(j, r->data_exits);
			json_key(j, "data_exits_per_kib"); json_double(j, per_kib(r->data_exits, total));
			json_key(j, "kvm_exits");
			if (r->have_kvm) json_u64(j, r->kvm_exits); else json_null(j);
			json_key(j, "kvm_exits_per_kib"); json_double(j, per_kib(r->kvm_exits, total));
			json_key(j, "kvm_io_exits");   json_u64(j, r->kvm_io_exits);
			json_key(j, "kvm_mmio_exits"); json_u64(j, r->kvm_mmio_exits);
			json_key(j, "guest_notifies"); json_u64(j, r->guest_notifies);
			json_key(j, "guest_interrupts"); json_u64(j, r->guest_interrupts);
			json_key(j, "thread_wakeups"); json_u64(j, r->thread_wakeups);
			json_key(j, "coalesced_drained"); json_u64(j, r->drained);
			json_key(j, "cycles_median"); json_u64(j, r->cyc_med);
			json_key(j, "cycles_min");    json_u64(j, r->cyc_min);
			json_key(j, "cycles_max");    json_u64(j, r->cyc_max);
			json_key(j, "cycles_per_byte"); json_double(j, total ? (double)r->cyc_med / total : 0);
			json_key(j, "bytes_per_second"); json_double(j, bytes_per_s(total, r->cyc_med, khz));
			json_key(j, "ratio_to_uart");
			if (uart_bps > 0 && r->nrep) json_double(j, bytes_per_s(total, r->cyc_med, khz) / uart_bps);
			else json_null(j);
			json_obj_end(j);
		}
		json_arr_end(j);
		json_obj_end(j);
		fputc('\n', stdout);
	} else {
		printf("kvmlab iobench: %llu bytes in %u-byte chunks, %u per doorbell, median of %llu runs; %s, %s paging\n",
		       (unsigned long long)total, param[IOPARAM_CHUNK], param[IOPARAM_BATCH],
		       (unsigned long long)repeat, host.backend, host.paging);
		printf("%-17s %8s %9s %9s %9s %10s %12s %9s %s\n", "path", "exits", "data", "data/KiB",
		       "kvm/KiB", "cyc/byte", "bytes/s", "x uart", "stream");
		for (size_t i = 0; i < NPATHS; i++) {
			const struct iob_result *r = &res[i];
			if (!r->ran)
				continue;
			if (r->exit_code != XC_OK) {
				printf("%-17s failed (exit code %d): %s\n", paths[i].name, r->exit_code, r->detail);
				continue;
			}
			double bps = bytes_per_s(total, r->cyc_med, khz);
			printf("%-17s %8llu %9llu %9.1f %9.1f %10.1f %12.0f %9.2f %s\n", paths[i].name,
			       (unsigned long long)r->exits, (unsigned long long)r->data_exits,
			       per_kib(r->data_exits, total), per_kib(r->kvm_exits, total),
			       (double)r->cyc_med / total, bps, uart_bps > 0 ? bps / uart_bps : 0,
			       r->bytes == total && r->fnv == want_fnv ? "ok" : "WRONG");
		}
		printf("exits: to kvmlab, whole run; data: on the device's data path (UART ports, QueueNotify,\n"
		       "sink); kvm/KiB: KVM's own exit counter; cycles: guest TSC around the transfer.\n");
		if (host.tdp == false)
			printf("note: guest instructions may run through KVM's emulator here (kvmlab info): compare paths, not absolutes.\n");
	}
	kvm_close(&k);
	return cli_interrupted() != XC_OK ? XC_INTERRUPTED : worst;
}
