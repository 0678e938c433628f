/*
 * abi.h - the guest ABI: what a payload may rely on and what kvmlab checks.
 *
 * This is the C side of docs/guest-abi.md; payloads/lib/kvmlab.inc is the
 * nasm side.  Change all three together and bump KVMLAB_ABI_VERSION.
 */
#ifndef KVMLAB_ABI_H
#define KVMLAB_ABI_H

#include <stdint.h>

#define KVMLAB_ABI_VERSION      1

/* ---- Payload header: the first 64 bytes of every payload file. ---- */
#define KVMLAB_MAGIC            0x4C4D564BU   /* "KVML" read as a little-endian u32 */
#define KVMLAB_HDR_SIZE         64
#define KVMLAB_NAME_MAX         32            /* name field, NUL padded */
#define KVMLAB_DESC_MAX         160           /* longest description: text bytes, then a NUL */

enum payload_mode {
	MODE_REAL = 1,          /* 16-bit real mode, as a vCPU is after reset */
	MODE_PROT = 2,          /* 32-bit protected mode, flat segments, no paging */
	MODE_LONG = 3,          /* 64-bit long mode, identity-mapped 4 GiB */
};

struct payload_hdr {
	uint32_t magic;         /* KVMLAB_MAGIC */
	uint16_t abi_version;   /* KVMLAB_ABI_VERSION */
	uint16_t hdr_size;      /* KVMLAB_HDR_SIZE */
	uint8_t  mode;          /* enum payload_mode */
	uint8_t  reserved0[3];  /* must be zero */
	uint32_t flags;         /* KVMLAB_FLAG_*; every other bit must be zero */
	uint32_t load_addr;     /* GPA where the whole file (header included) is loaded */
	uint32_t entry;         /* entry point, as an offset from load_addr */
	uint32_t min_mem_kib;   /* smallest guest RAM the payload runs in */
	uint32_t desc_offset;   /* file offset of a NUL-terminated one-line description, 0 = none */
	char     name[KVMLAB_NAME_MAX];
} __attribute__((packed));
_Static_assert(sizeof(struct payload_hdr) == KVMLAB_HDR_SIZE, "header is 64 bytes");
/* Header flags.  A flag only asks kvmlab for set-up a payload needs, so a
 * payload without flags runs as before (docs/guest-abi.md, "Header flags"). */
#define KVMLAB_FLAG_MSRS        (1U << 0)     /* uses kvmlab's MSRs: install the MSR filter */
#define KVMLAB_FLAG_KERNEL_DEVS (1U << 1)     /* uses the bench doorbells / coalesced zone: register them */
#define KVMLAB_FLAG_IRQCHIP     (1U << 2)     /* KVM's in-kernel PIC, IOAPIC and LAPIC (no hlt exits then) */
#define KVMLAB_FLAG_SPLIT_IRQCHIP (1U << 3)   /* only the LAPIC in KVM (KVM_CAP_SPLIT_IRQCHIP); excludes IRQCHIP */
#define KVMLAB_FLAG_AP_SIPI     (1U << 4)     /* --vcpus: APs wait for INIT-SIPI-SIPI from the BSP; needs bit 2 or 3 */
#define KVMLAB_FLAGS_KNOWN      (KVMLAB_FLAG_MSRS | KVMLAB_FLAG_KERNEL_DEVS | KVMLAB_FLAG_IRQCHIP | \
				 KVMLAB_FLAG_SPLIT_IRQCHIP | KVMLAB_FLAG_AP_SIPI)

