/*
 * state.c - a vCPU's and a VM's state out of KVM and back in (api.rst 4.x:
 * KVM_GET/SET_REGS, SREGS, FPU, XSAVE, XCRS, MSRS, DEBUGREGS, VCPU_EVENTS,
 * MP_STATE, LAPIC, CLOCK), and the whole stream of a stopped run.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvmlab.h"

#define FAILIO(name) do { snprintf(err, errlen, "%s: %s", name, strerror(errno)); return -1; } while (0)

static bool has_cap(const struct vcpu *v, int cap)
{
	return ioctl(v->vm->kvm->fd, KVM_CHECK_EXTENSION, cap) > 0;
}

int mig_complete_io(struct vcpu *v, char *err, size_t errlen)
{
	/* api.rst, KVM_RUN: "to complete a pending I/O ... before saving state, call
	 * KVM_RUN with immediate_exit set": KVM finishes the instruction and returns EINTR. */
	v->run->immediate_exit = 1;
	int rc = ioctl(v->fd, KVM_RUN, 0);
	int e = errno;
	v->run->immediate_exit = vcpu_leave_due(v);
	if (rc == 0 || e != EINTR) {
		snprintf(err, errlen, "KVM_RUN (immediate_exit, completing the pending I/O): %s",
			 rc == 0 ? "the guest ran" : strerror(e));
		return -1;
	}
	return 0;
}

/* The MSRs KVM lists (KVM_GET_MSR_INDEX_LIST) that KVM_GET_MSRS reads on this vCPU:
 * each is read on its own, since KVM_GET_MSRS stops at the first it refuses. */
static int get_msrs(struct vcpu *v, struct mig_vcpu *s, char *err, size_t errlen)
{
	struct kvm_msr_list probe = { .nmsrs = 0 };
	struct kvm_msr_list *list;

	if (ioctl(v->vm->kvm->fd, KVM_GET_MSR_INDEX_LIST, &probe) < 0 && errno != E2BIG)
		FAILIO("KVM_GET_MSR_INDEX_LIST");
	list = calloc(1, sizeof(*list) + probe.nmsrs * sizeof(uint32_t));
	if (!list)
		FAILIO("KVM_GET_MSR_INDEX_LIST (out of memory)");
	list->nmsrs = probe.nmsrs;
	if (ioctl(v->vm->kvm->fd, KVM_GET_MSR_INDEX_LIST, list) < 0) {
		free(list);
		FAILIO("KVM_GET_MSR_INDEX_LIST");
	}
	s->nmsrs = 0;
	for (uint32_t i = 0; i < list->nmsrs && s->nmsrs < MIG_MSRS_MAX; i++) {
		struct { struct kvm_msrs h; struct kvm_msr_entry e; } one = {
			.h = { .nmsrs = 1 }, .e = { .index = list->indices[i] } };
		if (ioctl(v->fd, KVM_GET_MSRS, &one) == 1)
			s->msrs[s->nmsrs++] = one.e;
	}
	free(list);
	return 0;
}

int mig_vcpu_get(struct vcpu *v, bool irqchip, struct mig_vcpu *s, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->id = (uint32_t)v->id;
	if (ioctl(v->fd, KVM_GET_REGS, &s->regs) < 0) FAILIO("KVM_GET_REGS");
	if (ioctl(v->fd, KVM_GET_SREGS, &s->sregs) < 0) FAILIO("KVM_GET_SREGS");
	if (has_cap(v, KVM_CAP_XSAVE)) {
		if (ioctl(v->fd, KVM_GET_XSAVE, &s->xsave) < 0) FAILIO("KVM_GET_XSAVE");
		s->flags |= MIG_VCPU_XSAVE;
	} else if (ioctl(v->fd, KVM_GET_FPU, &s->fpu) < 0)
		FAILIO("KVM_GET_FPU");
	if (has_cap(v, KVM_CAP_XCRS)) {
		if (ioctl(v->fd, KVM_GET_XCRS, &s->xcrs) < 0) FAILIO("KVM_GET_XCRS");
		s->flags |= MIG_VCPU_XCRS;
	}
	if (ioctl(v->fd, KVM_GET_DEBUGREGS, &s->dbg) < 0) FAILIO("KVM_GET_DEBUGREGS");
	if (ioctl(v->fd, KVM_GET_VCPU_EVENTS, &s->events) < 0) FAILIO("KVM_GET_VCPU_EVENTS");
	if (ioctl(v->fd, KVM_GET_MP_STATE, &s->mp) < 0) FAILIO("KVM_GET_MP_STATE");
	if (irqchip) {                  /* no LAPIC in the kernel without KVM_CREATE_IRQCHIP */
		if (ioctl(v->fd, KVM_GET_LAPIC, &s->lapic) < 0) FAILIO("KVM_GET_LAPIC");
		s->flags |= MIG_VCPU_LAPIC;
	}
	s->memctl_status = v->memctl_status;    /* an OUT to PORT_MEMCTL whose IN is still to come */
	return get_msrs(v, s, err, errlen);
}

