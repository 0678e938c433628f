/*
 * cmd_list.c - `kvmlab list`: the payload catalogue, read from the payloads'
 * own headers (name, mode, description), so it cannot disagree with them.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kvmlab.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct names {
	char **v;
	size_t n;
};

/* Collects "sub/name.bin" paths below dir; malformed/ holds the deliberately
 * broken test files and is not part of the catalogue. */
static int collect(const char *dir, const char *sub, struct names *nm, int depth)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	struct dirent *e;
	while ((e = readdir(d))) {
		char rel[1024];
		size_t l = strlen(e->d_name);
		if (e->d_name[0] == '.')
			continue;
		snprintf(rel, sizeof(rel), "%s%s", sub, e->d_name);
		bool is_dir = e->d_type == DT_DIR;
		if (e->d_type == DT_UNKNOWN) {         /* some filesystems do not say: ask */
			char full[4096];
			struct stat st;
			snprintf(full, sizeof(full), "%s/%s", dir, rel);
			is_dir = stat(full, &st) == 0 && S_ISDIR(st.st_mode);
		}
		if (is_dir) {
			if (depth < 2 && strcmp(e->d_name, "malformed")) {
				strcat(rel, "/");
				collect(dir, rel, nm, depth + 1);
			}
			continue;
		}
		if (l < 5 || strcmp(e->d_name + l - 4, ".bin"))
			continue;
		char **nn = realloc(nm->v, (nm->n + 1) * sizeof(*nn));
		if (!nn)
			break;
		nm->v = nn;
		nm->v[nm->n++] = strdup(rel);
	}
	closedir(d);
	return 0;
}

int cmd_list(struct cli *c)
{
	bool json = c->json;

	const char *dir = payload_dir();
	struct names nm = { 0 };
	if (collect(dir, "", &nm, 0) != 0) {
		fprintf(stderr, "kvmlab: cannot open payload directory %s (run make first)\n", dir);
		return XC_PAYLOAD_IO;
	}
	if (nm.n)                       /* qsort(NULL, 0, ...) is undefined (C11 7.22.5) */
		qsort(nm.v, nm.n, sizeof(*nm.v), cmp_str);
	char **names = nm.v;
	size_t n = nm.n;

	struct json jj = { .out = stdout }, *j = &jj;
	if (json)
		list_json_begin(j);
	for (size_t i = 0; i < n; i++) {
		char path[4096], err[256];
		struct payload p;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (payload_load(path, &p, err, sizeof(err)) == XC_OK) {
			if (json) {
				list_json_entry(j, &p, names[i], path);
			} else {
				/* A file name may hold terminal escapes: shown escaped. */
				char shown[4096 * 4 + 1] = "";
				names[i][strlen(names[i]) - 4] = '\0';        /* drop ".bin" */
				FILE *m = fmemopen(shown, sizeof(shown), "w");
				if (m) {
					hosttext_fput(names[i], m);
					fclose(m);
				}
				printf("%-24s %-9s %s\n", shown, mode_name(p.hdr.mode), p.desc);
			}
			payload_free(&p);
		} else if (!json) {
			fputs("kvmlab: skipping ", stderr);
			hosttext_fput(names[i], stderr);
			fputs(": ", stderr);
			hosttext_fput(err, stderr);     /* err may quote the path */
			fputc('\n', stderr);
		}
		free(names[i]);
	}
	free(names);
	if (json)
		list_json_end(j);
	return XC_OK;
}
