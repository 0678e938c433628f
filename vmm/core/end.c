/*
 * end.c - how a run ends, and what kvmlab's exit code says about it.
 */
#include "kvmlab.h"

static const char *const end_names[END_KIND_COUNT] = {
	[END_NONE]           = "none",
	[END_HLT]            = "hlt",
	[END_EXIT_PORT]      = "exit_port",
	[END_REPORT_FAIL]    = "check_failed",
	[END_SHUTDOWN]       = "shutdown",
	[END_INTERNAL_ERROR] = "internal_error",
	[END_FAIL_ENTRY]     = "entry_failure",
	[END_UNHANDLED]      = "unhandled_exit",
	[END_PROTOCOL]       = "protocol_error",
	[END_TIMEOUT]        = "timeout",
	[END_EXIT_LIMIT]     = "exit_limit",
	[END_HOST_ERROR]     = "host_error",
	[END_STOPPED]        = "stopped",
};

const char *end_name(enum end_kind k)
{
	return (unsigned)k < END_KIND_COUNT ? end_names[k] : "none";
}

int end_exit_code(enum end_kind k, uint32_t status)
{
	switch (k) {
	case END_HLT:            return XC_OK;
	case END_STOPPED:        return XC_OK;  /* not the cause: the vCPU that stopped the VM decides */
	case END_EXIT_PORT:      return status == 0 ? XC_OK : XC_GUEST_FAIL;
	case END_REPORT_FAIL:    return XC_GUEST_FAIL;
	case END_SHUTDOWN:
	case END_INTERNAL_ERROR:
	case END_FAIL_ENTRY:
	case END_UNHANDLED:      return XC_GUEST_CRASH;
	case END_PROTOCOL:       return XC_PROTOCOL;
	case END_TIMEOUT:        return XC_TIMEOUT;
	case END_EXIT_LIMIT:     return XC_EXIT_LIMIT;
	case END_HOST_ERROR:
	case END_NONE:
	case END_KIND_COUNT:     break;
	}
	return XC_HOST;
}
