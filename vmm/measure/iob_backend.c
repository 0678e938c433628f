/*
 * iob_backend.c - the other process of iobench's vhost-user path: starts
 * kvmlab-vhost-blk (installed beside kvmlab) on a scratch disk and socket,
 * and afterwards collects the CPU time it spent, which is the work that left
 * the VMM.  Everything it creates lives in one mkdtemp folder it removes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kvmlab.h"

#define IOB_BACKEND_WAIT_MS 5000        /* start-up bound for the socket to appear */
#define IOB_BACKEND_DISK    "2097152"   /* bytes: what io/blk-verify needs */

extern char **environ;

static void sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&t, NULL);
}

int iob_backend_start(struct iob_backend *b, char *err, size_t errlen)
{
	char exe[4096], prog[4200];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	memset(b, 0, sizeof(*b));
	b->pid = -1;
	if (n <= 0) {
		snprintf(err, errlen, "readlink /proc/self/exe: %s", strerror(errno));
		return -1;
	}
	exe[n] = 0;
	snprintf(prog, sizeof(prog), "%s/kvmlab-vhost-blk", dirname(exe));
	snprintf(b->dir, sizeof(b->dir), "/tmp/kvmlab-iob-XXXXXX");
	if (!mkdtemp(b->dir)) {
		snprintf(err, errlen, "mkdtemp: %s", strerror(errno));
		return -1;
	}
	snprintf(b->sock, sizeof(b->sock), "%s/s", b->dir);
	snprintf(b->disk, sizeof(b->disk), "%s/disk.img", b->dir);
	snprintf(b->stats, sizeof(b->stats), "%s/stats.json", b->dir);
	char *argv[] = { prog, "--socket", b->sock, "--disk", b->disk, "--size", IOB_BACKEND_DISK,
			 "--stats", b->stats, NULL };
	int e = posix_spawn(&b->pid, prog, NULL, NULL, argv, environ);
	if (e) {
		snprintf(err, errlen, "%s: %s (built beside kvmlab by make)", prog, strerror(e));
		b->pid = -1;
		iob_backend_finish(b);
		return -1;
	}
	struct stat st;
	for (long t = 0; stat(b->sock, &st) != 0; t += 10) {
		if (t >= IOB_BACKEND_WAIT_MS || waitpid(b->pid, NULL, WNOHANG) == b->pid) {
			snprintf(err, errlen, "kvmlab-vhost-blk did not listen on %s", b->sock);
			iob_backend_finish(b);
			return -1;
		}
		sleep_ms(10);
	}
	return 0;
}

void iob_backend_finish(struct iob_backend *b)
{
	if (b->pid > 0) {
		/* It ends by itself when kvmlab hangs up; a bounded wait, then SIGKILL. */
		int status;
		long t = 0;
		while (waitpid(b->pid, &status, WNOHANG) == 0) {
			if (t >= IOB_BACKEND_WAIT_MS) {
				kill(b->pid, SIGKILL);
				waitpid(b->pid, &status, 0);
				break;
			}
			sleep_ms(10);
			t += 10;
		}
		b->pid = -1;
	}
	FILE *f = b->stats[0] ? fopen(b->stats, "r") : NULL;
	if (f) {
		double u, s;
		if (fscanf(f, "{\"cpu_user\": %lf, \"cpu_sys\": %lf", &u, &s) == 2) {
			b->cpu_seconds = u + s;
			b->have_cpu = true;
		}
		fclose(f);
	}
	if (b->dir[0]) {
		unlink(b->stats);
		unlink(b->disk);
		unlink(b->sock);
		rmdir(b->dir);
		b->dir[0] = 0;
	}
}
