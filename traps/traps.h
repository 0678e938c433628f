/*
 * traps/traps.h - the exit handlers: the port and MMIO buses and one handler per
 * KVM_EXIT_* reason.  The devices that sit on the buses are in
 * traps/devices/devices.h.
 */
#ifndef KVMLAB_TRAPS_H
#define KVMLAB_TRAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/core/core.h"

struct vm;
struct vcpu;

/* ---- traps/bus.c: the check every bus registration makes ---- */
struct bus_claim {                      /* [base, base + size) on one bus */
	const char *bus;                /* "pio", "mmio": names the caller in errors */
	const char *kind;               /* "port", "MMIO" */
	const char *unit;               /* "ports", "GPAs" */
	uint64_t base, size;
	uint64_t limit;                 /* base + size may not pass it */
	const char *name;
	bool has_handler;
};
/* 0 if c is non-empty, named, has a handler, ends at or below its limit, overlaps
 * none of the n claims in taken and n < max; else -1 with err saying which. */
int  bus_check(const struct bus_claim *c, const struct bus_claim *taken, int n, int max,
	       char *err, size_t errlen);


/* ---- traps/pio.c: the port bus ---- */
/* Handlers get the instance they were registered with (opaque) and the port
 * as an offset into their range, so one handler serves any number of devices. */
struct io_req {
	uint16_t port;
	uint16_t off;                   /* port - the range's first port */
	uint8_t size;                   /* 1, 2 or 4 */
	bool out;
	uint32_t count;                 /* string I/O: elements in data */
	uint8_t *data;                  /* count * size bytes inside kvm_run */
};
typedef enum action (*pio_handler)(struct vcpu *v, struct io_req *io, void *opaque);
struct pio_range {
	uint16_t first;
	uint16_t count;                 /* ports first .. first+count-1 */
	const char *name;
	pio_handler handler;
	void *opaque;
};
#define PIO_RANGES_MAX 32
struct pio_bus {
	struct pio_range range[PIO_RANGES_MAX];
	int n;
};
/* Registers a port range.  Returns 0, or -1 (with err) if empty, wrapping past
 * 0xFFFF, overlapping a registered range, or the bus is full (bus_check). */
int  pio_register(struct pio_bus *b, const struct pio_range *r, char *err, size_t errlen);
const struct pio_range *pio_find(const struct pio_bus *b, uint16_t port);   /* NULL: no device */
/* KVM_EXIT_IO: validates kvm_run->io, counts it, calls the port's handler (or ignores the port). */
enum action trap_io(struct vcpu *v);


/* ---- traps/mmio.c: the MMIO bus ---- */
struct mmio_req {
	uint64_t gpa;
	uint64_t off;                   /* gpa - the range's base */
	uint32_t len;                   /* 1..8 */
	bool write;
	uint8_t *data;                  /* inside kvm_run */
	bool coalesced;                 /* replayed from the coalesced-MMIO ring, not an exit */
};
typedef enum action (*mmio_handler)(struct vcpu *v, struct mmio_req *m, void *opaque);
struct mmio_range {
	uint64_t base, size;
	const char *name;
	mmio_handler handler;
	void *opaque;
};
#define MMIO_RANGES_MAX 32
struct mmio_bus {
	struct mmio_range range[MMIO_RANGES_MAX];
	int n;
};
/* Registers a GPA range; same contract as pio_register. */
int  mmio_register(struct mmio_bus *b, const struct mmio_range *r, char *err, size_t errlen);
/* The device whose range holds all of [gpa, gpa+len), or NULL. */
const struct mmio_range *mmio_find(const struct mmio_bus *b, uint64_t gpa, uint32_t len);
/* KVM_EXIT_MMIO: counts it, calls the device's handler, else memholes_unclaimed decides. */
enum action trap_mmio(struct vcpu *v);


/* ---- traps/hlt.c, shutdown.c, entry_fail.c, internal_error.c, debug.c, dirty_ring_full.c ---- */
/* One handler per KVM_EXIT_* (exit_table in vmm/core/exit.c): each returns the
 * action, and sets v->end through vcpu_end when the run ends. */
enum action trap_hlt(struct vcpu *v);
/* ---- ioapic_eoi.c: KVM_EXIT_IOAPIC_EOI (split irqchip): counted, ACT_CONTINUE ---- */
enum action trap_ioapic_eoi(struct vcpu *v);
enum action trap_shutdown(struct vcpu *v);
enum action trap_fail_entry(struct vcpu *v);
enum action trap_internal_error(struct vcpu *v);
enum action trap_unhandled(struct vcpu *v);     /* any reason without a handler: fatal */
enum action trap_debug(struct vcpu *v);         /* KVM_EXIT_DEBUG: step or breakpoint (vmm/measure/trace.c) */
/* vcpu_run: an ACT_STEP entry returned EINTR, i.e. KVM completed the instruction
 * but lost its step exit; records the step as trap_debug would.  Returns the action. */
enum action trap_step_lost(struct vcpu *v);
enum action trap_dirty_ring_full(struct vcpu *v);  /* harvest the ring, then re-enter */
/* Names of KVM_INTERNAL_ERROR_* and of hardware entry-failure reasons; "unknown ..." otherwise. */
const char *internal_suberror_name(uint32_t suberror);
const char *entry_failure_name(uint64_t hw_reason);


/* ---- traps/memholes.c: ROM writes and unclaimed MMIO, by policy ---- */
/* Called for an MMIO exit no device claimed.  Returns true and sets *a when
 * the access was a ROM write or the --unmapped policy decides the outcome. */
bool memholes_unclaimed(struct vcpu *v, const struct mmio_req *m, enum action *a);
const char *policy_name(int p);         /* "ignore", "fail" (enum mem_policy) */
int  policy_parse(const char *s);       /* enum mem_policy or -1 */


/* ---- traps/msr.c: MSR exits through KVM's MSR filter (api.rst 4.97, 7.21) ---- */
#define MSR_KVMLAB_SCRATCH   0x400000E0U    /* read/write scratch register, emulated by kvmlab */
#define MSR_KVMLAB_EXITS     0x400000E1U    /* read-only: MSR exits handled so far */
/* Enables KVM_CAP_X86_USER_SPACE_MSR and filters the n MSRs in index to user
 * space (one range each).  The caller (machine_msr_filter: the table's MSR rows plus
 * --msr-exit) has checked the capabilities and that this run wants it.  0, or -1 with err naming the ioctl. */
int  msr_filter_install(struct vm *vm, const uint32_t *index, int n, char *err, size_t errlen);
/* KVM_EXIT_X86_RDMSR / WRMSR: kvmlab's MSRs emulated, other --msr-exit MSRs done by KVM; counted; a failure is #GP. */
enum action trap_rdmsr(struct vcpu *v);
enum action trap_wrmsr(struct vcpu *v);
const char *msr_name(uint32_t index);   /* kvmlab's own MSRs, else NULL */


/* ---- traps/coalesced.c: the coalesced-MMIO ring, replayed onto the MMIO bus ---- */
/* Processes every write KVM queued in the coalesced-MMIO ring (api.rst 4.66). */
void coalesced_drain(struct vcpu *v);
bool coalesced_active(const struct vm *vm);  /* a coalesced zone exists (fixed before KVM_RUN) */

#endif
