/*
 * memlab_report.c - the "memory" section of a run's report (docs/json-schema.md,
 * "Memory"), and its lines in the text summary.
 */
#include <string.h>

#include "kvmlab.h"
#include "x86.h"

static int stat_index(const char *name)
{
	for (int k = 0; k < MARK_STATS_MAX && mark_stat_names[k]; k++)
		if (!strcmp(mark_stat_names[k], name))
			return k;
	return -1;
}

/* Did the guest's accesses run through KVM's instruction emulator?  Between
 * the first two marks: instructions were emulated and no guest page fault
 * reached KVM's MMU (pf_taken did not move). */
static bool marks_show_emulation(const struct mem_lab *ml)
{
	int e = stat_index("insn_emulation"), pf = stat_index("pf_taken");

	if (ml->nmarks < 2 || ml->marks[0].value[e] == UINT64_MAX || ml->marks[0].value[pf] == UINT64_MAX)
		return false;
	return ml->marks[1].value[e] > ml->marks[0].value[e] && ml->marks[1].value[pf] == ml->marks[0].value[pf];
}

const char *memlab_fault_mechanism(const struct host_info *h, bool emulated)
{
	if (emulated)
		return "instruction emulation: KVM's emulator performs each guest access in software (mmu_pte_write "
		       "counts its writes); no guest page fault reaches the MMU, a first touch costs a host page fault";
	if (h->tdp && !strcmp(h->paging, "ept"))
		return "EPT violations: the CPU walks guest tables, then KVM fills the EPT on first touch of each GPA";
	if (h->tdp && !strcmp(h->paging, "npt"))
		return "NPT faults: the CPU walks guest tables, then KVM fills the nested page table on first touch of each GPA";
	return "shadow page faults: KVM write-protects guest page tables and builds shadow PTEs (GVA->HPA) on each fault";
}

