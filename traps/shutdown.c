/*
 * shutdown.c - KVM_EXIT_SHUTDOWN: a triple fault.
 *
 * When delivering an exception raises another, the CPU tries #DF; if that
 * fails too the processor shuts down (SDM 6.15, interrupt 8, "Double Fault
 * Exception").  On real hardware that resets the machine; KVM tells user space.
 */
#include "kvmlab.h"

enum action trap_shutdown(struct vcpu *v)
{
	return vcpu_end(v, END_SHUTDOWN,
			"triple fault (KVM_EXIT_SHUTDOWN): an exception could not be delivered, "
			"nor the double fault that followed (no usable IDT?)");
}
