/*
 * stubs.c - what the fuzz harnesses link in place of the command line.
 *
 * The harnesses link every library object of kvmlab (so the code fuzzed is
 * the code shipped); only vmm/cli/main.c stays out, and with it payload_dir.
 */
#include "kvmlab.h"

__attribute__((weak)) const char *payload_dir(void)
{
	return "build/payloads";
}