static void json_slots(struct json *j, const struct guest_mem *m)
{
	json_arr(j);
	for (int i = 0; i < m->nslots; i++) {
		const struct mem_slot *s = &m->slot[i];
		json_obj(j);
		json_key(j, "id");        json_u64(j, s->id);
		json_key(j, "name");      json_str(j, s->name);
		json_key(j, "gpa");       json_u64(j, s->gpa);
		json_key(j, "gpa_hex");   json_hex(j, s->gpa);
		json_key(j, "size");      json_u64(j, s->size);
		json_key(j, "readonly");  json_bool(j, s->flags & KVM_MEM_READONLY);
		json_key(j, "dirty_log"); json_bool(j, s->flags & KVM_MEM_LOG_DIRTY_PAGES);
		json_key(j, "backing");   json_str(j, backing_name(s->backing));
		json_key(j, "hva_hex");   json_hex(j, (uint64_t)(uintptr_t)s->hva);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void json_marks(struct json *j, const struct mem_lab *ml)
{
	json_arr(j);
	for (int i = 0; i < ml->nmarks; i++) {
		const struct mem_mark *mk = &ml->marks[i];
		json_obj(j);
		json_key(j, "id");          json_u64(j, mk->id);
		json_key(j, "host_tsc");    json_u64(j, mk->tsc);
		json_key(j, "host_minflt"); json_u64(j, mk->minflt);
		json_key(j, "host_majflt"); json_u64(j, mk->majflt);
		json_key(j, "stats");
		json_obj(j);
		for (int k = 0; k < MARK_STATS_MAX && mark_stat_names[k]; k++) {
			if (mk->value[k] == UINT64_MAX)
				continue;       /* this KVM has no such stat */
			json_key(j, mark_stat_names[k]);
			json_u64(j, mk->value[k]);
		}
		json_obj_end(j);
		json_obj_end(j);
	}
	json_arr_end(j);
}

/* A pass is the span between marks 2k-1 and 2k; the guest reports its own
 * TSC cycles as "pass<k>-cycles" and the page count as "pages". */
static bool report_value(const struct vcpu *v, const char *name, uint64_t *out)
{
	for (int i = 0; i < v->nreports; i++)
		if (v->reports[i].kind == REPORT_KIND_VALUE && !strcmp(v->reports[i].text, name)) {
			*out = v->reports[i].value;
			return true;
		}
	return false;
}

static void json_passes(struct json *j, const struct vcpu *v, const struct mem_lab *ml)
{
	json_arr(j);
	for (int i = 1; i < ml->nmarks; i++) {
		const struct mem_mark *a = &ml->marks[i - 1], *b = &ml->marks[i];
		if (!(a->id & 1) || b->id != a->id + 1)
			continue;
		uint32_t pass = b->id / 2;
		char name[32];
		uint64_t cycles = 0, pages = 0;
		bool have = (snprintf(name, sizeof(name), "pass%u-cycles", pass), report_value(v, name, &cycles));
		bool have_pages = report_value(v, "pages", &pages) && pages > 0;
		json_obj(j);
		json_key(j, "pass");         json_u64(j, pass);
		json_key(j, "host_cycles");  json_u64(j, b->tsc - a->tsc);
		json_key(j, "host_minflt");  json_u64(j, b->minflt - a->minflt);
		json_key(j, "host_majflt");  json_u64(j, b->majflt - a->majflt);
		json_key(j, "guest_cycles"); json_u64_or_null(j, have, cycles);
		json_key(j, "pages");        json_u64_or_null(j, have_pages, pages);
		json_key(j, "cycles_per_page");
		if (have && have_pages) json_u64(j, cycles / pages); else json_null(j);
		json_key(j, "stats");   /* deltas over the pass, KVM stats that exist here */
		json_obj(j);
		for (int k = 0; k < MARK_STATS_MAX && mark_stat_names[k]; k++) {
			if (a->value[k] == UINT64_MAX || b->value[k] == UINT64_MAX)
				continue;
			json_key(j, mark_stat_names[k]);
			json_u64(j, b->value[k] >= a->value[k] ? b->value[k] - a->value[k] : 0);
		}
		json_obj_end(j);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void json_dirty(struct json *j, const struct vm *vm)
{
	const struct mem_lab *ml = vm->memlab;
	const struct mem_config *mc = &vm->cfg.memcfg;

	if (mc->dirty == DIRTY_OFF) {
		json_null(j);
		return;
	}
	json_obj(j);
	json_key(j, "mode");           json_str(j, mc->dirty == DIRTY_RING ? "ring" : "bitmap");
	json_key(j, "manual_protect"); json_bool(j, ml->manual_protect);
	json_key(j, "ring_entries");   json_u64(j, ml->ring_entries);
	json_key(j, "rounds");
	json_arr(j);
	for (int i = 0; i < ml->nrounds; i++) {
		const struct dirty_round *d = &ml->rounds[i];
		json_obj(j);
		json_key(j, "round");     json_u64(j, d->round);
		json_key(j, "pages");     json_u64(j, d->npages);
		json_key(j, "truncated"); json_bool(j, d->nlisted < d->npages);
		json_key(j, "gpas");
		json_arr(j);
		for (uint64_t k = 0; k < d->nlisted; k++)
			json_u64(j, d->gpa[k]);
		json_arr_end(j);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_key(j, "rounds_dropped"); json_u64(j, ml->rounds_dropped);
	json_key(j, "ring_full_exits"); json_u64(j, ml->ring_full_exits);
	json_obj_end(j);
}

/* Pre-copy on the measured rounds (round 0, the baseline, and forced ring
 * harvests excluded).  Returns the number of rounds used, or -1: no simulation. */
static int precopy_of_run(const struct vm *vm, struct precopy *pc, uint64_t *dirty)
{
	const struct mem_lab *ml = vm->memlab;
	int n = 0;

	if (!vm->cfg.memcfg.precopy_budget || vm->cfg.memcfg.dirty == DIRTY_OFF)
		return -1;
	for (int i = 0; i < ml->nrounds && n < 64; i++)
		if (ml->rounds[i].round != 0 && ml->rounds[i].round != DIRTY_ROUND_RING_FULL)
			dirty[n++] = ml->rounds[i].npages;
	precopy_simulate(pc, vm->cfg.mem / PAGE_SIZE, vm->cfg.memcfg.precopy_budget, dirty, n);
	return n;
}

static void json_precopy(struct json *j, const struct vm *vm)
{
	uint64_t dirty[64] = { 0 };
	struct precopy pc;
	int n = precopy_of_run(vm, &pc, dirty);

	if (n < 0) {
		json_null(j);
		return;
	}
	json_obj(j);
	json_key(j, "budget_pages");    json_u64(j, pc.budget);
	json_key(j, "total_pages");     json_u64(j, pc.total_pages);
	json_key(j, "dirty_per_round"); json_arr(j);
	for (int i = 0; i < n; i++)
		json_u64(j, dirty[i]);
	json_arr_end(j);
	json_key(j, "rounds");          json_i64(j, pc.rounds);
	json_key(j, "converged");       json_bool(j, pc.converged);
	json_key(j, "pending");         json_arr(j);
	for (int i = 0; i <= pc.rounds; i++)
		json_u64(j, pc.pending[i]);
	json_arr_end(j);
	json_key(j, "stop_copy_pages"); json_u64(j, pc.stop_copy_pages);
	json_key(j, "sent_pages");      json_u64(j, pc.sent_pages);
	json_obj_end(j);
}

static void json_xlate(struct json *j, const struct xlate *x)
{
	json_obj(j);
	json_key(j, "asked_by"); json_str(j, x->guest_asked ? "guest" : "command line");
	json_key(j, "gva");     json_u64(j, x->gva);
	json_key(j, "gva_hex"); json_hex(j, x->gva);
	json_key(j, "valid");   json_bool(j, x->valid);
	json_key(j, "gpa");     json_u64_or_null(j, x->valid, x->gpa);
	json_key(j, "gpa_hex"); json_hex_or_null(j, x->valid, x->gpa);
	json_key(j, "writeable"); json_bool(j, x->writeable);
	json_key(j, "guest_page_size"); json_u64_or_null(j, x->walk.ok, x->walk.page_size);
	json_key(j, "walk");
	json_arr(j);
	for (int i = 0; i < x->walk.nsteps; i++) {
		const struct walk_step *st = &x->walk.step[i];
		json_obj(j);
		json_key(j, "level");     json_str(j, pagewalk_level_name(st->level));
		json_key(j, "table_gpa"); json_hex(j, st->table_gpa);
		json_key(j, "index");     json_u64(j, st->index);
		json_key(j, "entry");     json_hex(j, st->entry);
		json_key(j, "ps");        json_bool(j, st->entry & PTE_PS);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_key(j, "walk_gpa");    json_u64_or_null(j, x->walk.ok, x->walk.gpa);
	json_key(j, "walk_fault");  if (x->walk.ok) json_null(j); else json_str(j, x->walk.fault);
	/* Both say the same GPA, or both say "not mapped" (KVM_TRANSLATE's
	 * valid = 0 and a not-present or non-canonical walk). */
	json_key(j, "walk_agrees"); json_bool(j, x->valid ? x->walk.ok && x->walk.gpa == x->gpa
					      : !x->walk.ok && x->walk.unmapped);
	json_key(j, "slot");
	if (x->slot_name) {
		json_obj(j);
		json_key(j, "id");   json_u64(j, x->slot_id);
		json_key(j, "name"); json_str(j, x->slot_name);
		json_obj_end(j);
	} else {
		json_null(j);           /* a hole: the GPA is MMIO */
	}
	json_key(j, "hva_hex"); json_hex_or_null(j, x->slot_name, x->hva);
	json_key(j, "host_present"); json_bool(j, x->host_present);
	json_key(j, "pfn_hidden");   json_bool(j, x->pfn_hidden);
	json_key(j, "hpa_hex");
	json_hex_or_null(j, x->host_present && !x->pfn_hidden, x->pfn * 4096 + (x->hva & 0xFFF));
	json_key(j, "host_page_size"); json_u64_or_null(j, x->host_page_size, x->host_page_size);
	json_key(j, "host_page_source"); json_str(j, x->host_page_how);
	json_obj_end(j);
}

/* --numa-node: the binding and where the RAM slot's resident pages are (move_pages). */
static void json_numa(struct json *j, const struct vm *vm)
{
	const struct mem_config *mc = &vm->cfg.memcfg;
	const struct mem_slot *s = memslots_by_id(&vm->mem, SLOT_RAM);
	struct numa_count n;

	if (!mc->numa_bind || !s) {
		json_null(j);
		return;
	}
	gmem_hold(&vm->mem);
	int rc = numa_where(s, mc->numa_node, &n);
	gmem_release(&vm->mem);
	json_obj(j);
	json_key(j, "node");           json_i64(j, mc->numa_node);
	json_key(j, "policy");         json_str(j, "bind");
	json_key(j, "pages_asked");    json_u64_or_null(j, rc == 0, n.asked);
	json_key(j, "pages_resident"); json_u64_or_null(j, rc == 0, n.resident);
	json_key(j, "pages_on_node");  json_u64_or_null(j, rc == 0, n.on_node);
	json_obj_end(j);
}

void memlab_json(struct json *j, const struct report_ctx *c)
{
	const struct vm *vm = &c->run->vm;
	const struct mem_lab *ml = vm->memlab;
	const struct mem_config *mc = &vm->cfg.memcfg;

	if (!ml) {
		json_null(j);
		return;
	}
	json_obj(j);
	json_key(j, "backing_requested"); json_str(j, backing_name(mc->backing));
	json_key(j, "backing_fell_back"); json_bool(j, ml->backing_fell_back);
	json_key(j, "slots");        json_slots(j, &vm->mem);
	json_key(j, "rom_policy");   json_str(j, policy_name(mc->rom_policy));
	json_key(j, "rom_writes");   json_u64(j, ml->rom_writes);
	json_key(j, "unmapped_policy");   json_str(j, policy_name(mc->unmapped_policy));
	json_key(j, "unmapped_accesses"); json_u64(j, ml->unmapped_accesses);
	json_key(j, "memctl_requests");   json_u64(j, ml->memctl_requests);
	json_key(j, "hotplug_adds");      json_u64(j, ml->hotplug_adds);
	json_key(j, "hotplug_removes");   json_u64(j, ml->hotplug_removes);
	json_key(j, "hotplug_busy");      json_u64(j, ml->hotplug_busy);
	json_key(j, "migration_waits");   json_u64(j, ml->migration_waits);
	json_key(j, "fault_mechanism");   json_str(j, memlab_fault_mechanism(c->host, marks_show_emulation(ml)));
	json_key(j, "marks");        json_marks(j, ml);
	json_key(j, "passes");       json_passes(j, &c->run->vcpu, ml);
	json_key(j, "dirty");        json_dirty(j, vm);
	json_key(j, "precopy");      json_precopy(j, vm);
	json_key(j, "ksm");          if (vm->io) ksmctl_json(j, &vm->io->ksm); else json_null(j);
	json_key(j, "numa");         json_numa(j, vm);
	json_key(j, "translations");
	json_arr(j);
	for (int i = 0; i < ml->nxl; i++)
		json_xlate(j, &ml->xl[i]);
	json_arr_end(j);
	json_obj_end(j);
}

static void text_size(FILE *out, uint64_t n)
{
	if (n >= (1ULL << 30) && n % (1ULL << 30) == 0)
		fprintf(out, "%llu GiB", (unsigned long long)(n >> 30));
	else if (n >= (1ULL << 20) && n % (1ULL << 20) == 0)
		fprintf(out, "%llu MiB", (unsigned long long)(n >> 20));
	else
		fprintf(out, "%llu KiB", (unsigned long long)(n >> 10));
}

void memlab_text(FILE *out, const struct report_ctx *c)
{
	const struct vm *vm = &c->run->vm;
	const struct mem_lab *ml = vm->memlab;

	if (!ml)
		return;
	/* The default machine (one anonymous RAM slot) needs no line. */
	bool plain = vm->mem.nslots == 1 && vm->mem.slot[0].backing == BACKING_ANON && !vm->mem.slot[0].flags;
	for (int i = 0; !plain && i < vm->mem.nslots; i++) {
		const struct mem_slot *s = &vm->mem.slot[i];
		fprintf(out, "%s slot %u %-7s GPA 0x%llx-0x%llx (", i ? "         " : "memory: ", s->id, s->name,
			(unsigned long long)s->gpa, (unsigned long long)(s->gpa + s->size - 1));
		text_size(out, s->size);
		fprintf(out, ") %s%s%s\n", backing_name(s->backing), s->flags & KVM_MEM_READONLY ? ", read-only" : "",
			s->flags & KVM_MEM_LOG_DIRTY_PAGES ? ", dirty log" : "");
	}
	if (ml->rom_writes || ml->unmapped_accesses)
		fprintf(out, "          ROM writes %llu, unmapped accesses %llu\n",
			(unsigned long long)ml->rom_writes, (unsigned long long)ml->unmapped_accesses);
	for (int i = 1; i < ml->nmarks; i++) {
		const struct mem_mark *a = &ml->marks[i - 1], *b = &ml->marks[i];
		if (!(a->id & 1) || b->id != a->id + 1)
			continue;
		char name[32];
		uint64_t cycles, pages;
		snprintf(name, sizeof(name), "pass%u-cycles", b->id / 2);
		fprintf(out, "pass %u:   host page faults +%llu", b->id / 2, (unsigned long long)(b->minflt - a->minflt));
		if (report_value(&c->run->vcpu, name, &cycles) && report_value(&c->run->vcpu, "pages", &pages) && pages)
			fprintf(out, ", %llu guest cycles/page", (unsigned long long)(cycles / pages));
		for (int k = 0; k < MARK_STATS_MAX && mark_stat_names[k]; k++)
			if (a->value[k] != UINT64_MAX && b->value[k] != UINT64_MAX && b->value[k] > a->value[k])
				fprintf(out, ", %s +%llu", mark_stat_names[k], (unsigned long long)(b->value[k] - a->value[k]));
		fputc('\n', out);
	}
	if (ml->nmarks)
		fprintf(out, "          mechanism: %s\n", memlab_fault_mechanism(c->host, marks_show_emulation(ml)));
	for (int i = 0; i < ml->nrounds; i++)
		fprintf(out, "dirty:    round %u: %llu page%s\n", ml->rounds[i].round,
			(unsigned long long)ml->rounds[i].npages, ml->rounds[i].npages == 1 ? "" : "s");
	uint64_t dirty[64] = { 0 };
	struct precopy pc;
	if (precopy_of_run(vm, &pc, dirty) >= 0) {
		fprintf(out, "precopy:  %llu pages/round, pending", (unsigned long long)pc.budget);
		for (int i = 0; i <= pc.rounds; i++)
			fprintf(out, "%s%llu", i ? " -> " : " ", (unsigned long long)pc.pending[i]);
		fprintf(out, ": %s after %d rounds, stop-and-copy %llu pages\n",
			pc.converged ? "converged" : "NOT converged", pc.rounds, (unsigned long long)pc.stop_copy_pages);
	}
	for (int i = 0; i < ml->nxl; i++) {
		const struct xlate *x = &ml->xl[i];
		fprintf(out, "translate GVA 0x%llx%s%s\n", (unsigned long long)x->gva,
			x->guest_asked ? " (asked by the guest)" : "", x->paging ? "" : " (paging off: GVA = GPA)");
		for (int k = 0; k < x->walk.nsteps; k++)
			fprintf(out, "          %-5s table 0x%llx [%3u] = 0x%016llx\n", pagewalk_level_name(x->walk.step[k].level),
				(unsigned long long)x->walk.step[k].table_gpa, x->walk.step[k].index,
				(unsigned long long)x->walk.step[k].entry);
		if (!x->valid) {
			fprintf(out, "          -> no mapping (%s)\n", x->walk.fault[0] ? x->walk.fault : "KVM_TRANSLATE: invalid");
			continue;
		}
		fprintf(out, "          -> GPA 0x%llx", (unsigned long long)x->gpa);
		if (x->walk.ok) {
			fputs(" (", out);
			text_size(out, x->walk.page_size);
			fputs(" guest page)", out);
		}
		if (!x->slot_name) {
			fputs(" -> no slot: MMIO\n", out);
			continue;
		}
		fprintf(out, " -> slot %u %s -> HVA 0x%llx", x->slot_id, x->slot_name, (unsigned long long)x->hva);
		if (!x->host_present)
			fputs(" -> HPA: page not present on the host yet\n", out);
		else if (x->pfn_hidden)
			fputs(" -> HPA hidden by the kernel (pagemap shows frame numbers only to CAP_SYS_ADMIN)\n", out);
		else {
			fprintf(out, " -> HPA 0x%llx", (unsigned long long)(x->pfn * 4096 + (x->hva & 0xFFF)));
			if (x->host_page_size) {
				fputs(" (", out);
				text_size(out, x->host_page_size);
				fputs(" host page)", out);
			}
			fputc('\n', out);
		}
	}
}
