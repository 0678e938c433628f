/*
 * report.c - port 0xF0, the report channel.
 *
 * The guest writes the guest-physical address of a struct report_rec
 * (abi.h).  Everything in the record is guest-controlled, so it is copied
 * out through gmem_read and validated field by field; a bad record ends
 * the run as a protocol error and is never followed.
 */
#include <string.h>

#include "kvmlab.h"

int report_read(const struct guest_mem *m, uint64_t gpa, struct report_entry *out,
		char *err, size_t errlen)
{
	struct report_rec rec;
	char text[REPORT_TEXT_MAX];

	if (gmem_read(m, gpa, &rec, sizeof(rec)) != 0) {
		snprintf(err, errlen, "record at GPA 0x%llx is outside guest RAM (%llu bytes)",
			 (unsigned long long)gpa, (unsigned long long)m->size);
		return -1;
	}
	/* The ABI keeps records in RAM: a slot in the MMIO window (the --rom
	 * slot, whose bytes a device's DMA may have written) is no place for
	 * one, though gmem_read could reach it (a GPA in no slot at all
	 * was refused above as outside RAM).  RAM ends at GPA_MMIO_BASE and a
	 * record must lie in one slot, so its start decides (guest-abi.md). */
	if (gpa >= GPA_MMIO_BASE && gpa < GPA_MMIO_END) {
		snprintf(err, errlen, "record at GPA 0x%llx lies in the MMIO window [0x%llx, 0x%llx): records live in RAM",
			 (unsigned long long)gpa, GPA_MMIO_BASE, GPA_MMIO_END);
		return -1;
	}
	if (rec.magic != REPORT_MAGIC) {
		snprintf(err, errlen, "record at GPA 0x%llx has bad magic 0x%08x (want 0x%08x \"REPT\")",
			 (unsigned long long)gpa, rec.magic, REPORT_MAGIC);
		return -1;
	}
	if (rec.kind < REPORT_KIND_VALUE || rec.kind > REPORT_KIND_MAX) {
		snprintf(err, errlen, "record at GPA 0x%llx has unknown kind %u", (unsigned long long)gpa, rec.kind);
		return -1;
	}
	if (rec.len > REPORT_TEXT_MAX) {
		snprintf(err, errlen, "record at GPA 0x%llx has text length %u > %d",
			 (unsigned long long)gpa, rec.len, REPORT_TEXT_MAX);
		return -1;
	}
	/* gpa + 16 cannot wrap: the first read proved gpa + 16 <= RAM size. */
	if (gmem_read(m, gpa + sizeof(rec), text, rec.len) != 0) {
		snprintf(err, errlen, "record at GPA 0x%llx: its %u bytes of text run past the end of guest RAM",
			 (unsigned long long)gpa, rec.len);
		return -1;
	}
	memset(out, 0, sizeof(*out));
	out->kind = rec.kind;
	out->value = rec.value;
	/* Text is for humans and JSON: anything unprintable becomes '?'. */
	for (unsigned i = 0; i < rec.len; i++)
		out->text[i] = (text[i] >= 0x20 && text[i] < 0x7f) ? text[i] : '?';
	out->text[rec.len] = '\0';
	return 0;
}

enum action report_io(struct vcpu *v, struct io_req *io, void *opaque)
{
	struct report_entry e;
	char err[200];
	struct guest_mem *mem = opaque;
	uint32_t gpa;

	if (!io->out || io->size != 4 || io->count != 1)
		return vcpu_end(v, END_PROTOCOL,
				"guest protocol error: report port 0x%x takes one 32-bit OUT (got %s of %u byte%s x%u)",
				PORT_REPORT, io->out ? "OUT" : "IN", io->size, io->size > 1 ? "s" : "", io->count);
	memcpy(&gpa, io->data, sizeof(gpa));
	gmem_hold(mem);                         /* another vCPU may be unplugging the record's slot */
	int rc = report_read(mem, gpa, &e, err, sizeof(err));
	gmem_release(mem);
	if (rc != 0)
		return vcpu_end(v, END_PROTOCOL, "guest protocol error: report channel: %s", err);

	e.rip = vcpu_rip(v);
	if (vcpu_add_report(v, &e) != 0)
		return vcpu_end(v, END_PROTOCOL, "guest protocol error: too many reports (limit %d)", REPORTS_MAX);
	if (v->vm->cfg.report_hook)             /* bench: a report marks a phase boundary */
		v->vm->cfg.report_hook(v, &e, v->vm->cfg.report_hook_arg);
	if (e.kind == REPORT_KIND_FAIL)
		return vcpu_end(v, END_REPORT_FAIL, "guest check failed: %s (observed %llu = 0x%llx)",
				e.text, (unsigned long long)e.value, (unsigned long long)e.value);
	return ACT_CONTINUE;
}
