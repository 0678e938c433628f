/*
 * facts_json.c - host facts and the resolved expectations table as JSON
 * (`kvmlab info --json`: "facts", "expectations"; docs/json-schema.md).
 */
#include <string.h>

#include "kvmlab.h"

void facts_json(struct json *j, const struct host_facts *hf)
{
	json_obj(j);
	for (int i = 0; i < hf->n; i++) {
		const struct fact *f = &hf->f[i];
		json_key(j, f->name);
		json_obj(j);
		json_key(j, "value");
		if (!f->known)                  json_null(j);
		else if (f->type == FACT_BOOL)  json_bool(j, f->i);
		else if (f->type == FACT_INT)   json_i64(j, f->i);
		else                            json_str(j, f->s);
		json_key(j, "source"); json_str(j, f->source);
		json_obj_end(j);
	}
	json_obj_end(j);
}

void expect_json(struct json *j, const struct expect_row *r)
{
	if (!r) {
		json_null(j);
		return;
	}
	json_obj(j);
	json_key(j, "id");     json_str(j, r->id);
	json_key(j, "expect"); json_str(j, r->expect);
	json_key(j, "when");   json_str(j, r->when);
	json_key(j, "kind");   json_str(j, r->kind);
	json_key(j, "reason"); json_str(j, r->reason);
	json_key(j, "cite");   json_str(j, r->cite);
	json_key(j, "fixed");  json_str(j, r->fixed);
	json_obj_end(j);
}

/* Every (area, case) named by a row, resolved on this host: {"area/case": row}.  A "*"
 * case resolves as the case "*" (the area's default on this host). */
void expect_json_resolved(struct json *j, const struct host_facts *hf)
{
	static char keys[EXPECT_KEYS_MAX][128];
	char one[96];
	int nkeys = 0;

	json_obj(j);
	for (int i = 0; i < expect_count; i++) {
		for (const char *p = expect_table[i].cases; *p; ) {
			size_t len = strcspn(p, ",");
			snprintf(one, sizeof(one), "%.*s", (int)len, p);
			p += len + (p[len] == ',');
			char key[128];
			snprintf(key, sizeof(key), "%s/%s", expect_table[i].area, one);
			bool seen = false;      /* JSON keys are unique: first mention only */
			for (int k = 0; k < nkeys && !seen; k++)
				seen = !strcmp(keys[k], key);
			if (seen || nkeys >= EXPECT_KEYS_MAX)
				continue;
			snprintf(keys[nkeys++], sizeof(keys[0]), "%s", key);
			json_key(j, key);
			expect_json(j, expect_lookup(hf, expect_table[i].area, one, NULL));
		}
	}
	json_obj_end(j);
}
