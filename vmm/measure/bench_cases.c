/*
 * bench_cases.c - the cases of `kvmlab bench`, in the order of the report.
 *
 * A case is a payload (payloads/bench/<name>.asm) plus what the runner must
 * provide.  Nothing here says where a case is handled: that is measured
 * (bench_derive.c).  The list covers every exit kvm-unit-tests x86/vmexit
 * times that needs no second vCPU (docs/measurement.md has the case-by-case
 * table; the LAPIC cases need KVMLAB_FLAG_IRQCHIP) and adds what it lacks (MMIO to user space, coalesced
 * MMIO, the MSR filter, wbinvd/invd, first page touch).
 */
#include "kvmlab.h"

#define PAGE_PAIR 8192u                 /* touch cases: one page skipped, one touched */
#define HANG_TIMEOUT 1.0                /* vmcall: long enough on VMX/SVM, short where it spins */

const struct bench_case bench_cases[] = {
	{ "nop",            "nop (the loop baseline)",                  0, 0 },
	{ "cpuid",          "cpuid leaf 0",                             0, 0 },
	{ "pio-out",        "out to a kvmlab port",                     0, 0 },
	{ "pio-in",         "in from a kvmlab port",                    0, 0 },
	{ "pio-kernel",     "out to an ioeventfd port",                 0, 0 },
	{ "pic-in",         "in from the in-kernel PIC (port 0x4D0)",   0, 0 },
	{ "self-ipi-sti-hlt", "self-IPI, sti; hlt (in-kernel LAPIC)",   0, 0 },
	{ "self-ipi-sti-nop", "self-IPI, sti; nop; cli",                0, 0 },
	{ "self-ipi-tpr",   "self-IPI held by TPR, then TPR 0",         0, 0 },
	{ "x2apic-self-ipi-sti-hlt", "x2APIC self-IPI MSR, sti; hlt",   0, 0 },
	{ "apic-eoi",       "xAPIC EOI write",                          0, 0 },
	{ "tscdeadline-immed", "TSC deadline in the past, sti; hlt",    0, 0 },
	{ "mmio-write",     "MMIO write to a kvmlab register",          0, 0 },
	{ "mmio-read",      "MMIO read of a kvmlab register",           0, 0 },
	{ "mmio-coalesced", "MMIO write to a coalesced zone",           0, 0 },
	{ "mmio-kernel",    "MMIO write to an ioeventfd doorbell",      0, 0 },
	{ "rdmsr-kernel",   "rdmsr GS_BASE (KVM)",                      0, 0 },
	{ "wrmsr-kernel",   "wrmsr GS_BASE (KVM)",                      0, 0 },
	{ "wrmsr-kgsbase",  "wrmsr KERNEL_GS_BASE (KVM)",               0, 0 },
	{ "rdmsr-user",     "rdmsr via MSR filter (kvmlab)",            0, 0 },
	{ "wrmsr-user",     "wrmsr via MSR filter (kvmlab)",            0, 0 },
	{ "hlt",            "hlt, kvmlab re-enters",                    0, 0 },
	{ "cr0-read",       "mov from cr0",                             0, 0 },
	{ "cr0-write",      "mov to cr0 (same value)",                  0, 0 },
	{ "cr0-wp-toggle",  "clear and set CR0.WP",                     0, 0 },
	{ "cr3-read",       "mov from cr3",                             0, 0 },
	{ "cr3-write",      "mov to cr3 (same root)",                   0, 0 },
	{ "cr8-read",       "mov from cr8",                             0, 0 },
	{ "cr8-write",      "mov to cr8",                               0, 0 },
	{ "cr4-pge-toggle", "flip and restore CR4.PGE",                 0, 0 },
	{ "dr7-read",       "mov from dr7",                             0, 0 },
	{ "dr7-write",      "mov to dr7",                               0, 0 },
	{ "invlpg",         "invlpg",                                   0, 0 },
	{ "wbinvd",         "wbinvd",                                   0, 0 },
	{ "invd",           "invd (KVM never runs it)",                 0, 0 },
	{ "sgdt",           "sgdt",                                     0, 0 },
	{ "rdtsc",          "rdtsc",                                    0, 0 },
	{ "rdtscp",         "rdtscp",                                   0, 0 },
	{ "touch-first",    "store to a fresh page",                    PAGE_PAIR, 0 },
	{ "touch-second",   "store to a mapped page",                   PAGE_PAIR, 0 },
	{ "vmcall",         "vmcall (unknown hypercall)",               0, HANG_TIMEOUT },
};
const int bench_ncases = sizeof(bench_cases) / sizeof(bench_cases[0]);
