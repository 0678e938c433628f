/*
 * report_record.c - libFuzzer harness: the report-channel record reader.
 *
 * The input is [8-byte GPA, little endian][guest RAM image].  report_read
 * sees a fake guest_mem over the RAM image (an exact-size heap copy, so
 * ASan catches any read past the end of "guest RAM") and the GPA; it must
 * refuse with a message or return a record whose text is NUL-terminated,
 * at most REPORT_TEXT_MAX bytes and printable.  The real port hands it a
 * 32-bit GPA; the harness gives 64 bits to reach the overflow paths.
 */
#include <stdlib.h>
#include <string.h>

#include "kvmlab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t gpa;
	struct report_entry e;
	char err[200];

	if (size < sizeof(gpa))
		return 0;
	memcpy(&gpa, data, sizeof(gpa));
	size -= sizeof(gpa);
	uint8_t *ram = malloc(size ? size : 1);
	if (!ram)
		return 0;
	memcpy(ram, data + sizeof(gpa), size);
	struct guest_mem m = { .hva = ram, .size = size };

	err[0] = '\0';
	if (report_read(&m, gpa, &e, err, sizeof(err)) != 0) {
		if (!err[0])
			abort();        /* a refusal says why */
	} else {
		size_t n = strnlen(e.text, sizeof(e.text));
		if (n > REPORT_TEXT_MAX || e.kind < REPORT_KIND_VALUE || e.kind > REPORT_KIND_MAX)
			abort();
		for (size_t i = 0; i < n; i++)
			if (e.text[i] < 0x20 || e.text[i] > 0x7e)
				abort();
		if (gpa >= size || size - gpa < sizeof(struct report_rec) + n)
			abort();        /* accepted a record that is not wholly in RAM */
	}
	free(ram);
	return 0;
}
