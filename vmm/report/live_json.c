/*
 * live_json.c - the `live` section of `run --json` (run --live SECS,
 * vmm/measure/live.c): every sample the monitor took, as counts since the
 * start and as rates over the interval before it (docs/json-schema.md).
 */
#include "kvmlab.h"

void live_report_json(struct json *j, const struct live *l)
{
	if (!l) {
		json_null(j);
		return;
	}
	json_obj(j);
	json_key(j, "interval_s");     json_double(j, l->interval);
	json_key(j, "vcpus");          json_i64(j, l->nvcpus);
	json_key(j, "source");         json_str(j, "KVM_GET_STATS_FD of each vCPU, read by a monitor thread, vCPUs summed");
	json_key(j, "stats");
	json_arr(j);
	for (int i = 0; i < l->nstats; i++)
		json_str(j, l->names[i]);
	json_arr_end(j);
	json_key(j, "dropped");        json_u64(j, l->dropped);
	json_key(j, "samples");
	json_arr(j);
	for (size_t n = 0; n < l->ns; n++) {
		const struct live_sample *s = &l->s[n];
		const struct live_sample *prev = n ? &l->s[n - 1] : NULL;
		json_obj(j);
		json_key(j, "t");      json_double(j, s->t);
		json_key(j, "dt");     json_double(j, s->dt);
		json_key(j, "counts");
		json_obj(j);
		for (int i = 0; i < l->nstats; i++) {
			json_key(j, l->names[i]);
			json_u64(j, s->cum[i]);
		}
		json_obj_end(j);
		json_key(j, "per_second");
		json_obj(j);
		for (int i = 0; i < l->nstats; i++) {
			uint64_t d = s->cum[i] - (prev ? prev->cum[i] : 0);
			json_key(j, l->names[i]);
			json_double(j, s->dt > 0 ? (double)d / s->dt : 0.0);
		}
		json_obj_end(j);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}
