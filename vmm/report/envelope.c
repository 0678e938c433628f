/*
 * envelope.c - the keys every command's JSON document starts with.
 *
 * One function, so that schema_version, kvmlab_version, command and host
 * cannot drift between commands (docs/json-schema.md, first section).
 */
#include "kvmlab.h"

void json_envelope(struct json *j, const char *command, const struct host_info *h, const struct kvm *k)
{
	json_obj(j);
	json_key(j, "schema_version"); json_i64(j, JSON_SCHEMA_VERSION);
	json_key(j, "kvmlab_version"); json_str(j, KVMLAB_VERSION);
	json_key(j, "command");        json_str(j, command);
	if (h) {
		json_key(j, "host");
		json_host(j, h, k);
	}
}
