/*
 * modes.c - CPU modes as data.
 *
 * A vCPU comes out of KVM_CREATE_VCPU in the x86 reset state: real mode,
 * CS:IP = F000:FFF0 (SDM 10.1.4).  kvmlab moves it straight to the payload's
 * mode by writing the registers a boot loader would have left behind.  The
 * three modes differ only in the rows of mode_table below: read them side
 * by side.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvmlab.h"
#include "x86.h"

struct seg_row {
	uint16_t sel;           /* selector; real mode: filled from load_addr */
	uint8_t type;           /* SEG_TYPE_* */
	uint8_t db;             /* default operand size 32 */
	uint8_t l;              /* 64-bit code */
	uint8_t g;              /* limit in 4 KiB units */
	uint32_t limit;
};

struct mode_row {
	const char *name;
	uint64_t cr0, cr4, efer;
	struct seg_row code, data;
	bool gdt;               /* needs kvmlab's GDT in guest memory */
	bool page_tables;       /* needs the identity map */
};

#define LONG_CR0  (CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG)
#define LONG_CR4  (CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT)

static const struct mode_row mode_table[] = {
	/*               CR0            CR4       EFER                  code segment                                    data segment */
	[MODE_REAL] = { "real",      CR0_ET,     0,        0,
			{ 0,          SEG_TYPE_CODE_RX, 0, 0, 0, 0xFFFF },     { 0,        SEG_TYPE_DATA_RW, 0, 0, 0, 0xFFFF },
			false, false },
	[MODE_PROT] = { "protected", CR0_PE | CR0_ET, 0,  0,
			{ SEL_CODE32, SEG_TYPE_CODE_RX, 1, 0, 1, 0xFFFFF },    { SEL_DATA, SEG_TYPE_DATA_RW, 1, 0, 1, 0xFFFFF },
			true, false },
	[MODE_LONG] = { "long",      LONG_CR0,   LONG_CR4, EFER_LME | EFER_LMA,
			{ SEL_CODE64, SEG_TYPE_CODE_RX, 0, 1, 1, 0xFFFFF },    { SEL_DATA, SEG_TYPE_DATA_RW, 1, 0, 1, 0xFFFFF },
			true, true },
};

/* A segment descriptor as laid out in SDM 3.4.5, figure 3-8. */
static uint64_t seg_desc(uint64_t base, const struct seg_row *s)
{
	return (s->limit & 0xFFFFULL) |
	       ((base & 0xFFFFFFULL) << 16) |
	       ((uint64_t)s->type << 40) |
	       (1ULL << 44) |                   /* S: code/data, not system */
	       (1ULL << 47) |                   /* P: present */
	       (((uint64_t)s->limit >> 16 & 0xF) << 48) |
	       ((uint64_t)s->l << 53) |
	       ((uint64_t)s->db << 54) |
	       ((uint64_t)s->g << 55) |
	       ((base >> 24 & 0xFFULL) << 56);
}

static struct kvm_segment kvm_seg(uint64_t base, uint16_t sel, const struct seg_row *s)
{
	return (struct kvm_segment){
		.base = base, .selector = sel,
		.limit = s->g ? (s->limit << 12 | 0xFFF) : s->limit,
		.type = s->type, .present = 1, .dpl = 0, .db = s->db, .s = 1,
		.l = s->l, .g = s->g,
	};
}

/* GDT at GPA_GDT: null, 32-bit code, data, 64-bit code (abi.h selectors). */
static int build_gdt(struct guest_mem *m, struct kvm_sregs *sr)
{
	const struct mode_row *prot = &mode_table[MODE_PROT], *lng = &mode_table[MODE_LONG];
	uint64_t gdt[4] = { 0 };

	gdt[SEL_CODE32 >> 3] = seg_desc(0, &prot->code);
	gdt[SEL_DATA >> 3]   = seg_desc(0, &prot->data);
	gdt[SEL_CODE64 >> 3] = seg_desc(0, &lng->code);
	if (gmem_write(m, GPA_GDT, gdt, sizeof(gdt)) != 0)
		return -1;
	sr->gdt.base = GPA_GDT;
	sr->gdt.limit = sizeof(gdt) - 1;
	return 0;
}

/* Identity map of [0, 4 GiB) with 2 MiB pages: PML4[0] -> PDPT[0..3] -> 4 PDs
 * (SDM 4.5, 4-level paging).  Covers RAM and the MMIO window alike. */
