/*
 * ksm_report.c - memory.ksm of a run's report (docs/json-schema.md): what
 * --ksm marked and the snapshots the guest took through port PORT_KSM.
 */
#include "kvmlab.h"

static void json_snap(struct json *j, const struct ksm_snap *s)
{
	if (!s->taken) {
		json_null(j);
		return;
	}
	json_obj(j);
	json_key(j, "rss_kib");       json_i64(j, s->rss_kib);
	json_key(j, "pss_kib");       json_i64(j, s->pss_kib);
	json_key(j, "ram_rss_kib");   json_i64(j, s->ram_rss_kib);
	json_key(j, "ram_pss_kib");   json_i64(j, s->ram_pss_kib);
	json_key(j, "merging_pages"); json_i64(j, s->merging_pages);
	json_key(j, "pages_shared");  json_i64(j, s->pages_shared);
	json_key(j, "pages_sharing"); json_i64(j, s->pages_sharing);
	json_obj_end(j);
}

void ksmctl_json(struct json *j, const struct ksmctl *k)
{
	json_obj(j);
	json_key(j, "mergeable");    json_bool(j, k->on);
	json_key(j, "bytes_marked"); json_u64(j, k->bytes_marked);
	json_key(j, "before");       json_snap(j, &k->before);
	json_key(j, "merged");       json_snap(j, &k->merged);
	json_key(j, "waits");        json_u64(j, k->waits);
	json_key(j, "page_queries"); json_u64(j, k->page_queries);
	json_obj_end(j);
}