/* KVM_SET_MSRS stops at the first MSR it refuses.  Some it refuses unless a
 * feature is on (MSR_KVM_ASYNC_PF_INT needs an in-kernel LAPIC): such an MSR
 * may be skipped only when the destination already holds the same value. */
static int set_msrs(struct vcpu *v, const struct mig_vcpu *s, char *err, size_t errlen)
{
	struct kvm_msrs *m = calloc(1, sizeof(*m) + MIG_MSRS_MAX * sizeof(struct kvm_msr_entry));
	uint32_t done = 0;

	if (!m)
		FAILIO("KVM_SET_MSRS (out of memory)");
	while (done < s->nmsrs) {
		m->nmsrs = s->nmsrs - done;
		memcpy(m->entries, s->msrs + done, m->nmsrs * sizeof(struct kvm_msr_entry));
		int n = ioctl(v->fd, KVM_SET_MSRS, m);
		if (n < 0) {
			free(m);
			FAILIO("KVM_SET_MSRS");
		}
		done += (uint32_t)n;
		if (done == s->nmsrs)
			break;
		struct { struct kvm_msrs h; struct kvm_msr_entry e; } one = {
			.h = { .nmsrs = 1 }, .e = { .index = s->msrs[done].index } };
		if (ioctl(v->fd, KVM_GET_MSRS, &one) != 1 || one.e.data != s->msrs[done].data) {
			snprintf(err, errlen, "KVM_SET_MSRS: this host refuses MSR 0x%x = 0x%llx (entry %u of %u)",
				 s->msrs[done].index, (unsigned long long)s->msrs[done].data, done, s->nmsrs);
			free(m);
			return -1;
		}
		done++;                 /* already so: nothing to set */
	}
	free(m);
	return 0;
}

int mig_vcpu_set(struct vcpu *v, const struct mig_vcpu *s, char *err, size_t errlen)
{
	/* QEMU's order (kvm_arch_put_registers): sregs (EFER, CR0/4) before the MSRs
	 * that depend on the mode; events last, so a pending exception survives. */
	if (ioctl(v->fd, KVM_SET_SREGS, &s->sregs) < 0) FAILIO("KVM_SET_SREGS");
	if (ioctl(v->fd, KVM_SET_REGS, &s->regs) < 0) FAILIO("KVM_SET_REGS");
	if (s->flags & MIG_VCPU_XSAVE) {
		if (ioctl(v->fd, KVM_SET_XSAVE, &s->xsave) < 0) FAILIO("KVM_SET_XSAVE");
	} else if (ioctl(v->fd, KVM_SET_FPU, &s->fpu) < 0)
		FAILIO("KVM_SET_FPU");
	if ((s->flags & MIG_VCPU_XCRS) && ioctl(v->fd, KVM_SET_XCRS, &s->xcrs) < 0) FAILIO("KVM_SET_XCRS");
	if (set_msrs(v, s, err, errlen) != 0)
		return -1;
	if ((s->flags & MIG_VCPU_LAPIC) && ioctl(v->fd, KVM_SET_LAPIC, &s->lapic) < 0) FAILIO("KVM_SET_LAPIC");
	if (ioctl(v->fd, KVM_SET_MP_STATE, &s->mp) < 0) FAILIO("KVM_SET_MP_STATE");
	if (ioctl(v->fd, KVM_SET_DEBUGREGS, &s->dbg) < 0) FAILIO("KVM_SET_DEBUGREGS");
	if (ioctl(v->fd, KVM_SET_VCPU_EVENTS, &s->events) < 0) FAILIO("KVM_SET_VCPU_EVENTS");
	return 0;
}

static void uart_save(struct vm *vm, struct mig_uart *m)
{
	struct uart_dev *d = &vm->io->com1;

	pthread_mutex_lock(&d->lock);
	const struct uart *u = &d->uart;
	*m = (struct mig_uart){ .ier = u->ier, .lcr = u->lcr, .mcr = u->mcr, .scr = u->scr, .fcr = u->fcr,
				.loop_len = u->loop_len, .overrun = u->overrun, .divisor = u->divisor,
				.fnv = u->fnv, .tx_bytes = u->tx_bytes, .rx_bytes = u->rx_bytes,
				.flags = (u->thre_int ? MIG_UART_THRE_INT : 0) |
					 (d->irq_level ? MIG_UART_IRQ_LINE : 0) };
	memcpy(m->loop, u->loop, sizeof(m->loop));
	pthread_mutex_unlock(&d->lock);
}