static int build_page_tables(struct guest_mem *m, struct kvm_sregs *sr)
{
	uint64_t *pml4 = gmem_ptr(m, GPA_PML4, PAGE_SIZE);
	uint64_t *pdpt = gmem_ptr(m, GPA_PDPT, PAGE_SIZE);
	uint64_t *pd = gmem_ptr(m, GPA_PD, 4 * PAGE_SIZE);

	if (!pml4 || !pdpt || !pd)
		return -1;
	memset(pml4, 0, PAGE_SIZE);
	memset(pdpt, 0, PAGE_SIZE);
	pml4[0] = GPA_PDPT | PTE_P | PTE_RW;
	for (uint64_t i = 0; i < 4; i++) {
		pdpt[i] = (GPA_PD + i * PAGE_SIZE) | PTE_P | PTE_RW;
		for (uint64_t j = 0; j < PT_ENTRIES; j++)
			pd[i * PT_ENTRIES + j] = (i << 30 | j * PAGE_SIZE_2M) | PTE_P | PTE_RW | PTE_PS;
	}
	_Static_assert(GPA_PD + 4 * PAGE_SIZE <= GPA_VMM_END, "page tables fit below GPA_VMM_END");
	sr->cr3 = GPA_PML4;
	return 0;
}

int mode_setup(struct vcpu *v, const struct payload *p, char *err, size_t errlen)
{
	const struct mode_row *row = &mode_table[p->hdr.mode];
	struct guest_mem *m = &v->vm->mem;
	struct kvm_sregs sr;
	struct kvm_regs regs;
	uint64_t load = p->hdr.load_addr;

	struct setup_log *log = &v->vm->setup;
	uint64_t t0 = setup_clock();
	int rc = ioctl(v->fd, KVM_GET_SREGS, &sr);

	setup_record(log, "read reset state", "KVM_GET_SREGS", t0);
	if (rc < 0) {
		snprintf(err, errlen, "KVM_GET_SREGS: %s", strerror(errno));
		return -1;
	}
	/* Show the reset state before it is overwritten: labs/hello-kvm.md. */
	if (log_verbose && ioctl(v->fd, KVM_GET_REGS, &regs) == 0)
		vlog("ioctl(vcpu, KVM_GET_SREGS/KVM_GET_REGS): reset state, %s mode, CR0=0x%llx, CS:RIP=%04x:%04llx (CS.base 0x%llx)",
		     mode_of_sregs(&sr), (unsigned long long)sr.cr0, sr.cs.selector,
		     (unsigned long long)regs.rip, (unsigned long long)sr.cs.base);
	if ((row->gdt && build_gdt(m, &sr) != 0) || (row->page_tables && build_page_tables(m, &sr) != 0)) {
		snprintf(err, errlen, "guest RAM too small for kvmlab's GDT and page tables");
		return -1;
	}

	uint64_t seg_base = 0, rip = load + p->hdr.entry, rsp = GPA_STACK_TOP;
	uint16_t csel = row->code.sel, dsel = row->data.sel;
	if (p->hdr.mode == MODE_REAL) {
		/* Like a DOS .COM: every segment at the load address, IP = entry. */
		seg_base = load;
		csel = dsel = (uint16_t)(load >> 4);
		rip = p->hdr.entry;
		rsp = REAL_SP;
	}
	sr.cs = kvm_seg(seg_base, csel, &row->code);
	sr.ds = sr.es = sr.fs = sr.gs = sr.ss = kvm_seg(seg_base, dsel, &row->data);
	sr.cr0 = row->cr0;
	sr.cr4 = row->cr4;
	sr.efer = row->efer;
	if (row->gdt) {
		/* guest-abi.md: no IDT in protected and long mode.  The reset IDTR
		 * (base 0, limit 0xFFFF: SDM Vol. 3A 10.1.1, Table 10-1) would make
		 * page 0 the live IDT; limit 0 covers no gate, so an exception
		 * cannot be delivered and ends as the promised triple fault. */
		sr.idt.base = 0;
		sr.idt.limit = 0;
	}
	t0 = setup_clock();
	rc = ioctl(v->fd, KVM_SET_SREGS, &sr);
	setup_record(log, "enter the mode", "KVM_SET_SREGS", t0);
	if (rc < 0) {
		snprintf(err, errlen, "KVM_SET_SREGS (%s mode): %s", row->name, strerror(errno));
		return -1;
	}

	memset(&regs, 0, sizeof(regs));
	regs.rip = rip;
	regs.rsp = rsp;
	regs.rflags = RFLAGS_FIXED;
	regs.rbx = v->vm->cfg.entry_arg;        /* --arg: the payload's parameter (RDI/RSI are --vcpus') */
	t0 = setup_clock();
	rc = ioctl(v->fd, KVM_SET_REGS, &regs);
	setup_record(log, "entry registers", "KVM_SET_REGS", t0);
	if (rc < 0) {
		snprintf(err, errlen, "KVM_SET_REGS: %s", strerror(errno));
		return -1;
	}
	vlog("ioctl(vcpu, KVM_SET_SREGS/KVM_SET_REGS): %s mode, CR0=0x%llx CR4=0x%llx EFER=0x%llx, CS:RIP=%04x:%llx",
	     row->name, (unsigned long long)sr.cr0, (unsigned long long)sr.cr4,
	     (unsigned long long)sr.efer, csel, (unsigned long long)rip);
	return 0;
}

const char *mode_of_sregs(const struct kvm_sregs *s)
{
	if (s->efer & EFER_LMA)
		return s->cs.l ? "long" : "compatibility";
	if (s->cr0 & CR0_PE)
		return "protected";
	return "real";
}
