/*
 * exitport.c - port 0xF4, QEMU's isa-debug-exit convention: the guest ends
 * the run and hands back a status.  0 means success; anything else is a
 * guest-reported failure (kvmlab exit code 1).
 */
#include <string.h>

#include "kvmlab.h"

enum action exitport_io(struct vcpu *v, struct io_req *io, void *opaque)
{
	uint32_t status = 0;

	(void)opaque;                   /* no state: the status and the end belong to the vCPU */
	if (!io->out) {
		memset(io->data, 0xFF, (size_t)io->size * io->count);   /* write-only: reads float */
		return ACT_CONTINUE;
	}
	memcpy(&status, io->data, io->size);    /* little endian, zero-extended */
	v->exit_status = status;
	return vcpu_end(v, END_EXIT_PORT, "guest wrote %u to the exit port (0x%x)", status, PORT_EXIT);
}