/* ---- Guest physical memory map (docs/guest-abi.md, "Memory map"). ---- */
#define GPA_GDT                 0x1000ULL     /* GDT built by kvmlab (protected, long) */
#define SEL_CODE32              0x08          /* GDT selectors: flat 32-bit code */
#define SEL_DATA                0x10          /* flat data, all data segments and SS */
#define SEL_CODE64              0x18          /* 64-bit code (L=1) */
#define GPA_IDT                 0x2000ULL     /* reserved for a guest IDT */
#define GPA_PML4                0x3000ULL     /* long mode: PML4, then PDPT, then 4 PDs */
#define GPA_PDPT                0x4000ULL
#define GPA_PD                  0x5000ULL     /* 4 pages: 4 x 512 x 2 MiB = 4 GiB */
#define GPA_VMM_END             0x9000ULL     /* end of kvmlab's structures */
#define GPA_STACK_TOP           0x10000ULL    /* protected/long: initial ESP/RSP */
#define REAL_SEG_SIZE           0x10000ULL    /* real mode: CS=DS=SS segment of 64 KiB at load_addr */
#define REAL_SP                 0xFFF0ULL     /* real mode: initial SP inside that segment */
#define GPA_LOAD_MIN            0x10000ULL    /* lowest legal load address */
#define KVMLAB_LOAD_ALIGN       0x1000ULL     /* load_addr is page aligned */
#define GPA_REAL_LIMIT          0x100000ULL   /* real mode: the 64 KiB segment at load_addr must end by 1 MiB */
#define GPA_MMIO_BASE           0xC0000000ULL /* MMIO window: no RAM from here to 4 GiB */
#define GPA_MMIO_END            0x100000000ULL
/* Devices in the MMIO window (docs/guest-abi.md, docs/io.md). */
#define GPA_VIRTIO_MMIO         0xC0000000ULL /* virtio-mmio console, 0x200 bytes of registers */
#define VIRTIO_MMIO_SIZE        0x200ULL
#define GPA_VIRTIO_BLK          0xC0000200ULL /* virtio-mmio block device (--blk FILE) */
#define GPA_VIRTIO_NET          0xC0000400ULL /* virtio-mmio network device (--net) */
#define NET_GUEST_IP            "10.0.2.15"   /* the address payloads/net/ answer on (QEMU user-net's guest) */
#define GPA_VIRTIO_BALLOON      0xC0000800ULL /* virtio-mmio balloon (--balloon PAGES) */
#define GPA_SINK                0xC0001000ULL /* write-only sink, coalesced MMIO when asked */
#define SINK_SIZE               0x1000ULL
#define GPA_IDMAP_END           0x100000000ULL /* long mode identity map covers [0, 4 GiB) */

/* --vcpus (docs/guest-abi.md, "Several vCPUs"): every vCPU enters at the
 * same entry point with RDI = its index and RSI = the highest index (N - 1);
 * vCPU i's stack pointer starts VCPU_STACK_SIZE * i below vCPU 0's. */
#define VCPUS_MAX               64
#define VCPU_STACK_SIZE         0x100ULL
_Static_assert(GPA_STACK_TOP - VCPUS_MAX * VCPU_STACK_SIZE >= GPA_VMM_END,
	       "protected/long: the stacks of VCPUS_MAX vCPUs fit above kvmlab's tables");

#define MEM_DEFAULT             (4ULL << 20)  /* --mem default */
#define MEM_MIN                 (128ULL << 10)
#define MEM_MAX                 GPA_MMIO_BASE /* RAM ends where the MMIO window starts */

/* ---- Ports (docs/guest-abi.md, "Ports"). ---- */
/* kvmlab's own ports: the block 0xE0-0xFF, whose ports are assigned below
 * (I/O parameters, console, bench device, report, exit, memctl) or kept free
 * for kvmlab; devices that model real hardware (the COM1 UART at 0x3F8)
 * live where that hardware does. */
#define PORT_KVMLAB_FIRST       0xE0
#define PORT_KVMLAB_LAST        0xFF
#define PORT_REPORT             0xF0          /* out dword: GPA of a report record */
#define PORT_EXIT               0xF4          /* out: end the run with this status (QEMU isa-debug-exit) */
#define PORT_CONSOLE            0xE9          /* out byte: console (Bochs/QEMU debug console) */
#define CONSOLE_READBACK        0xE9          /* in from 0xE9 returns 0xE9: "console present" */
#define PORT_IOPARAM            0xE0          /* out: select a workload parameter; in dword at 0xE4: its value */
#define PORT_IOPARAM_COUNT      8
/* Selectors of port 0xE0 beyond the I/O workload's (0-2): machine facts a guest
 * cannot read architecturally, for the timer payloads (payloads/lib/apic.inc). */