int mig_check_savable(struct vm *vm, char *err, size_t errlen)
{
	if (!vm->io)
		return 0;
	/* Every device the guest can drive has its state in the stream: kvmlab's own
	 * (devstate.c, the balloon's pages in balloonstate.c) and a vhost-user-blk's
	 * ring by its index (vhostmig.c: the back-end's ring stops here). */
	mig_virtio_drain(vm);
	return mig_vhost_stop(vm, err, errlen);         /* the back-end's ring stops where the stream says */
}

int mig_write_state(struct mig_out *out, struct vcpu *v0, const struct mig_vcpu *s, int n,
		    const struct payload *p, char *err, size_t errlen)
{
	struct vm *vm = v0->vm;
	struct { struct kvm_cpuid2 h; struct kvm_cpuid_entry2 e[MIG_CPUID_MAX]; } cpuid = {
		.h = { .nent = MIG_CPUID_MAX } };
	struct kvm_clock_data clock = { 0 };
	struct mig_uart uart;

	if (ioctl(v0->fd, KVM_GET_CPUID2, &cpuid) < 0) FAILIO("KVM_GET_CPUID2");
	if (ioctl(vm->fd, KVM_GET_CLOCK, &clock) < 0) FAILIO("KVM_GET_CLOCK");
	uart_save(vm, &uart);
	int rc = mig_write_section(out, MIG_SEC_CPUID, cpuid.e, cpuid.h.nent * sizeof(cpuid.e[0]));
	for (int i = 0; i < n && rc == 0; i++)
		rc = mig_write_section(out, MIG_SEC_VCPU, &s[i], offsetof(struct mig_vcpu, msrs) +
				       s[i].nmsrs * sizeof(s[i].msrs[0]));
	_Static_assert(VCPUS_MAX <= MIG_VCPUS_MAX, "every vCPU of a run has a MEMCTL slot");
	uint32_t memctl[MIG_VCPUS_MAX];
	for (int i = 0; i < n; i++)
		memctl[i] = s[i].memctl_status;
	if (rc == 0)
		rc = mig_write_section(out, MIG_SEC_MEMCTL, memctl, (uint64_t)n * sizeof(memctl[0]));
	if (rc == 0)
		rc = mig_write_section(out, MIG_SEC_CLOCK, &clock, sizeof(clock));
	if (rc == 0 && mig_irq_save(out, vm, err, errlen) != 0)        /* irqstate.c: IRQCHIP or IOAPIC */
		return -1;
	if (rc == 0)
		rc = mig_write_section(out, MIG_SEC_UART, &uart, sizeof(uart)) |
		     mig_virtio_save(out, vm) |
		     mig_balloon_save(out, vm) |
		     mig_write_section(out, MIG_SEC_PAYLOAD, p->data, p->size) |
		     mig_write_section(out, MIG_SEC_END, NULL, 0);
	if (rc != 0) {
		snprintf(err, errlen, "migration: writing the stream: %s", out->err ? strerror(out->err) : "failed");
		return -1;
	}
	return 0;
}

int mig_save(struct mig_out *out, struct vcpu *v, const struct payload *p, char *err, size_t errlen)
{
	struct vm *vm = v->vm;
	struct mig_config cfg = { .vcpus = 1, .irqchip = vm->cfg.irqchip, .mem = vm->mem.size };
	struct mig_vcpu *s;

	if (mig_check_savable(vm, err, errlen) != 0)
		return -1;
	s = malloc(sizeof(*s));
	if (!s || mig_vcpu_get(v, vm->cfg.irqchip, s, err, errlen) != 0) {
		if (!s)
			snprintf(err, errlen, "migration (out of memory)");
		free(s);
		mig_virtio_resume(vm);  /* the guest runs on: so does its network */
		return -1;
	}
	/* The LAYOUT and the pages must be of one slot table: the slot lock over both
	 * (a hotplug on another thread waits; this thread holds no mem_lab.lock here). */
	gmem_hold(&vm->mem);
	int rc = mig_write_header(out) |
		 mig_write_section(out, MIG_SEC_CONFIG, &cfg, sizeof(cfg)) |
		 mig_write_layout(out, &vm->mem);
	if (rc == 0)
		rc = mig_write_ram(out, &vm->mem);
	gmem_release(&vm->mem);
	if (rc != 0) {
		free(s);
		snprintf(err, errlen, "migration: writing the stream: %s",
			 out->err ? strerror(out->err) : "a page outside guest RAM");
		return -1;
	}
	rc = mig_write_state(out, v, s, 1, p, err, errlen);
	free(s);
	mig_virtio_resume(vm);          /* a snapshot's guest runs on: frames the tap held now come in */
	return rc;
}

