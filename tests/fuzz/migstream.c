/*
 * migstream.c - libFuzzer harness for the migration stream reader
 * (vmm/migrate/stream.c), the untrusted input of kvmlab restore and receive.
 *
 * Input: a whole stream.  RAM pages go into a 1 MiB guest (a larger declared
 * slot finds its pages outside it: refused, never written past the buffer).
 * Properties: no out-of-bounds access, no leak, and an accepted stream has
 * state for every vCPU it declares and a payload.  A post-copy stream (a
 * POSTCOPY section) goes on after END: its RAM sections and last END are read
 * the way receive's pager reads them (mig_read_postcopy), into the same guest.
 */
#include <stdlib.h>
#include <string.h>

#include "kvmlab.h"

#define FUZZ_MEM (1u << 20)

static int fuzz_sink(void *arg, uint64_t gpa, const void *page)
{
	return gmem_write(arg, gpa, page, MIG_PAGE);    /* uffd.c's UFFDIO_COPY, bounds-checked */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t ram[FUZZ_MEM];
	struct guest_mem m = { .hva = ram, .size = FUZZ_MEM };
	struct mig_buf b = { data, size, 0 };
	struct mig_src src = { mig_buf_read, &b };
	struct mig_image img;
	char err[256];

	if (mig_read_begin(&src, &img, err, sizeof(err)) == 0 &&
	    mig_read_rest(&src, &img, &m, err, sizeof(err)) == 0) {
		for (uint32_t i = 0; i < img.cfg.vcpus; i++)
			if (!img.vcpu_have[i] || img.vcpu[i].nmsrs > MIG_MSRS_MAX)
				abort();
		if (!img.payload || img.uart.loop_len > sizeof(img.uart.loop))
			abort();
		if (img.postcopy) {
			int k;
			img.page_sink = fuzz_sink;
			img.page_sink_arg = &m;
			while ((k = mig_read_postcopy(&src, &img, err, sizeof(err))) == 1)
				;
			if (k < 0 && (strncmp(err, "migration stream: ", 18) != 0 || strchr(err, '\n')))
				abort();
		}
	} else if (strncmp(err, "migration stream: ", 18) != 0 || strchr(err, '\n')) {
		abort();                /* one line, always */
	}
	mig_image_free(&img);
	return 0;
}