#define IOPARAM_SEL_TSC_KHZ     3             /* the guest TSC rate, kHz (KVM_GET_TSC_KHZ); 0 unknown */
#define IOPARAM_SEL_APIC_TICK_NS 4            /* ns per LAPIC timer tick at divide 1 (api.rst KVM_CAP_X86_APIC_BUS_CYCLES_NS; KVM: 1) */
#define PORT_COM1               0x3F8         /* 16550 UART, 8 registers */
#define PORT_COM1_COUNT         8

/* ---- The bench device (docs/guest-abi.md, "Bench device"): what kvmlab bench pokes. ---- */
#define PORT_BENCH_ITERS        0xEC          /* in dword: iterations per sample (bench --iters) */
#define PORT_BENCH_REPEAT       0xED          /* in dword: samples (bench --repeat) */
#define PORT_BENCH_SCRATCH      0xEE          /* out: stored; in: returns it (an exit to kvmlab) */
#define PORT_BENCH_DOORBELL     0xEF          /* out byte: an ioeventfd, completed inside KVM */
#define GPA_BENCH_MMIO          0xF0000000ULL /* 4 KiB: a register, exits to kvmlab */
#define GPA_BENCH_COALESCED     0xF0001000ULL /* 4 KiB: writes queued in the coalesced-MMIO ring */
#define GPA_BENCH_DOORBELL      0xF0002000ULL /* dword write: an ioeventfd, completed inside KVM */
#define PORT_PIC_MASTER         0x20          /* 8259A master: command, data (interrupt model kernel) */
#define PORT_PIC_SLAVE          0xA0          /* 8259A slave */
#define GPA_IOAPIC              0xFEC00000ULL /* IOAPIC IOREGSEL/IOWIN (82093AA datasheet 3.1), model kernel */
#define IOAPIC_MMIO_SIZE        0x100ULL      /* what KVM decodes (arch/x86/kvm/ioapic.h IOAPIC_MEM_LENGTH) */
#define GPA_LAPIC               0xFEE00000ULL /* xAPIC page, IA32_APIC_BASE's reset value (SDM Vol. 3A 11.4.4) */
#define LAPIC_MMIO_SIZE         0x1000ULL
#define MSR_X2APIC_FIRST        0x800         /* x2APIC registers: 0x800 + (xAPIC offset >> 4) (SDM 11.12.1.2) */
#define MSR_X2APIC_COUNT        0x100
#define MSR_IA32_TSC_DEADLINE   0x6E0         /* SDM Vol. 3A 11.5.4.1 */
#define VIRTIO_CONSOLE_GSI      16            /* model kernel: the virtio console's used-buffer interrupt,
						 * IOAPIC pin 16 (above the ISA pins, so no PIC sees it) */
#define VIRTIO_BLK_GSI          17            /* model kernel: the virtio-blk used-buffer interrupt (vhost-user call fd) */
#define UART_COM1_IRQ           4             /* ISA IRQ of COM1: PIC input 4, IOAPIC pin 4 (model kernel) */
#define PORT_PIC_ELCR1          0x4D0         /* the in-kernel PIC's edge/level register (with KVMLAB_FLAG_IRQCHIP) */
#define BENCH_MMIO_SIZE         0x1000ULL
#define BENCH_ITERS_DEFAULT     200
#define BENCH_REPEAT_DEFAULT    10

/* ---- Report records: the guest's structured channel to kvmlab. ---- */
enum report_kind {
	REPORT_KIND_VALUE   = 1,     /* a named measurement: name = value */
	REPORT_KIND_PASS    = 2,     /* a check passed; value is what was observed */
	REPORT_KIND_FAIL    = 3,     /* a check failed; the run ends as a guest failure */
	REPORT_KIND_MSG     = 4,     /* free text for the log; value unused */
	REPORT_KIND_MAX = REPORT_KIND_MSG,
};

#define REPORT_MAGIC            0x54504552U   /* "REPT" */
#define REPORT_TEXT_MAX         120           /* longest name/message, bytes */

