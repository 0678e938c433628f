/*
 * x86.h - architectural facts kvmlab depends on, each citing the manual.
 *
 * SDM = Intel 64 and IA-32 Architectures Software Developer's Manual, Vol. 3A.
 * Bits are built with 1ULL so that no shift can overflow a 32-bit int.
 */
#ifndef KVMLAB_X86_H
#define KVMLAB_X86_H

/* CR0 (SDM 2.5 "Control Registers") */
#define CR0_PE_BIT      0               /* protection enable */
#define CR0_MP_BIT      1               /* monitor coprocessor */
#define CR0_ET_BIT      4               /* extension type, hardwired 1 */
#define CR0_NE_BIT      5               /* native x87 error reporting */
#define CR0_WP_BIT      16              /* write protect in ring 0 */
#define CR0_PG_BIT      31              /* paging */
#define CR0_PE          (1ULL << CR0_PE_BIT)
#define CR0_MP          (1ULL << CR0_MP_BIT)
#define CR0_ET          (1ULL << CR0_ET_BIT)
#define CR0_NE          (1ULL << CR0_NE_BIT)
#define CR0_WP          (1ULL << CR0_WP_BIT)
#define CR0_PG          (1ULL << CR0_PG_BIT)

/* CR4 (SDM 2.5) */
#define CR4_PAE_BIT     5               /* physical address extension: required for long mode */
#define CR4_OSFXSR_BIT  9               /* OS supports FXSAVE/FXRSTOR: SSE usable */
#define CR4_OSXMMEXCPT_BIT 10           /* OS handles #XM */
#define CR4_PAE         (1ULL << CR4_PAE_BIT)
#define CR4_OSFXSR      (1ULL << CR4_OSFXSR_BIT)
#define CR4_OSXMMEXCPT  (1ULL << CR4_OSXMMEXCPT_BIT)

/* IA32_EFER, MSR 0xC0000080 (SDM 2.2.1 "Extended Feature Enable Register") */
#define MSR_EFER        0xC0000080U
#define EFER_SCE        (1ULL << 0)     /* syscall enable */
#define EFER_LME        (1ULL << 8)     /* long mode enable */
#define EFER_LMA        (1ULL << 10)    /* long mode active: set by the CPU on PG=1,
                                         * so KVM_SET_SREGS must be given it explicitly */
#define EFER_NXE        (1ULL << 11)

/* RFLAGS (SDM 2.3): bit 1 is reserved and always reads 1. */
#define RFLAGS_FIXED    (1ULL << 1)
#define RFLAGS_TF       (1ULL << 8)
#define RFLAGS_IF       (1ULL << 9)

/* Paging-structure entries (SDM 4.5, tables 4-14 .. 4-19) */
#define PTE_P           (1ULL << 0)     /* present */
#define PTE_RW          (1ULL << 1)     /* writable */
#define PTE_US          (1ULL << 2)     /* user accessible */
#define PTE_PS          (1ULL << 7)     /* page size: 2 MiB page in a PDE */
#define PTE_ADDR_MASK   0x000FFFFFFFFFF000ULL
#define PAGE_SIZE       4096ULL
#define PAGE_SIZE_2M    (2ULL << 20)
#define PT_ENTRIES      512

/* Segment descriptors (SDM 3.4.5 "Segment Descriptors") */
#define SEG_TYPE_DATA_RW   0x3          /* read/write, accessed */
#define SEG_TYPE_CODE_RX   0xB          /* execute/read, accessed */
#define SEG_TYPE_TSS_BUSY  0xB          /* system type: 32/64-bit busy TSS */
#define SEG_TYPE_LDT       0x2

_Static_assert(CR0_PG == 0x80000000ULL, "CR0.PG is bit 31");
_Static_assert(EFER_LMA == 0x400ULL, "EFER.LMA is bit 10");
_Static_assert((PT_ENTRIES * PAGE_SIZE_2M) == (1ULL << 30), "one PD maps 1 GiB");

/* Debug registers (SDM vol. 3B 18.2 "Debug Registers").  DR7 enables
 * breakpoint i with L<i> (bit 2i); R/W<i> = 00 and LEN<i> = 00 make it an
 * instruction breakpoint (fault-like: reported before the instruction runs).
 * DR6 says why #DB happened: B0-B3 (breakpoint i matched), BS (single step). */
#define DEBUG_BREAKPOINTS  4            /* DR0-DR3 hold linear addresses */
#define DR7_L(i)        (1ULL << (2 * (i)))
#define DR7_RW_SHIFT(i) (16 + 4 * (i))  /* 2 bits: 00 = instruction execution */
#define DR7_LEN_SHIFT(i) (18 + 4 * (i)) /* 2 bits: 00 = 1 byte, required for execution */
#define DR6_B(i)        (1ULL << (i))
#define DR6_B_MASK      0xFULL
#define DR6_BS          (1ULL << 14)    /* single step (RFLAGS.TF or KVM_GUESTDBG_SINGLESTEP) */
#define DB_VECTOR       1               /* #DB */
_Static_assert(DR7_L(3) == 0x40ULL, "L3 is DR7 bit 6");

#endif
