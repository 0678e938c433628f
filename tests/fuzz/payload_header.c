/*
 * payload_header.c - libFuzzer harness: the payload file parser.
 *
 * The input is a whole payload file.  payload_parse and payload_check_fit
 * must accept it or return an XC_PAYLOAD_* code with a message, never read
 * outside the buffer (ASan), never overflow (UBSan); and whatever they
 * accept must satisfy the guest ABI's promises, checked here with abort().
 */
#include <stdlib.h>
#include <string.h>

#include "kvmlab.h"

static const uint64_t mems[] = { MEM_MIN, MEM_DEFAULT, 1ULL << 30, MEM_MAX };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct payload p;
	char err[256];

	memset(&p, 0, sizeof(p));
	err[0] = '\0';
	int rc = payload_parse(data, size, &p, err, sizeof(err));
	if (rc != XC_OK) {
		if (rc < XC_PAYLOAD_TRUNC || rc > XC_PAYLOAD_FIELD || !err[0] || !memchr(err, '\0', sizeof(err)))
			abort();        /* every refusal has its code and a message */
		return 0;
	}
	/* Accepted: the ABI's promises (docs/guest-abi.md, "The payload header"). */
	if (p.hdr.entry < KVMLAB_HDR_SIZE || p.hdr.entry >= size)
		abort();
	if (p.hdr.load_addr < GPA_LOAD_MIN || p.hdr.load_addr % KVMLAB_LOAD_ALIGN ||
	    (uint64_t)p.hdr.load_addr + size > GPA_MMIO_BASE)
		abort();
	if (p.name[0] == '\0' || p.name[KVMLAB_NAME_MAX - 1] != '\0')
		abort();
	size_t dl = strlen(p.desc);    /* ASan: the description ends inside the file */
	if (dl > KVMLAB_DESC_MAX)
		abort();
	for (size_t i = 0; i < dl; i++)
		if (p.desc[i] < 0x20 || p.desc[i] > 0x7e)
			abort();
	for (size_t i = 0; i < sizeof(mems) / sizeof(mems[0]); i++) {
		if (payload_check_fit(&p, mems[i], err, sizeof(err)) == XC_OK) {
			uint64_t end = (uint64_t)p.hdr.load_addr +
				       (p.hdr.mode == MODE_REAL ? REAL_SEG_SIZE : size);
			if (end > mems[i] || ((uint64_t)p.hdr.min_mem_kib << 10) > mems[i])
				abort();
		}
	}
	return 0;
}