struct report_rec {
	uint32_t magic;         /* REPORT_MAGIC */
	uint16_t kind;          /* enum report_kind */
	uint16_t len;           /* bytes of text that follow, <= REPORT_TEXT_MAX */
	uint64_t value;
	char     text[];        /* len bytes, not NUL terminated */
} __attribute__((packed));
_Static_assert(sizeof(struct report_rec) == 16, "record header is 16 bytes");

/* ---- Memory lab (docs/memory.md): the memctl port and the default layout. ---- */
#define PORT_MEMCTL             0xF8          /* OUT dword: request; IN dword: status of the last one */
#define PORT_KSM                0xFA          /* OUT dword: KSM_CMD_* | GPA; IN dword: its answer (traps/devices/ksmctl.c) */
#define KSM_CMD_BEFORE          1             /* snapshot RSS/PSS/merged pages: before merging */
#define KSM_CMD_MERGED          2             /* the same, once merged */
#define KSM_CMD_WAIT            3             /* wait 10 ms, answer this process's merged pages (-1 unknown) */
#define KSM_CMD_PAGE            4             /* answer 1 if the page at GPA is a KSM page, 0 if not, -1 unknown */
#define KSM_CMD_MASK            0xFFFULL      /* the command is the low 12 bits; a page-aligned GPA the rest */
#define MEMCTL_OP_MASK          0xFFU         /* bits 0-7: the request */
#define MEMCTL_ARG_SHIFT        8             /* bits 8-31: its argument */
enum memctl_op {
	MEMCTL_MARK          = 1,     /* arg = id: kvmlab samples KVM stats and host faults now */
	MEMCTL_DIRTY_ROUND   = 2,     /* arg = round: kvmlab harvests and clears the dirty log */
	MEMCTL_HOTPLUG_ADD   = 3,     /* arg = MiB: add RAM at GPA_HOTPLUG (slot 2) */
	MEMCTL_HOTPLUG_REMOVE = 4,    /* remove it: its addresses become a hole again */
	MEMCTL_TRANSLATE     = 5,     /* kvmlab translates the GVA in RDI now (--translate, at the guest's time) */
	MEMCTL_MIGRATION_WAIT = 6,    /* wait while a live migration of this VM runs here (docs/migration.md) */
	MEMCTL_MIGRATION_PENDING = 7, /* status MEMCTL_MIGRATING while a live migration of this VM from
				       * here is still to come or under way, else 0; never waits */
};
enum memctl_status {
	MEMCTL_OK            = 0,
	MEMCTL_EBADOP        = 1,     /* unknown request */
	MEMCTL_EREFUSED      = 2,     /* not enabled on the command line, or bad argument */
	MEMCTL_EHOST         = 3,     /* the ioctl failed */
	MEMCTL_EMIGRATING    = 4,     /* hotplug: a migration is running; nothing changed, ask again later */
	MEMCTL_WAITED        = 5,     /* migration wait: one ran and stopped this vCPU (it now runs on the
				       * destination, or here again if the migration failed) */
	MEMCTL_MIGRATING     = 6,     /* migration pending: one is still to come or under way */
	MEMCTL_STATUS_LAST   = MEMCTL_MIGRATING, /* the highest: a migration stream's MEMCTL check */
};
#define GPA_HOTPLUG             0x80000000ULL /* hotplugged RAM: 2 GiB */
#define HOTPLUG_MAX_MIB         512           /* so it ends below the MMIO window */
/* VMX real mode (vmm/core/tss.c, api.rst 4.48/4.49): one identity-map page, then the
 * three-page vm86 TSS, in the MMIO window below the default ROM. */
#define GPA_VMX_IDENTITY_MAP    0xFFFBC000ULL
#define GPA_VMX_TSS             0xFFFBD000ULL /* 3 pages, to 0xFFFBFFFF */
#define GPA_ROM_DEFAULT         0xFFFF0000ULL /* --rom default: the top 64 KiB, where x86 firmware lives (SDM 10.1.4) */
#define ROM_SIZE_DEFAULT        0x10000ULL

#endif
