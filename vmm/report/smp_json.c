/*
 * smp_json.c - the "vcpus" array of the run's JSON: one entry per vCPU, each
 * with the same "exits" object as the run (docs/json-schema.md, "several vCPUs").
 * vmm/core/smp.c runs the threads; smp_vcpu_at is how this file sees them.
 */
#include "kvmlab.h"

static void smp_json_vcpu(struct json *j, const struct run *r, int index, const struct smp_vcpu_info *c)
{
	const struct vcpu *v = c->v;

	json_obj(j);
	json_key(j, "id");     json_i64(j, index);
	json_key(j, "tid");    json_i64(j, c->tid);
	json_key(j, "pinned_cpu"); json_i64_or_null(j, c->cpu >= 0, c->cpu);
	json_key(j, "end");    json_str(j, end_name(v->end));
	json_key(j, "detail"); json_str(j, v->end_detail);
	json_key(j, "exit_code"); json_i64(j, end_exit_code(v->end, v->exit_status));
	json_key(j, "exit_status");     /* the value this vCPU wrote to the exit port */
	json_u64_or_null(j, v->end == END_EXIT_PORT, v->exit_status);
	json_key(j, "wall_seconds"); json_double(j, c->wall_seconds);
	json_key(j, "cpu_user_seconds"); json_double(j, v->cpu_user);    /* getrusage of its thread */
	json_key(j, "cpu_sys_seconds");  json_double(j, v->cpu_sys);
	json_key(j, "mp_state_created");        /* KVM_GET_MP_STATE, null without a LAPIC in KVM */
	json_str_or_null(j, irqchip_mp_state_name(v->created_mp_state) != NULL, irqchip_mp_state_name(v->created_mp_state));
	json_key(j, "mp_state_final");
	json_str_or_null(j, irqchip_mp_state_name(v->final_mp_state) != NULL, irqchip_mp_state_name(v->final_mp_state));
	json_key(j, "run_delay_ns");     json_i64_or_null(j, v->run_delay_ns >= 0, v->run_delay_ns);  /* schedstat */
	json_key(j, "exits");  json_exits(j, v, &r->vm, r->tsc_khz);
	json_key(j, "reports");
	json_arr(j);
	for (int k = 0; k < v->nreports; k++) {
		json_obj(j);
		json_key(j, "kind");  json_str(j, report_kind_name(v->reports[k].kind));
		json_key(j, "name");  json_str(j, v->reports[k].text);
		json_key(j, "value"); json_u64(j, v->reports[k].value);
		json_obj_end(j);
	}
	json_arr_end(j);
	const struct kvm_stat *emu = v->stats.fd >= 0 ? kvmstats_find(&v->stats, "insn_emulation") : NULL;
	json_key(j, "insn_emulation"); json_u64_or_null(j, emu, emu ? kvmstats_delta(emu) : 0);
	json_obj_end(j);
}

void smp_json(struct json *j, const struct run *r)
{
	struct smp_vcpu_info c;

	json_arr(j);
	for (int i = 0; smp_vcpu_at(r, i, &c); i++)
		smp_json_vcpu(j, r, i, &c);
	json_arr_end(j);
}
