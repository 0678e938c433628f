/*
 * domxml.c - libFuzzer harness: kvmlab's subset of libvirt's domain XML
 * (vmm/cli/domxml.c domxml_parse and domxml_write).
 *
 * The input is a whole document.  Properties: a refusal says why; an
 * accepted document describes a VM kvmlab can run (RAM in range and whole
 * pages, 1..VCPUS_MAX vCPUs, every vCPU pinned or none, currentMemory not
 * above memory, a payload named); written back out it parses to the same
 * description (the round trip `kvmlab domxml --domain` relies on).
 */
#include <stdlib.h>
#include <string.h>

#include "kvmlab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct domain_spec d, back;
	char err[512];
	char *out = NULL;
	size_t outlen = 0;

	err[0] = '\0';
	if (domxml_parse((const char *)data, size, &d, err, sizeof(err)) != 0) {
		if (!err[0] || strchr(err, '\n'))
			abort();        /* a refusal is one line that says why */
		return 0;
	}
	if (d.mem < MEM_MIN || d.mem > MEM_MAX || d.mem % 4096 || d.current > d.mem || d.current % 4096 ||
	    d.vcpus < 1 || d.vcpus > VCPUS_MAX || !d.kernel[0] || !d.name[0])
		abort();
	if (d.pin_set && d.pin_set != (d.vcpus >= 64 ? ~0ULL : (1ULL << d.vcpus) - 1))
		abort();
	FILE *f = open_memstream(&out, &outlen);
	if (!f)
		return 0;
	domxml_write(f, &d);
	fclose(f);
	if (domxml_parse(out, outlen, &back, err, sizeof(err)) != 0)
		abort();        /* kvmlab cannot read what it wrote */
	if (memcmp(&d, &back, sizeof(d)))
		abort();        /* written and read back, it is another VM */
	free(out);
	return 0;
}