/* The feature leaves whose bits must all be supported on the destination
 * (SDM Vol. 2A, CPUID: leaf 1 ECX/EDX, leaf 7.0 EBX/ECX/EDX; APM Vol. 3,
 * leaf 8000_0001h ECX/EDX).  A guest that saw a feature must find it again. */
#define CPUID_1_ECX_OSXSAVE     (1U << 27)      /* mirrors CR4.OSXSAVE (SDM Vol. 2A Table 3-10): runtime, not a feature */
#define CPUID_7_ECX_OSPKE       (1U << 4)       /* mirrors CR4.PKE (SDM Vol. 2A Table 3-8) */
static const struct {
	uint32_t leaf, index;
	uint32_t dynamic[4];            /* per register (EAX..EDX): bits that follow guest state; ~0 = not a feature mask */
} cpuid_feature_leaves[] = {
	{ 0x1, 0, { ~0U, ~0U, CPUID_1_ECX_OSXSAVE, 0 } },       /* EBX: APIC id, CLFLUSH size */
	{ 0x7, 0, { ~0U, 0, CPUID_7_ECX_OSPKE, 0 } },
	{ 0x80000001, 0, { ~0U, ~0U, 0, 0 } },
};

static const struct kvm_cpuid_entry2 *cpuid_find(const struct kvm_cpuid_entry2 *e, uint32_t n,
						 uint32_t leaf, uint32_t index)
{
	for (uint32_t i = 0; i < n; i++)
		if (e[i].function == leaf && (!(e[i].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e[i].index == index))
			return &e[i];
	return NULL;
}

int mig_cpuid_compatible(struct vcpu *fresh, const struct kvm_cpuid_entry2 *e, uint32_t n, char *err, size_t errlen)
{
	struct kvm_cpuid2 *sup = calloc(1, sizeof(*sup) + MIG_CPUID_MAX * sizeof(sup->entries[0]));
	struct kvm_cpuid2 *own = calloc(1, sizeof(*own) + MIG_CPUID_MAX * sizeof(own->entries[0]));
	int rc = 0;

	if (!sup || !own) {
		free(sup);
		free(own);
		FAILIO("KVM_GET_SUPPORTED_CPUID (out of memory)");
	}
	sup->nent = own->nent = MIG_CPUID_MAX;
	if (ioctl(fresh->vm->kvm->fd, KVM_GET_SUPPORTED_CPUID, sup) < 0) {
		free(sup);
		free(own);
		FAILIO("KVM_GET_SUPPORTED_CPUID");
	}
	/* Some hosts add bits to a vCPU's table after KVM_SET_CPUID2 (docs/cpu.md):
	 * what a fresh vCPU here holds counts as supported too. */
	if (ioctl(fresh->fd, KVM_GET_CPUID2, own) < 0)
		own->nent = 0;
	const struct kvm_cpuid_entry2 *g = cpuid_find(e, n, 0, 0), *h = cpuid_find(sup->entries, sup->nent, 0, 0);
	if (g && h && (g->ebx != h->ebx || g->ecx != h->ecx || g->edx != h->edx)) {
		snprintf(err, errlen, "migration stream: the guest's CPU vendor (CPUID 0: %.4s%.4s%.4s) is not this host's",
			 (const char *)&g->ebx, (const char *)&g->edx, (const char *)&g->ecx);
		rc = -1;
	}
	for (size_t i = 0; rc == 0 && i < sizeof(cpuid_feature_leaves) / sizeof(cpuid_feature_leaves[0]); i++) {
		uint32_t leaf = cpuid_feature_leaves[i].leaf, idx = cpuid_feature_leaves[i].index;
		g = cpuid_find(e, n, leaf, idx);
		h = cpuid_find(sup->entries, sup->nent, leaf, idx);
		const struct kvm_cpuid_entry2 *o = cpuid_find(own->entries, own->nent, leaf, idx);
		if (!g)
			continue;
		const uint32_t gr[4] = { g->eax, g->ebx, g->ecx, g->edx };
		uint32_t hr[4] = { h ? h->eax : 0, h ? h->ebx : 0, h ? h->ecx : 0, h ? h->edx : 0 };
		if (o) {
			hr[0] |= o->eax; hr[1] |= o->ebx; hr[2] |= o->ecx; hr[3] |= o->edx;
		}
		for (int r = 0; r < 4 && rc == 0; r++) {
			uint32_t missing = gr[r] & ~hr[r] & ~cpuid_feature_leaves[i].dynamic[r];
			if (missing) {
				snprintf(err, errlen, "migration stream: incompatible CPUID: leaf 0x%x.%u %s has bits 0x%08x "
					 "this host's KVM does not support", leaf, idx, cpuid_reg_name(r), missing);
				rc = -1;
			}
		}
	}
	free(sup);
	free(own);
	return rc;
}
