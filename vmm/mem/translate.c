/*
 * translate.c - the four addresses of one guest byte.
 *
 *   GVA --(guest page tables: KVM_TRANSLATE, and kvmlab's own walk)--> GPA
 *   GPA --(memory slots: kvmlab's table, the same one KVM has)-------> HVA
 *   HVA --(the host kernel's page tables: /proc/self/pagemap)--------> HPA
 *
 * The last step needs CAP_SYS_ADMIN: since Linux 4.0 pagemap shows frame
 * numbers as 0 to everyone else (Documentation/admin-guide/mm/pagemap.rst),
 * because physical addresses help Rowhammer-style attacks.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvmlab.h"
#include "x86.h"

#define PAGEMAP_PRESENT     (1ULL << 63)        /* pagemap.rst: page present in RAM */
#define PAGEMAP_PFN_MASK    ((1ULL << 55) - 1)  /* bits 0-54: page frame number */
#define KPF_HUGE            17                  /* /proc/kpageflags bits (pagemap.rst) */
#define KPF_THP             22
#define HOST_PAGE           4096ULL

/* Opened once before the first KVM_RUN (translate_open_host_files), so that a
 * guest's MEMCTL_TRANSLATE needs no open(2): the --sandbox filter forbids it. */
static int pagemap_fd = -1, kpageflags_fd = -1;
static bool host_files_tried;

/* One attempt only: a file that could not be opened then (no fds left,
 * not root) stays unavailable, and the translation says "unknown", rather
 * than a retry that would be an open(2) inside the sandbox (exit 17). */
void translate_open_host_files(void)
{
	if (host_files_tried)
		return;
	host_files_tried = true;
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	kpageflags_fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
}

static int read_u64_at(int fd, uint64_t index, uint64_t *out)
{
	ssize_t n = -1;

	if (fd >= 0)
		n = pread(fd, out, sizeof(*out), (off_t)(index * sizeof(*out)));
	return n == sizeof(*out) ? 0 : -1;
}

static void host_step(struct xlate *x, int backing)
{
	uint64_t e, flags;

	x->host_page_how = "unknown";
	translate_open_host_files();
	if (read_u64_at(pagemap_fd, x->hva / HOST_PAGE, &e) != 0)
		return;
	x->host_present = e & PAGEMAP_PRESENT;
	x->pfn = e & PAGEMAP_PFN_MASK;
	x->pfn_hidden = x->host_present && x->pfn == 0;
	if (!x->host_present) {
		x->host_page_how = "not present: the host has not faulted this page in";
		return;
	}
	if (x->pfn_hidden) {
		x->host_page_how = backing == BACKING_HUGETLB ? "hugetlb backing" : "unknown";
		x->host_page_size = backing == BACKING_HUGETLB ? PAGE_SIZE_2M : 0;
		return;
	}
	/* kpageflags says whether the frame is part of a huge page (root only, like the PFN). */
	if (read_u64_at(kpageflags_fd, x->pfn, &flags) == 0) {
		bool huge = flags & ((1ULL << KPF_HUGE) | (1ULL << KPF_THP));
		x->host_page_size = huge ? PAGE_SIZE_2M : HOST_PAGE;
		x->host_page_how = "/proc/kpageflags";
	}
}

/* Runs on a vCPU thread while others may unplug memory: the walk and the
 * slot lookup happen under the slot lock, and x keeps copies, no pointers. */
void translate_gva(struct vcpu *v, uint64_t gva, struct xlate *x)
{
	struct kvm_translation t = { .linear_address = gva };
	struct kvm_sregs sr;

	memset(x, 0, sizeof(*x));
	x->gva = gva;
	gmem_hold(&v->vm->mem);
	if (ioctl(v->fd, KVM_GET_SREGS, &sr) == 0) {
		x->paging = sr.cr0 & CR0_PG;
		if (x->paging && (sr.efer & EFER_LMA))
			pagewalk(&v->vm->mem, sr.cr3, gva, &x->walk);
		else
			snprintf(x->walk.fault, sizeof(x->walk.fault),
				 x->paging ? "kvmlab walks 4-level (long mode) tables only" : "paging is off: GVA = GPA");
	}
	/* api.rst 4.15: the vCPU's current paging mode decides the translation. */
	if (ioctl(v->fd, KVM_TRANSLATE, &t) == 0 && t.valid) {
		x->valid = true;
		x->gpa = t.physical_address;
		x->writeable = t.writeable;
		const struct mem_slot *s = memslots_find(&v->vm->mem, x->gpa);
		if (s) {                /* else a hole: no HVA, accesses are MMIO exits */
			x->slot_id = s->id;
			x->slot_name = s->name;
			x->hva = (uint64_t)(uintptr_t)s->hva + (x->gpa - s->gpa);
			host_step(x, s->backing);       /* pagemap of a mapping that still exists */
		}
	}
	gmem_release(&v->vm->mem);
}
