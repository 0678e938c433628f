/* labs/code/ex03/ex03.h - exercise 3: a virtqueue consumer (labs/code/03-virtqueue.md). */
#ifndef EX03_H
#define EX03_H
#include "kvmlab.h"

/* A loopback device: for every available chain of q (at most max), copy the
 * chain's device-readable bytes into its device-writable buffers, in order,
 * as far as they fit, and return the chain with the number of bytes written.
 * Returns the chains completed (0..max), or -VQ_ERR_* at the first bad chain
 * (the chains before it stay completed).  *bytes: total bytes written. */
int ex03_service(const struct guest_mem *m, struct virtq *q, int max, uint64_t *bytes);
#endif
