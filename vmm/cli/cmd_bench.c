/*
 * cmd_bench.c - `kvmlab bench`: what each kind of VM exit costs on this host.
 *
 * Runs every case of bench_cases.c (or those --filter picks) in its own VM,
 * then prints one report.  A case that hangs, crashes or fails emulation is
 * reported as such and the suite goes on.  Method: docs/measurement.md.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvmlab.h"

/* True if name matches one of the comma-separated fnmatch(3) patterns. */
static bool filter_match(const char *filter, const char *name)
{
	char buf[512];

	if (!filter)
		return true;
	snprintf(buf, sizeof(buf), "%s", filter);
	for (char *save = NULL, *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save))
		if (fnmatch(p, name, 0) == 0)
			return true;
	return false;
}

int cmd_bench(struct cli *c)
{
	struct bench_opts o = c->bench;
	bool json = c->json, csv = c->csv, list = c->list;

	o.timeout = c->cfg.timeout;
	if (json && csv)
		return usage_fail("bench", "%s", "--json and --csv exclude each other");
	int n = 0;
	for (int i = 0; i < bench_ncases; i++)
		if (filter_match(o.filter, bench_cases[i].name)) {
			if (list)
				printf("%-15s %s\n", bench_cases[i].name, bench_cases[i].what);
			n++;
		}
	if (n == 0)
		return usage_fail("bench", "--filter '%s' matches no case (kvmlab bench --list)", o.filter);
	if (list)
		return XC_OK;

	struct kvm k;
	struct host_info host;
	struct calibration cal;
	int rc = cli_catch_stop();      /* SIGINT/SIGTERM: stop after the case running, report */
	if (rc == XC_OK)
		rc = cli_open_kvm(&k, &host);
	if (rc != XC_OK)
		return rc;
	/* Other work on the machine is the first suspect for spread: record it. */
	double load1 = -1;
	FILE *la = fopen("/proc/loadavg", "r");
	if (la) {
		if (fscanf(la, "%lf", &load1) != 1)
			load1 = -1;
		fclose(la);
	}
	calibrate(&k, &cal);
	struct bench_result *res = calloc(n, sizeof(*res));
	if (!res)
		die(XC_HOST, "out of memory");
	int done = 0;
	for (int i = 0; i < bench_ncases && (rc = cli_interrupted()) == XC_OK; i++)
		if (filter_match(o.filter, bench_cases[i].name))
			bench_run_case(&k, &bench_cases[i], &o, &res[done++]);
	if (rc == XC_OK)
		rc = cli_interrupted(); /* the last case's run ended "interrupted" */
	n = done;                       /* the cases that ran: all of them, unless interrupted */

	struct bench_header h = { .host = &host, .kvm = &k, .cal = &cal, .opts = &o, .tsc_khz = cal.tsc_khz,
				  .load1 = load1 };
	if (json)
		bench_report_json(&h, res, n, stdout);
	else if (csv)
		bench_report_csv(&h, res, n, stdout);
	else
		bench_report_table(&h, res, n, stdout);
	fflush(stdout);
	for (int i = 0; i < done; i++)
		bench_result_free(&res[i]);
	free(res);
	kvm_close(&k);
	return rc;
}
