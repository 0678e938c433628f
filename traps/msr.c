/*
 * msr.c - rdmsr/wrmsr that KVM sends to user space (KVM_EXIT_X86_RDMSR/WRMSR).
 *
 * KVM handles almost every MSR itself.  With KVM_CAP_X86_USER_SPACE_MSR
 * (api.rst 7.21) and an MSR filter (KVM_X86_SET_MSR_FILTER, api.rst 4.97),
 * accesses to the filtered indexes exit to us instead: kvm_run.msr has the
 * index and, for a write, the data.  We answer in msr.data and set msr.error
 * to 1 to make KVM inject #GP(0), as the CPU does for an MSR it does not have
 * (SDM vol. 2B, RDMSR/WRMSR "Protected Mode Exceptions").
 *
 * kvmlab emulates two MSRs of its own, in the range 0x40000000-0x400000FF
 * that the SDM (vol. 4, ch. 2) reserves for software and no processor will
 * implement, and clear of the Hyper-V MSRs KVM emulates in that range.
 * `--msr-exit INDEX` sends any other MSR here too: kvmlab counts the exit and
 * forwards the access to KVM with KVM_GET_MSRS/KVM_SET_MSRS (a host-initiated
 * access, which KVM treats like the guest's for all but a few MSRs such as
 * IA32_TSC); if KVM refuses it, the guest gets #GP.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvmlab.h"

#define MSR_ERROR_GP 1                  /* kvm_run.msr.error: inject #GP(0) */

struct msr_dev {
	uint32_t index;
	const char *name;
	int (*read)(struct vcpu *v, uint64_t *val);     /* 0, or -1 for #GP */
	int (*write)(struct vcpu *v, uint64_t val);
};

static int scratch_read(struct vcpu *v, uint64_t *val)
{
	*val = __atomic_load_n(&v->vm->bench.msr_scratch, __ATOMIC_RELAXED);     /* any vCPU */
	return 0;
}

static int scratch_write(struct vcpu *v, uint64_t val)
{
	__atomic_store_n(&v->vm->bench.msr_scratch, val, __ATOMIC_RELAXED);
	return 0;
}

/* MSR exits handled before this one: a value the guest can check. */
static int exits_read(struct vcpu *v, uint64_t *val)
{
	*val = v->ctr.reason[KVM_EXIT_X86_RDMSR].count + v->ctr.reason[KVM_EXIT_X86_WRMSR].count - 1;
	return 0;
}

/* The MSRs kvmlab itself implements (docs/guest-abi.md, "MSRs"). */
static const struct msr_dev msr_devs[] = {
	{ MSR_KVMLAB_SCRATCH, "kvmlab-scratch", scratch_read, scratch_write },
	{ MSR_KVMLAB_EXITS,   "kvmlab-exits",   exits_read,   NULL },       /* read-only */
};
#define MSR_DEVS (sizeof(msr_devs) / sizeof(msr_devs[0]))

static const struct msr_dev *msr_find(uint32_t index)
{
	for (size_t i = 0; i < MSR_DEVS; i++)
		if (msr_devs[i].index == index)
			return &msr_devs[i];
	return NULL;
}

/* A filter range that denies both directions for one MSR: KVM then exits. */
static void deny_one(struct kvm_msr_filter_range *r, uint32_t index, uint8_t *bitmap)
{
	*bitmap = 0;                    /* bit 0 clear: deny; nmsrs = 1 */
	*r = (struct kvm_msr_filter_range){ .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
					    .nmsrs = 1, .base = index, .bitmap = bitmap };
}

int msr_filter_install(struct vm *vm, const uint32_t *index, int n, char *err, size_t errlen)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_X86_USER_SPACE_MSR,
				      .args = { KVM_MSR_EXIT_REASON_FILTER } };
	struct kvm_msr_filter f = { .flags = KVM_MSR_FILTER_DEFAULT_ALLOW };
	static uint8_t bitmaps[KVM_MSR_FILTER_MAX_RANGES];      /* all zero: read-only use */

	if (n > KVM_MSR_FILTER_MAX_RANGES) {
		snprintf(err, errlen, "KVM_X86_SET_MSR_FILTER: %d MSRs, at most %d ranges", n, KVM_MSR_FILTER_MAX_RANGES);
		return -1;
	}
	uint64_t t0 = setup_clock();
	int rc = ioctl(vm->fd, KVM_ENABLE_CAP, &cap);

	setup_record(&vm->setup, "user-space MSRs", "KVM_ENABLE_CAP", t0);
	if (rc < 0) {
		snprintf(err, errlen, "KVM_ENABLE_CAP(X86_USER_SPACE_MSR): %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++)
		deny_one(&f.ranges[i], index[i], &bitmaps[0]);
	t0 = setup_clock();
	rc = ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &f);
	setup_record(&vm->setup, "MSR filter", "KVM_X86_SET_MSR_FILTER", t0);
	if (rc < 0) {
		snprintf(err, errlen, "KVM_X86_SET_MSR_FILTER (%d ranges): %s", n, strerror(errno));
		return -1;
	}
	vm->setup.msr_filter = true;
	vlog("ioctl(vm, KVM_ENABLE_CAP X86_USER_SPACE_MSR + KVM_X86_SET_MSR_FILTER, %d MSRs): "
	     "their rdmsr/wrmsr exit to kvmlab", n);
	return 0;
}

/* --msr-exit of an MSR kvmlab does not implement: let KVM do the access. */
static int forward(struct vcpu *v, uint32_t index, uint64_t *val, bool write)
{
	struct { struct kvm_msrs h; struct kvm_msr_entry e; } m = {
		.h = { .nmsrs = 1 }, .e = { .index = index, .data = write ? *val : 0 },
	};
	int done = ioctl(v->fd, write ? KVM_SET_MSRS : KVM_GET_MSRS, &m);

	if (done != 1)
		return -1;              /* KVM does not know this MSR either */
	if (!write)
		*val = m.e.data;
	return 0;
}

static enum action msr_access(struct vcpu *v, bool write)
{
	struct kvm_run *run = v->run;
	uint32_t index = run->msr.index;
	const struct msr_dev *d = msr_find(index);
	uint64_t val = run->msr.data;
	int rc;

	if (d && write)
		rc = d->write ? d->write(v, val) : -1;          /* read-only: #GP */
	else if (d)
		rc = d->read(v, &val);
	else
		rc = forward(v, index, &val, write);
	counters_access(v->ctr.msr, &v->ctr.nmsr, MSR_KEYS_MAX, &v->ctr.msr_overflow,
			index, 8, write, rc == 0, 1);
	if (rc == 0 && !write)
		run->msr.data = val;
	run->msr.error = rc == 0 ? 0 : MSR_ERROR_GP;
	return ACT_CONTINUE;
}

enum action trap_rdmsr(struct vcpu *v)
{
	return msr_access(v, false);
}

enum action trap_wrmsr(struct vcpu *v)
{
	return msr_access(v, true);
}

const char *msr_name(uint32_t index)
{
	const struct msr_dev *d = msr_find(index);

	return d ? d->name : NULL;
}
