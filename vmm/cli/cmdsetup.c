/*
 * cmdsetup.c - the setup every command shares: its defaults, the SIGINT/SIGTERM
 * handlers, the payload (resolved, loaded, RAM defaulted and checked) and
 * /dev/kvm with the host probed.  Every error is printed here, once.
 */
#include <stdlib.h>
#include <string.h>

#include "kvmlab.h"

void cli_defaults(struct cli *c, enum cmd_id id, const char *name)
{
	memset(c, 0, sizeof(*c));
	c->cmd = name;
	c->id = id;
	c->cfg.timeout = id == CMD_TRACE ? TRACE_TIMEOUT_DEFAULT :
			 id == CMD_BENCH ? BENCH_TIMEOUT_DEFAULT :
			 id == CMD_SENSITIVE ? SENS_TIMEOUT_DEFAULT : RUN_TIMEOUT_DEFAULT;
	c->trace.max_steps = TRACE_MAX_STEPS_DEFAULT;
	c->trace.over = -1;
	c->bench.iters = BENCH_ITERS_DEFAULT;
	c->bench.repeat = BENCH_REPEAT_DEFAULT;
	c->ioparam[IOPARAM_TOTAL] = 16384;
	c->ioparam[IOPARAM_CHUNK] = 256;
	c->ioparam[IOPARAM_BATCH] = 8;
	c->repeat = IOB_REPEAT_DEFAULT;
	c->migrate.max_downtime_ms = LIVE_DOWNTIME_DEFAULT_MS;
	c->migrate.max_rounds = LIVE_ROUNDS_DEFAULT;
	c->recv.accept_timeout = MIG_ACCEPT_TIMEOUT_S;
}

int cli_catch_stop(void)
{
	char err[256];

	if (watchdog_catch_stop(err, sizeof(err)) != 0) {      /* before any vCPU exists */
		fprintf(stderr, "kvmlab: %s\n", err);
		return XC_HOST;
	}
	return XC_OK;
}

int cli_interrupted(void)
{
	return watchdog_stop_signal() ? XC_INTERRUPTED : XC_OK;
}

int cli_payload(struct cli *c, const char *name, struct payload *p)
{
	char err[512];
	const char *path = payload_resolve(name, c->payload_path, sizeof(c->payload_path));
	int rc = payload_load(path, p, err, sizeof(err));

	if (rc != XC_OK) {
		fprintf(stderr, "kvmlab: %s\n", err);
		return rc;
	}
	if (!c->mem_given) {
		c->cfg.mem = payload_default_mem(p, 0);
		if (c->cfg.mem > MEM_MAX)
			c->cfg.mem = MEM_MAX;   /* payload_check_fit below names the shortfall */
	}
	rc = payload_check_fit(p, c->cfg.mem, err, sizeof(err));
	if (rc == XC_OK)
		rc = smp_check_fit(p, c->cfg.vcpus, err, sizeof(err));   /* --vcpus: room for the stacks */
	if (rc == XC_OK)
		rc = balloon_check_fit(&c->cfg.io, c->cfg.mem, err, sizeof(err));  /* --balloon within RAM */
	if (rc != XC_OK) {
		fprintf(stderr, "kvmlab: %s\n", err);
		payload_free(p);
	}
	return rc;
}

int cli_open_kvm(struct kvm *k, struct host_info *h)
{
	char err[512];
	int rc = kvm_open(k, err, sizeof(err));

	if (rc != XC_OK) {
		fprintf(stderr, "kvmlab: %s\n", err);
		return rc;
	}
	vlog("open(/dev/kvm) = %d; KVM_GET_API_VERSION = %d", k->fd, k->api_version);
	host_probe(h);
	return XC_OK;
}

static void cli_ktrace_start(struct vm_config *cfg)
{
	char why[256];

	if (cfg->ktrace && ktrace_start(why, sizeof(why)) != 0) {
		fprintf(stderr, "kvmlab: --ktrace: %s; running without it\n", why);
		cfg->ktrace = false;
	}
}

static void cli_ktrace_finish(const struct vm_config *cfg, struct run *r, struct ktrace_result *res)
{
	char why[256];

	if (!cfg->ktrace)
		return;
	if (ktrace_finish(res, why, sizeof(why)) == 0)
		r->ktrace = res;
	else
		fprintf(stderr, "kvmlab: --ktrace: %s; the report has no ktrace\n", why);
}

struct run *cli_run(struct kvm *k, const struct payload *p, struct vm_config *cfg,
		    struct ktrace_result *kres, int *rc, char *err, size_t errlen)
{
	struct run *r = RUN_NEW(struct run);

	if (!r)
		die(XC_HOST, "out of memory");
	cli_ktrace_start(cfg);
	*rc = run_payload(r, k, p, cfg, err, errlen);
	cli_ktrace_finish(cfg, r, kres);        /* read after the run: nothing of it was on the exit path */
	return r;
}

void cli_report_run(const struct cli *c, const struct report_ctx *ctx, const struct mig_live *mig)
{
	const struct run *r = ctx->run;

	if (c->json) {
		report_json(ctx, stdout);
	} else if (!c->quiet) {
		report_text(ctx, stdout);
		if (r->smp)
			smp_report_text(r, stdout);
		if (mig)
			mig_live_text(mig, stdout);
	} else if (!end_silent(r->vcpu.end)) {
		fprintf(stderr, "kvmlab: %s: %s\n", end_name(r->vcpu.end), r->vcpu.end_detail);
	}
}

int cli_run_stream(struct cli *c, const char *cmd, const char *usage_prefix,
		   int (*load)(struct cli *c, struct run *r, struct kvm *k, struct payload *p,
			       char *err, size_t errlen))
{
	struct payload p = { 0 };
	struct kvm k;
	struct host_info host;
	char err[512];

	c->cfg.echo_console = !c->json;
	int rc = cli_catch_stop();
	if (rc == XC_OK)
		rc = cli_open_kvm(&k, &host);
	if (rc != XC_OK)
		return rc;
	struct run *r = RUN_NEW(struct run);
	if (!r)
		die(XC_HOST, "out of memory");
	rc = load(c, r, &k, &p, err, sizeof(err));
	if (rc == XC_OK) {
		struct report_ctx ctx = { .payload = &p, .host = &host, .kvm = &k, .run = r };
		cli_report_run(c, &ctx, NULL);
	}
	if (rc == XC_USAGE) {           /* refused before any VM existed: nothing to tear down */
		free(r);
		kvm_close(&k);
		return usage_fail(cmd, "%s%s", usage_prefix, err);
	}
	return cli_run_finish(rc, r, err, &k, &p);
}

int cli_run_finish(int rc, struct run *r, const char *err, struct kvm *k, struct payload *p)
{
	if (rc == XC_OK)
		rc = r->exit_code;
	else
		fprintf(stderr, "kvmlab: %s\n", err);
	fflush(stdout);
	run_teardown(r);
	free(r);
	kvm_close(k);
	payload_free(p);
	return rc;
}
