/*
 * payload_dir.c - where the built payload catalogue lives.
 *
 * Kept apart from main.c so that library code (cmd_run.c, cmd_list.c, ...)
 * links into the unit-test binary, which has its own main().
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvmlab.h"

const char *payload_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("KVMLAB_PAYLOADS");

	if (env && *env)
		return env;
	ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 16);
	if (n <= 0)
		return "build/payloads";
	dir[n] = '\0';
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	strcat(dir, "/payloads");
	return dir;
}
