/*
 * cmd_list.c - `kvmlab list`: the payload catalogue, read from the payloads'
 * own headers (name, mode, description), so it cannot disagree with them.
 */
#include <dirent.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "kvmlab.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	bool json = false;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'h':
			printf("usage: kvmlab list [--json]\n\nLists the payloads in %s\n"
			       "(set KVMLAB_PAYLOADS to list another directory).\n", payload_dir());
			return XC_OK;
		default:
			fprintf(stderr, "kvmlab list: unknown option '%s'\n", argv[optind - 1]);
			return XC_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "kvmlab list: unexpected argument '%s'\n", argv[optind]);
		return XC_USAGE;
	}

	const char *dir = payload_dir();
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "kvmlab: cannot open payload directory %s (run make first)\n", dir);
		return XC_PAYLOAD_IO;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 5 || strcmp(e->d_name + l - 4, ".bin"))
			continue;
		char **nn = realloc(names, (n + 1) * sizeof(*names));
		if (!nn)
			break;
		names = nn;
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);

	struct json jj = { .out = stdout }, *j = &jj;
	if (json) {
		json_obj(j);
		json_key(j, "schema_version"); json_i64(j, JSON_SCHEMA_VERSION);
		json_key(j, "command"); json_str(j, "list");
		json_key(j, "payloads");
		json_arr(j);
	}
	for (size_t i = 0; i < n; i++) {
		char path[4096], err[256];
		struct payload p;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (payload_load(path, &p, err, sizeof(err)) == XC_OK) {
			if (json) {
				json_obj(j);
				json_key(j, "name"); json_str(j, p.name);
				json_key(j, "file"); json_str(j, names[i]);
				json_key(j, "mode"); json_str(j, mode_name(p.hdr.mode));
				json_key(j, "description"); json_str(j, p.desc);
				json_obj_end(j);
			} else {
				printf("%-22s %-9s %s\n", p.name, mode_name(p.hdr.mode), p.desc);
			}
			payload_free(&p);
		} else if (!json) {
			fprintf(stderr, "kvmlab: skipping %s: %s\n", names[i], err);
		}
		free(names[i]);
	}
	free(names);
	if (json) {
		json_arr_end(j);
		json_obj_end(j);
		fputc('\n', stdout);
	}
	return XC_OK;
}
