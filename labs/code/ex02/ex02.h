/* labs/code/ex02/ex02.h - exercise 2: an MMIO register block (labs/code/02-mmio-device.md). */
#ifndef EX02_H
#define EX02_H
#include "kvmlab.h"

#define EX02_BASE     0xF0008000ull     /* in the MMIO window above RAM, free in the machine table */
#define EX02_SIZE     0x1000ull         /* one page */
#define EX02_ID       0x00u             /* RO: EX02_ID_VALUE */
#define EX02_SCRATCH  0x04u             /* RW */
#define EX02_WRITES   0x08u             /* RO: writes the device accepted so far */
#define EX02_ID_VALUE 0x4C4D564Bu       /* "KVML" in little-endian bytes */

struct ex02_regs {                      /* one instance of the device */
	uint32_t scratch;
	uint32_t writes;                /* accepted writes (to SCRATCH) */
	uint32_t bad;                   /* accesses refused: not 4 bytes or not 4-aligned */
};

enum action ex02_mmio(struct vcpu *v, struct mmio_req *m, void *opaque);
struct mmio_range ex02_row(struct ex02_regs *r);
#endif
