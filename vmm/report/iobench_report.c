/*
 * iobench_report.c - `kvmlab iobench` for people (one row per path) and for
 * machines (docs/json-schema.md, "kvmlab iobench --json").  The paths ran in
 * vmm/measure/iobench.c; this file only shows them.
 */
#include "kvmlab.h"

/* The UART path's bytes per second, the yardstick of ratio_to_uart; 0 if it did not run. */
static double uart_rate(const struct iobench *b)
{
	const struct iob_result *uart = b->res[0].ran && b->res[0].nrep ? &b->res[0] : NULL;
	return uart ? iob_bytes_per_s(b->param[IOPARAM_TOTAL], uart->cyc_med, b->tsc_khz) : 0;
}

void iob_report_json(const struct iobench *b, const struct host_info *host, const struct kvm *k, FILE *out)
{
	double uart_bps = uart_rate(b);
	struct json jj = { .out = out }, *j = &jj;
	json_envelope(j, "iobench", host, k);
	json_key(j, "tsc_khz");        json_u64_or_null(j, b->tsc_khz, b->tsc_khz);
	json_key(j, "config");
	json_obj(j);
	json_key(j, "total");  json_u64(j, b->param[IOPARAM_TOTAL]);
	json_key(j, "chunk");  json_u64(j, b->param[IOPARAM_CHUNK]);
	json_key(j, "batch");  json_u64(j, b->param[IOPARAM_BATCH]);
	json_key(j, "repeat"); json_u64(j, (uint64_t)b->repeat);
	json_key(j, "expected_fnv1a"); json_u64(j, b->expected_fnv);
	json_obj_end(j);
	json_key(j, "paths");
	json_arr(j);
	for (int i = 0; i < IOB_NPATHS; i++) {
		const struct iob_result *r = &b->res[i];
		if (!r->ran)
			continue;
		bool blk = iob_paths[i].dev == DEV_BLK || iob_paths[i].dev == DEV_BLK_VHOST;
		uint64_t total = iob_path_bytes(b, i);
		json_obj(j);
		json_key(j, "name");        json_str(j, iob_paths[i].name);
		json_key(j, "what");        json_str(j, iob_paths[i].what);
		json_key(j, "payload");     json_str(j, iob_paths[i].payload);
		json_key(j, "notify");      json_str(j, io_notify_name(iob_paths[i].notify));
		json_key(j, "coalesced");   json_bool(j, iob_paths[i].coalesced);
		json_key(j, "exit_code");   json_i64(j, r->exit_code);
		json_key(j, "detail");      json_str(j, r->detail);
		json_key(j, "bytes");       json_u64(j, r->bytes);
		json_key(j, "stream_ok");   json_bool(j, blk ? r->exit_code == XC_OK && r->bytes > 0
						 : r->bytes == total && r->fnv == b->expected_fnv);
		json_key(j, "exits");       json_raw(j, r->exits_json);
		json_key(j, "data_exits");  json_u64(j, r->data_exits);
		json_key(j, "data_exits_per_kib"); json_double(j, iob_per_kib(r->data_exits, total));
		json_key(j, "kvm_exits");
		json_u64_or_null(j, r->have_kvm, r->kvm_exits);
		json_key(j, "kvm_exits_per_kib"); json_double(j, iob_per_kib(r->kvm_exits, total));
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
		json_key(j, "bytes_per_second"); json_double(j, iob_bytes_per_s(total, r->cyc_med, b->tsc_khz));
		json_key(j, "packets");       json_u64(j, r->packets);
		double secs = b->tsc_khz && r->cyc_med ? r->cyc_med / (b->tsc_khz * 1000.0) : 0;
		json_key(j, "packets_per_second");
		json_double_or_null(j, iob_paths[i].net && secs > 0, secs > 0 ? r->packets / secs : 0);
		json_key(j, "exits_per_packet");
		json_double_or_null(j, iob_paths[i].net && r->packets, r->packets ? (double)r->exits / r->packets : 0);
		json_key(j, "ratio_to_uart");
		json_double_or_null(j, uart_bps > 0 && r->nrep,
				    uart_bps > 0 ? iob_bytes_per_s(total, r->cyc_med, b->tsc_khz) / uart_bps : 0);
		json_key(j, "vmm_cpu_seconds"); json_double(j, r->vmm_cpu);
		json_key(j, "requests");    json_u64_or_null(j, blk, r->requests);
		json_key(j, "cycles_per_request");
		json_double_or_null(j, blk && r->requests, r->requests ? (double)r->cyc_med / r->requests : 0);
		json_key(j, "vmm_cpu_per_request");
		json_double_or_null(j, blk && r->requests, r->requests ? r->vmm_cpu / r->requests : 0);
		json_key(j, "backend_cpu_seconds");
		json_double_or_null(j, r->have_backend_cpu, r->backend_cpu);
		json_key(j, "backend_cpu_per_request");
		json_double_or_null(j, r->have_backend_cpu && r->requests, r->requests ? r->backend_cpu / r->requests : 0);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
	fputc('\n', out);
}

void iob_report_text(const struct iobench *b, const struct host_info *host, FILE *out)
{
	double uart_bps = uart_rate(b);

	fprintf(out, "kvmlab iobench: %llu bytes in %u-byte chunks, %u per doorbell, median of %llu runs; %s, %s paging\n",
		(unsigned long long)b->param[IOPARAM_TOTAL], b->param[IOPARAM_CHUNK], b->param[IOPARAM_BATCH],
		(unsigned long long)b->repeat, host->backend, host->paging);
	fprintf(out, "%-17s %8s %9s %9s %9s %10s %12s %9s %s\n", "path", "exits", "data", "data/KiB",
		"kvm/KiB", "cyc/byte", "bytes/s", "x uart", "stream");
	bool any_blk = false;
	for (int i = 0; i < IOB_NPATHS; i++) {
		const struct iob_result *r = &b->res[i];
		if (!r->ran)
			continue;
		bool blk = iob_paths[i].dev == DEV_BLK || iob_paths[i].dev == DEV_BLK_VHOST;
		uint64_t total = iob_path_bytes(b, i);
		any_blk |= blk && r->exit_code == XC_OK;
		if (r->exit_code != XC_OK) {
			fprintf(out, "%-17s failed (exit code %d): %s\n", iob_paths[i].name, r->exit_code, r->detail);
			continue;
		}
		double bps = iob_bytes_per_s(total, r->cyc_med, b->tsc_khz);
		fprintf(out, "%-17s %8llu %9llu %9.1f %9.1f %10.1f %12.0f %9.2f %s\n", iob_paths[i].name,
			(unsigned long long)r->exits, (unsigned long long)r->data_exits,
			iob_per_kib(r->data_exits, total), iob_per_kib(r->kvm_exits, total),
			(double)r->cyc_med / total, bps, uart_bps > 0 ? bps / uart_bps : 0,
			blk ? "verified" : r->bytes == total && r->fnv == b->expected_fnv ? "ok" : "WRONG");
		if (iob_paths[i].net && r->packets && r->cyc_med && b->tsc_khz)
			fprintf(out, "%-17s %llu frames: %.0f packets/s, %.2f exits per packet (%.2f on QueueNotify)\n", "",
				(unsigned long long)r->packets, r->packets / (r->cyc_med / (b->tsc_khz * 1000.0)),
				(double)r->exits / r->packets, (double)r->data_exits / r->packets);
	}
	if (any_blk) {
		fprintf(out, "block paths (io/blk-verify, 32 requests of 1 KiB): cost per request\n");
		fprintf(out, "%-17s %9s %12s %14s %15s\n", "path", "data/KiB", "cycles/req", "kvmlab us/req",
			"back-end us/req");
	}
	for (int i = 0; i < IOB_NPATHS && any_blk; i++) {
		const struct iob_result *r = &b->res[i];
		bool blk = iob_paths[i].dev == DEV_BLK || iob_paths[i].dev == DEV_BLK_VHOST;
		if (!r->ran || !blk || r->exit_code != XC_OK || !r->requests)
			continue;
		char be[32] = "-";
		if (r->have_backend_cpu)
			snprintf(be, sizeof(be), "%.1f", r->backend_cpu * 1e6 / r->requests);
		fprintf(out, "%-17s %9.2f %12.0f %14.1f %15s\n", iob_paths[i].name,
			iob_per_kib(r->data_exits, r->bytes), (double)r->cyc_med / r->requests,
			r->vmm_cpu * 1e6 / r->requests, be);
	}
	fprintf(out, "exits: to kvmlab, whole run; data: on the device's data path (UART ports, QueueNotify,\n"
		"sink); kvm/KiB: KVM's own exit counter; cycles: guest TSC around the transfer.\n");
	if (host->tdp == false)
		fprintf(out, "note: guest instructions may run through KVM's emulator here (kvmlab info): compare paths, not absolutes.\n");
}
