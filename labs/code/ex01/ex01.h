/* labs/code/ex01/ex01.h - exercise 1: a counter port device (labs/code/01-port-device.md). */
#ifndef EX01_H
#define EX01_H
#include "kvmlab.h"

#define EX01_PORT       0x0510u /* base port: free in kvmlab's port map (vmm/core/machine.c) */
#define EX01_NPORTS     2u      /* +0 COUNT, +1 CTRL */
#define EX01_CTRL_RESET 1u      /* written to CTRL: COUNT becomes 0 */
#define EX01_ID         0x43u   /* 'C': what a read of CTRL returns */

struct ex01_counter {           /* one instance of the device */
	uint32_t count;
};

/* The port handler: the exit handler kvmlab's trap_io calls (traps/pio.c). */
enum action ex01_counter_io(struct vcpu *v, struct io_req *io, void *opaque);
/* The device's row for the port bus, with c as its instance. */
struct pio_range ex01_row(struct ex01_counter *c);
#endif
