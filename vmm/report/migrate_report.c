/*
 * migrate_report.c - a live migration's measurements (vmm/migrate/precopy_live.c):
 * the "migration" object of the source's JSON (docs/json-schema.md) and the
 * table of its text report, each round beside the pre-copy model's prediction.
 */
#include "kvmlab.h"

void mig_live_json(struct json *j, const struct mig_live *l)
{
	if (!l || !l->to) {
		json_null(j);
		return;
	}
	json_obj(j);
	json_key(j, "to"); json_str(j, l->to);
	json_key(j, "mode"); json_str(j, l->postcopy ? "postcopy" : "precopy");
	json_key(j, "attempted"); json_bool(j, l->attempted);
	json_key(j, "completed"); json_bool(j, l->completed);
	json_key(j, "converged"); json_bool(j, l->converged);
	json_key(j, "warning"); if (l->warn[0]) json_str(j, l->warn); else json_null(j);
	json_key(j, "vcpus"); json_u64(j, (uint64_t)l->pause.n);
	json_key(j, "bandwidth_limit_mib_s"); json_double(j, l->bandwidth);
	json_key(j, "max_downtime_ms"); json_double(j, l->max_downtime_ms);
	json_key(j, "max_rounds"); json_u64(j, (uint64_t)l->max_rounds);
	json_key(j, "auto_converge"); json_bool(j, l->auto_converge);
	json_key(j, "total_seconds"); json_double(j, l->total_seconds);
	json_key(j, "downtime_seconds"); json_double(j, l->downtime_seconds);
	json_key(j, "bandwidth_bytes_s"); json_double(j, l->bandwidth_measured);
	json_key(j, "total_bytes"); json_u64(j, l->total_bytes);
	json_key(j, "ram_pages_sent"); json_u64(j, l->ram_pages);
	json_key(j, "ram_checksum"); json_hex(j, l->checksum);
	json_key(j, "rounds");
	json_arr(j);
	for (int i = 0; i < l->nrounds; i++) {
		const struct live_round *r = &l->round[i];
		json_obj(j);
		json_key(j, "round"); json_u64(j, (uint64_t)i);
		json_key(j, "pages"); json_u64(j, r->pages);
		json_key(j, "bytes"); json_u64(j, r->bytes);
		json_key(j, "seconds"); json_double(j, r->seconds);
		json_key(j, "dirty_pages_per_s"); json_double(j, r->dirty_rate);
		json_key(j, "throttle_pct"); json_u64(j, (uint64_t)r->throttle_pct);
		json_key(j, "model_pages"); json_u64(j, i <= l->model.rounds ? l->model.pending[i] : 0);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_key(j, "stop_copy");
	json_obj(j);
	json_key(j, "pages"); json_u64(j, l->stop_pages);
	json_key(j, "bytes"); json_u64(j, l->stop_bytes);
	json_key(j, "seconds"); json_double(j, l->stop_seconds);
	json_obj_end(j);
	json_key(j, "postcopy");
	if (l->postcopy) {
		json_obj(j);
		json_key(j, "requests"); json_u64(j, l->post_requests);
		json_key(j, "pushed_pages"); json_u64(j, l->post_pushed);
		json_key(j, "demand_pages"); json_u64(j, l->post_demand);
		json_key(j, "seconds"); json_double(j, l->post_seconds);
		json_obj_end(j);
	} else
		json_null(j);
	json_key(j, "model");
	json_obj(j);
	json_key(j, "budget_pages"); json_u64(j, l->model_budget);
	json_key(j, "rounds"); json_u64(j, (uint64_t)l->model.rounds);
	json_key(j, "converged"); json_bool(j, l->model.converged);
	json_key(j, "stop_copy_pages"); json_u64(j, l->model.stop_copy_pages);
	json_key(j, "sent_pages"); json_u64(j, l->model.sent_pages);
	json_obj_end(j);
	json_obj_end(j);
}

void mig_live_text(const struct mig_live *l, FILE *out)
{
	if (!l->attempted || (!l->completed && !l->nrounds))
		return;
	if (l->postcopy) {
		fprintf(out, "migration to %s (post-copy): %s, %llu bytes\n", l->to, l->completed ? "completed" : "not completed",
			(unsigned long long)l->total_bytes);
		fprintf(out, "  state first: %llu bytes in %.4f s with the vCPUs stopped\n",
			(unsigned long long)l->stop_bytes, l->stop_seconds);
		fprintf(out, "  post-copy: %llu pages asked for by the destination's faults, %llu pushed, last after %.3f s\n",
			(unsigned long long)l->post_requests, (unsigned long long)l->post_pushed, l->post_seconds);
		if (l->completed)
			fprintf(out, "  total %.3f s, downtime %.3f s, RAM checksum 0x%08x\n",
				l->total_seconds, l->downtime_seconds, l->checksum);
		return;
	}
	fprintf(out, "migration to %s: %s, %s, %d pre-copy round%s, %llu bytes\n", l->to,
		l->completed ? "completed" : "not completed", l->converged ? "converged" : "did not converge",
		l->nrounds, l->nrounds == 1 ? "" : "s", (unsigned long long)l->total_bytes);
	fprintf(out, "  round  pages    bytes       seconds   dirty pages/s  throttle  model pages\n");
	for (int i = 0; i < l->nrounds; i++) {
		const struct live_round *r = &l->round[i];
		fprintf(out, "  %5d  %7llu  %10llu  %8.4f  %13.0f  %7d%%  %11llu\n", i, (unsigned long long)r->pages,
			(unsigned long long)r->bytes, r->seconds, r->dirty_rate, r->throttle_pct,
			(unsigned long long)(i <= l->model.rounds ? l->model.pending[i] : 0));
	}
	fprintf(out, "  stop   %7llu  %10llu  %8.4f  (vCPUs stopped; the model predicts %llu pages, %s)\n",
		(unsigned long long)l->stop_pages, (unsigned long long)l->stop_bytes, l->stop_seconds,
		(unsigned long long)l->model.stop_copy_pages, l->model.converged ? "converged" : "not converged");
	if (l->completed)
		fprintf(out, "  total %.3f s, downtime %.3f s, bandwidth %.1f MiB/s, RAM checksum 0x%08x\n",
			l->total_seconds, l->downtime_seconds, l->bandwidth_measured / (1024 * 1024), l->checksum);
}
