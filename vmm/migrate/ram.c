/*
 * ram.c - guest memory in the migration stream: the layout (one record per
 * slot) and the pages, sent as RAM sections of up to MIG_PAGES_PER_CHUNK
 * contiguous pages, each tagged with its GPA (docs/migration.md).
 */
#include <string.h>

#include "kvmlab.h"

/* The slots as a table: with nslots == 0 a guest_mem is just [0, size) (unit tests). */
static int slots_of(const struct guest_mem *m, struct mig_slot *out)
{
	if (m->nslots == 0) {
		out[0] = (struct mig_slot){ .id = 0, .gpa = 0, .size = m->size };
		return 1;
	}
	int n = m->nslots < (int)MIG_SLOTS_MAX ? m->nslots : (int)MIG_SLOTS_MAX;
	for (int i = 0; i < n; i++)
		out[i] = (struct mig_slot){ .id = m->slot[i].id, .flags = m->slot[i].flags & KVM_MEM_READONLY,
					    .gpa = m->slot[i].gpa, .size = m->slot[i].size };
	return n;
}

int mig_write_layout(struct mig_out *out, const struct guest_mem *m)
{
	struct mig_slot s[MIG_SLOTS_MAX];
	int n = slots_of(m, s);

	return mig_write_section(out, MIG_SEC_LAYOUT, s, (uint64_t)n * sizeof(s[0]));
}

/* One RAM section: section header, RAM header, then the pages straight out of guest memory. */
int mig_write_pages(struct mig_out *out, const struct guest_mem *m, uint64_t gpa, uint32_t npages)
{
	struct mig_ram_hdr h = { .gpa = gpa, .npages = npages };
	uint64_t len = (uint64_t)npages * MIG_PAGE;
	uint64_t slen = sizeof(h) + len;
	uint32_t sec[2] = { MIG_SEC_RAM, 0 };
	const void *p = gmem_ptr(m, gpa, len);

	if (!p || npages == 0 || npages > MIG_PAGES_PER_CHUNK)
		return -1;
	if (mig_write_raw(out, sec, sizeof(sec)) != 0 || mig_write_raw(out, &slen, sizeof(slen)) != 0 ||
	    mig_write_raw(out, &h, sizeof(h)) != 0)
		return -1;
	return mig_write_raw(out, p, len);
}

int mig_write_ram(struct mig_out *out, const struct guest_mem *m)
{
	struct mig_slot s[MIG_SLOTS_MAX];
	int n = slots_of(m, s);

	for (int i = 0; i < n; i++) {
		uint64_t pages = s[i].size / MIG_PAGE;
		for (uint64_t pg = 0; pg < pages; pg += MIG_PAGES_PER_CHUNK) {
			uint64_t k = pages - pg < MIG_PAGES_PER_CHUNK ? pages - pg : MIG_PAGES_PER_CHUNK;
			if (mig_write_pages(out, m, s[i].gpa + pg * MIG_PAGE, (uint32_t)k) != 0)
				return -1;
		}
	}
	return 0;
}

uint32_t mig_ram_checksum(const struct guest_mem *m)
{
	struct mig_slot s[MIG_SLOTS_MAX];
	int n = slots_of(m, s);
	uint32_t h = 2166136261u;       /* FNV-1a, as the devices' byte checksums */

	for (int i = 0; i < n; i++) {
		const uint8_t *p = gmem_ptr(m, s[i].gpa, s[i].size);
		for (uint64_t j = 0; p && j < s[i].size; j++)
			h = (h ^ p[j]) * 16777619u;
	}
	return h;
}

int64_t mig_write_bitmap(struct mig_out *out, const struct guest_mem *m, const uint64_t *bm,
			 uint64_t npages, uint64_t base,
			 bool (*after_chunk)(void *arg, uint64_t bytes), void *arg)
{
	int64_t sent = 0;

	for (uint64_t pg = 0; pg < npages;) {
		if (!(bm[pg / 64] >> (pg % 64) & 1)) {
			pg++;
			continue;
		}
		uint64_t run = 1;       /* contiguous dirty pages travel in one section */
		while (pg + run < npages && run < MIG_PAGES_PER_CHUNK && (bm[(pg + run) / 64] >> ((pg + run) % 64) & 1))
			run++;
		uint64_t before = out->bytes;
		if (mig_write_pages(out, m, base + pg * MIG_PAGE, (uint32_t)run) != 0)
			return -1;
		sent += (int64_t)run;
		pg += run;
		if (after_chunk && after_chunk(arg, out->bytes - before))
			return MIG_WRITE_STOPPED;
	}
	return sent;
}

int64_t mig_write_rom(struct mig_out *out, const struct guest_mem *m)
{
	const struct mem_slot *rom = memslots_by_id(m, SLOT_ROM);
	uint64_t pages = rom ? rom->size / MIG_PAGE : 0;

	for (uint64_t pg = 0; pg < pages; pg += MIG_PAGES_PER_CHUNK) {
		uint64_t k = pages - pg < MIG_PAGES_PER_CHUNK ? pages - pg : MIG_PAGES_PER_CHUNK;
		if (mig_write_pages(out, m, rom->gpa + pg * MIG_PAGE, (uint32_t)k) != 0)
			return -1;
	}
	return (int64_t)pages;
}
