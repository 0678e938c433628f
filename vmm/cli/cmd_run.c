/*
 * cmd_run.c - `kvmlab run PAYLOAD`: load, run, report.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvmlab.h"

/* What only `run` checks after its options: one CPU per vCPU for --pin. */
static int run_check_pins(struct cli *c)
{
	struct vm_config *cfg = &c->cfg;

	if (cfg->npin && !cfg->vcpus)
		cfg->vcpus = cfg->npin;         /* --pin alone: one vCPU per listed CPU */
	if (cfg->npin && cfg->npin != cfg->vcpus)
		return usage_fail("run", "--pin lists %d CPU%s for %d vCPUs: give one CPU per vCPU",
				  cfg->npin, cfg->npin == 1 ? "" : "s", cfg->vcpus);
	if (cfg->npin) {
		char perr[256];
		if (smp_check_pins(cfg->pin, cfg->npin, perr, sizeof(perr)) != 0)
			return usage_fail("run", "%s", perr);
	}
	return XC_OK;
}

/* After the run: one line on stderr saying what the snapshot became.  XC_OK,
 * or XC_HOST when it failed or the report never came (the run's own result is then not the point). */
static int run_snapshot_result(const struct mig_snapshot *s)
{
	if (!s->taken) {
		fprintf(stderr, "kvmlab: snapshot: the guest never sent the report '%s': no snapshot written\n", s->at);
		return XC_HOST;
	}
	if (s->rc != XC_OK) {
		fprintf(stderr, "kvmlab: snapshot: %s\n", s->err);
		return s->rc;
	}
	fprintf(stderr, "kvmlab: snapshot: %llu bytes to %s at report '%s', RAM checksum 0x%08x\n",
		(unsigned long long)s->bytes, s->file, s->at, s->checksum);
	return XC_OK;
}

int cmd_run(struct cli *c)
{
	struct vm_config *cfg = &c->cfg;
	struct payload p;
	char err[512];

	/* The allowlist has no open(2) (docs/security.md): reading the trace after the run
	 * on the sandboxed vCPU thread would kill it. */
	if (cfg->memcfg.numa_bind && cfg->sandbox)
		return usage_fail("run", "%s", "--numa-node and --sandbox exclude each other (the report asks move_pages(2), which the sandbox forbids)");
	if (cfg->ktrace && cfg->sandbox)
		return usage_fail("run", "%s", "--ktrace and --sandbox exclude each other (the trace is read with open(2), which the sandbox forbids)");
	if (cfg->live > 0 && cfg->sandbox)
		return usage_fail("run", "%s", "--live and --sandbox exclude each other (the monitor thread would run unfiltered)");
	int rc = run_check_pins(c);
	if (rc == XC_OK && !c->snap.file != !c->snap.at)
		return usage_fail("run", "--snapshot FILE and --snapshot-at-report NAME go together");
	if (rc == XC_OK && c->snap.file && cfg->vcpus)
		return usage_fail("run", "--snapshot takes one vCPU (not --vcpus or --pin)");
	if (rc == XC_OK && c->migrate.to && c->snap.file)
		return usage_fail("run", "--migrate-to and --snapshot exclude each other");
	if (rc == XC_OK && !c->migrate.to && (c->migrate.at || c->migrate.after || c->migrate.bandwidth || c->migrate.auto_converge))
		return usage_fail("run", "--migrate-after, --migrate-at-report, --bandwidth and --auto-converge need --migrate-to");
	if (rc == XC_OK && c->migrate.at && c->migrate.after)
		return usage_fail("run", "--migrate-after and --migrate-at-report exclude each other");
	if (rc == XC_OK)
		rc = cli_payload(c, c->payload, &p);
	if (rc != XC_OK)
		return rc;
	if (c->migrate.to) {               /* vmm/migrate/precopy_live.c runs it beside the guest */
		char lerr[256];
		if (mig_live_setup(&c->migrate, cfg, &p, lerr, sizeof(lerr)) != 0) {
			payload_free(&p);
			return usage_fail("run", "%s", lerr);
		}
	}
	if (c->snap.file) {             /* vmm/migrate/snapshot.c writes it at the report */
		c->snap.payload = &p;
		cfg->report_hook = mig_snapshot_hook;
		cfg->report_hook_arg = &c->snap;
	}
	cfg->echo_console = !c->json;

	struct kvm k;
	struct host_info host;
	rc = cli_catch_stop();
	if (rc == XC_OK)
		rc = cli_open_kvm(&k, &host);
	if (rc != XC_OK) {
		payload_free(&p);
		return rc;
	}
	if (cfg->cpuid.n || cfg->cpuid.hide_hypervisor)
		expect_warn_cpuid_cpl3(&host, &k);

	static struct ktrace_result kres;
	struct run *r = cli_run(&k, &p, cfg, &kres, &rc, err, sizeof(err));
	if (c->migrate.to) {
		mig_live_finish(&c->migrate);      /* before the report: its figures are final */
		if (c->migrate.warn[0])
			fprintf(stderr, "kvmlab: warning: migration to %s: %s\n", c->migrate.to, c->migrate.warn);
		else if (!c->migrate.attempted && rc == XC_OK)
			fprintf(stderr, "kvmlab: warning: migration to %s: the guest ended before it began\n", c->migrate.to);
	}
	if (rc == XC_OK) {
		struct report_ctx ctx = { .payload = &p, .host = &host, .kvm = &k, .run = r,
					  .migration = c->migrate.to ? &c->migrate : NULL };
		cli_report_run(c, &ctx, c->migrate.to ? &c->migrate : NULL);
	}
	int snap_rc = rc == XC_OK && c->snap.file ? run_snapshot_result(&c->snap) : XC_OK;
	rc = cli_run_finish(rc, r, err, &k, &p);
	ktrace_result_free(&kres);
	return rc == XC_OK ? snap_rc : rc;      /* a failed snapshot fails a guest that ended well */
}
