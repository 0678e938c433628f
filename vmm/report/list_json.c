/*
 * list_json.c - the document of `kvmlab list --json` (docs/json-schema.md,
 * "kvmlab list --json"): one entry per payload, written as vmm/cli/cmd_list.c
 * loads them.
 */
#include "kvmlab.h"

void list_json_begin(struct json *j)
{
	json_envelope(j, "list", NULL, NULL);
	json_key(j, "payloads");
	json_arr(j);
}

void list_json_entry(struct json *j, const struct payload *p, const char *file, const char *path)
{
	json_obj(j);
	json_key(j, "name");        json_str(j, p->name);
	json_key(j, "file");        json_text(j, file);
	json_key(j, "path");        json_text(j, path);
	json_key(j, "mode");        json_str(j, mode_name(p->hdr.mode));
	json_key(j, "description"); json_str(j, p->desc);
	json_obj_end(j);
}

void list_json_end(struct json *j)
{
	json_arr_end(j);
	json_obj_end(j);
	fputc('\n', j->out);
}
