/*
 * stream.c - the migration stream's framing (docs/migration.md): a header
 * (magic, stream version, guest ABI), then sections of {type, length,
 * payload} up to an END section.  The reader takes nothing on trust: every
 * length, count, index, GPA and version is checked before it is used, so a
 * truncated or hostile stream is a one-line error, never a crash.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvmlab.h"

_Static_assert(MIG_SLOTS_MAX <= MEMSLOTS_MAX, "a stream's slots must fit the slot table");

struct mig_hdr {                        /* the stream's first 24 bytes, little endian */
	char magic[8];                  /* MIG_MAGIC */
	uint32_t version;               /* MIG_STREAM_VERSION */
	uint32_t abi;                   /* KVMLAB_ABI_VERSION of the payload ABI */
	uint32_t schema;                /* JSON_SCHEMA_VERSION of the writer, informative */
	uint32_t reserved;              /* 0 */
};
struct mig_sec_hdr {                    /* before every section */
	uint32_t type;                  /* enum mig_section */
	uint32_t reserved;              /* 0 */
	uint64_t len;                   /* payload bytes that follow, <= MIG_SECTION_MAX */
};

int mig_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, errlen, "migration stream: ");

	va_start(ap, fmt);
	if (n > 0 && (size_t)n < errlen)
		vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

static int out_write(struct mig_out *out, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n && !out->err) {
		ssize_t w = write(out->fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			out->err = w < 0 ? errno : EIO;
			break;
		}
		b += w;
		n -= (size_t)w;
		out->bytes += (uint64_t)w;
	}
	return out->err ? -1 : 0;
}

int mig_write_raw(struct mig_out *out, const void *p, size_t n)
{
	return out_write(out, p, n);
}

int mig_write_header(struct mig_out *out)
{
	struct mig_hdr h = { .version = MIG_STREAM_VERSION, .abi = KVMLAB_ABI_VERSION,
			     .schema = JSON_SCHEMA_VERSION };

	memcpy(h.magic, MIG_MAGIC, sizeof(h.magic));
	return out_write(out, &h, sizeof(h));
}

int mig_write_section(struct mig_out *out, uint32_t type, const void *data, uint64_t len)
{
	struct mig_sec_hdr s = { .type = type, .len = len };

	if (out_write(out, &s, sizeof(s)) != 0)
		return -1;
	return len ? out_write(out, data, len) : 0;
}

int mig_buf_read(void *ctx, void *buf, size_t n)
{
	struct mig_buf *b = ctx;

	if (n > b->len - b->pos)
		return -1;
	memcpy(buf, b->p + b->pos, n);
	b->pos += n;
	return 0;
}

int mig_fd_read(void *ctx, void *buf, size_t n)
{
	int fd = *(int *)ctx;
	uint8_t *p = buf;

	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Reads one section header; its length is checked against the section's own rule later. */
static int read_sec(const struct mig_src *src, struct mig_sec_hdr *s, char *err, size_t errlen)
{
	if (src->read(src->ctx, s, sizeof(*s)) != 0)
		return mig_fail(err, errlen, "truncated: a section header is missing (no END section)");
	if (s->type >= MIG_SEC_COUNT)
		return mig_fail(err, errlen, "unknown section type %u", s->type);
	if (s->reserved != 0)
		return mig_fail(err, errlen, "section type %u: reserved field is %u, not 0", s->type, s->reserved);
	if (s->len > MIG_SECTION_MAX)
		return mig_fail(err, errlen, "section type %u: length %llu exceeds %u", s->type,
			    (unsigned long long)s->len, MIG_SECTION_MAX);
	return 0;
}

static int read_exact(const struct mig_src *src, void *buf, size_t n, const char *what,
		      char *err, size_t errlen)
{
	if (src->read(src->ctx, buf, n) != 0)
		return mig_fail(err, errlen, "truncated inside the %s section", what);
	return 0;
}

/* Every slot after RAM must be one kvmlab itself makes (docs/memory.md), so the
 * destination can make it again with the same id, GPA, size and flags: the
 * --rom slot (read-only; restore.c checks its place as --rom's), or the
 * hotplug slot as a guest request makes it (memctl.c: whole MiB, at GPA_HOTPLUG). */
static int check_slot_role(const struct mig_slot *s, uint32_t i, char *err, size_t errlen)
{
	if (s->id == SLOT_ROM && s->flags == KVM_MEM_READONLY)
		return 0;
	if (s->id == SLOT_HOTPLUG && s->flags == 0) {
		if (s->gpa != GPA_HOTPLUG || s->size % (1ULL << 20) || s->size > ((uint64_t)HOTPLUG_MAX_MIB << 20))
			return mig_fail(err, errlen, "slot %u: hotplugged memory at GPA 0x%llx of 0x%llx bytes; kvmlab "
				    "hotplugs 1..%d MiB at GPA 0x%llx", i, (unsigned long long)s->gpa,
				    (unsigned long long)s->size, HOTPLUG_MAX_MIB, (unsigned long long)GPA_HOTPLUG);
		return 0;
	}
	return mig_fail(err, errlen, "slot %u: id %u with flags 0x%x is neither the read-only ROM (id %d) nor "
		    "writable hotplugged memory (id %d)", i, s->id, s->flags, SLOT_ROM, SLOT_HOTPLUG);
}

static int check_layout(struct mig_image *img, char *err, size_t errlen)
{
	for (uint32_t i = 0; i < img->nslots; i++) {
		const struct mig_slot *s = &img->slot[i];
		if (s->size == 0 || s->gpa % MIG_PAGE || s->size % MIG_PAGE)
			return mig_fail(err, errlen, "slot %u: GPA 0x%llx size 0x%llx not page aligned or empty",
				    i, (unsigned long long)s->gpa, (unsigned long long)s->size);
		if (s->gpa + s->size < s->gpa || s->gpa + s->size > (1ULL << 52))
			return mig_fail(err, errlen, "slot %u: wraps or lies past the 52-bit physical address space", i);
		if (s->flags & ~(uint32_t)KVM_MEM_READONLY)
			return mig_fail(err, errlen, "slot %u: unknown flags 0x%x", i, s->flags);
		for (uint32_t j = 0; j < i; j++) {
			const struct mig_slot *o = &img->slot[j];
			if (s->id == o->id)
				return mig_fail(err, errlen, "slot %u: duplicate slot id %u", i, s->id);
			if (s->gpa < o->gpa + o->size && o->gpa < s->gpa + s->size)
				return mig_fail(err, errlen, "slot %u overlaps slot %u", i, j);
		}
	}
	if (img->nslots == 0 || img->slot[0].id != SLOT_RAM || img->slot[0].gpa != 0 ||
	    img->slot[0].size != img->cfg.mem || img->slot[0].flags)
		return mig_fail(err, errlen, "the first slot must be RAM at GPA 0 of the configured size");
	for (uint32_t i = 1; i < img->nslots; i++)
		if (check_slot_role(&img->slot[i], i, err, errlen) != 0)
			return -1;
	return 0;
}

int mig_read_begin(const struct mig_src *src, struct mig_image *img, char *err, size_t errlen)
{
	struct mig_hdr h;
	struct mig_sec_hdr s;

	memset(img, 0, sizeof(*img));
	if (src->read(src->ctx, &h, sizeof(h)) != 0)
		return mig_fail(err, errlen, "truncated: shorter than the %zu-byte header", sizeof(h));
	if (memcmp(h.magic, MIG_MAGIC, sizeof(h.magic)) != 0)
		return mig_fail(err, errlen, "bad magic: not a kvmlab migration stream");
	if (h.version != MIG_STREAM_VERSION)
		return mig_fail(err, errlen, "stream version %u, this kvmlab reads version %u",
			    h.version, MIG_STREAM_VERSION);
	if (h.abi != KVMLAB_ABI_VERSION)
		return mig_fail(err, errlen, "guest ABI version %u, this kvmlab speaks %u", h.abi, KVMLAB_ABI_VERSION);
	if (h.reserved != 0)
		return mig_fail(err, errlen, "header reserved field is %u, not 0", h.reserved);
	img->version = h.version;
	img->abi = h.abi;

	if (read_sec(src, &s, err, errlen) != 0)
		return -1;
	if (s.type != MIG_SEC_CONFIG || s.len != sizeof(img->cfg))
		return mig_fail(err, errlen, "the first section must be CONFIG of %zu bytes (type %u, %llu bytes)",
			    sizeof(img->cfg), s.type, (unsigned long long)s.len);
	if (read_exact(src, &img->cfg, sizeof(img->cfg), "CONFIG", err, errlen) != 0)
		return -1;
	if (img->cfg.vcpus < 1 || img->cfg.vcpus > MIG_VCPUS_MAX)
		return mig_fail(err, errlen, "CONFIG: %u vCPUs, must be 1..%u", img->cfg.vcpus, MIG_VCPUS_MAX);
	/* enum irq_model: the destination builds the same model (restore.c) and needs its section. */
	if (img->cfg.irqchip >= IRQ_MODEL_COUNT)
		return mig_fail(err, errlen, "CONFIG: irqchip is %u, must be 0 (none), 1 (kernel) or 2 (split)",
			    img->cfg.irqchip);
	if (img->cfg.mem < MEM_MIN || img->cfg.mem > MEM_MAX || img->cfg.mem % MIG_PAGE)
		return mig_fail(err, errlen, "CONFIG: RAM size 0x%llx outside kvmlab's --mem range",
			    (unsigned long long)img->cfg.mem);

	if (read_sec(src, &s, err, errlen) != 0)
		return -1;
	if (s.type != MIG_SEC_LAYOUT || s.len == 0 || s.len % sizeof(struct mig_slot) ||
	    s.len / sizeof(struct mig_slot) > MIG_SLOTS_MAX)
		return mig_fail(err, errlen, "the second section must be LAYOUT with 1..%u slots (type %u, %llu bytes)",
			    MIG_SLOTS_MAX, s.type, (unsigned long long)s.len);
	img->nslots = (uint32_t)(s.len / sizeof(struct mig_slot));
	if (read_exact(src, img->slot, s.len, "LAYOUT", err, errlen) != 0)
		return -1;
	if (check_layout(img, err, errlen) != 0)
		return -1;
	img->vcpu = calloc(img->cfg.vcpus, sizeof(*img->vcpu));
	img->vcpu_have = calloc(img->cfg.vcpus, sizeof(*img->vcpu_have));
	if (!img->vcpu || !img->vcpu_have)
		return mig_fail(err, errlen, "out of memory for %u vCPUs", img->cfg.vcpus);
	return 0;
}

bool mig_image_holds(const struct mig_image *img, uint64_t gpa, uint64_t len, uint32_t flags)
{
	for (uint32_t i = 0; i < img->nslots; i++) {
		const struct mig_slot *s = &img->slot[i];
		if ((s->flags & flags) == flags && gpa >= s->gpa && len <= s->size && gpa - s->gpa <= s->size - len)
			return true;
	}
	return false;
}

static int read_ram(const struct mig_src *src, struct mig_image *img, struct guest_mem *mem,
		    uint64_t len, char *err, size_t errlen)
{
	struct mig_ram_hdr h;
	static uint8_t page[MIG_PAGE];

	if (len < sizeof(h))
		return mig_fail(err, errlen, "RAM section of %llu bytes has no header", (unsigned long long)len);
	if (read_exact(src, &h, sizeof(h), "RAM", err, errlen) != 0)
		return -1;
	if (h.npages == 0 || h.npages > MIG_PAGES_PER_CHUNK || h.reserved ||
	    len != sizeof(h) + (uint64_t)h.npages * MIG_PAGE)
		return mig_fail(err, errlen, "RAM section: %u pages in %llu bytes", h.npages, (unsigned long long)len);
	if (h.gpa % MIG_PAGE || !mig_image_holds(img, h.gpa, (uint64_t)h.npages * MIG_PAGE, 0))
		return mig_fail(err, errlen, "RAM section: pages at GPA 0x%llx (%u) not page aligned or outside every slot",
			    (unsigned long long)h.gpa, h.npages);
	/* Before END in a post-copy stream only the read-only slot may come (it goes with
	 * the state); everything else follows after END, on demand (uffd.c). */
	if (img->postcopy && !img->page_sink && !mig_image_holds(img, h.gpa, (uint64_t)h.npages * MIG_PAGE, KVM_MEM_READONLY))
		return mig_fail(err, errlen, "RAM section before END in a post-copy stream (only the read-only slot may come there)");
	for (uint32_t i = 0; i < h.npages; i++) {
		if (read_exact(src, page, sizeof(page), "RAM", err, errlen) != 0)
			return -1;
		uint64_t gpa = h.gpa + (uint64_t)i * MIG_PAGE;
		if (img->page_sink ? img->page_sink(img->page_sink_arg, gpa, page) != 0 :
		    gmem_load(mem, gpa, page, sizeof(page)) != 0)   /* ROM pages too */
			return mig_fail(err, errlen, "RAM section: GPA 0x%llx is not guest RAM here",
				    (unsigned long long)(h.gpa + (uint64_t)i * MIG_PAGE));
	}
	img->ram_pages += h.npages;
	return 0;
}

static int read_vcpu(const struct mig_src *src, struct mig_image *img, uint64_t len, char *err, size_t errlen)
{
	const size_t fixed = offsetof(struct mig_vcpu, msrs);
	struct mig_vcpu *tmp = calloc(1, sizeof(*tmp));

	if (!tmp)
		return mig_fail(err, errlen, "out of memory");
	if (len < fixed || (len - fixed) % sizeof(struct kvm_msr_entry) ||
	    (len - fixed) / sizeof(struct kvm_msr_entry) > MIG_MSRS_MAX) {
		free(tmp);
		return mig_fail(err, errlen, "VCPU section of %llu bytes: not the state plus 0..%u MSRs",
			    (unsigned long long)len, MIG_MSRS_MAX);
	}
	if (read_exact(src, tmp, len, "VCPU", err, errlen) != 0) {
		free(tmp);
		return -1;
	}
	uint32_t n = (uint32_t)((len - fixed) / sizeof(struct kvm_msr_entry));
	int rc = 0;
	if (tmp->nmsrs != n)
		rc = mig_fail(err, errlen, "VCPU section: says %u MSRs, holds %u", tmp->nmsrs, n);
	else if (tmp->id >= img->cfg.vcpus)
		rc = mig_fail(err, errlen, "VCPU section: vCPU %u of %u", tmp->id, img->cfg.vcpus);
	else if (img->vcpu_have[tmp->id])
		rc = mig_fail(err, errlen, "VCPU section: vCPU %u twice", tmp->id);
	else if (tmp->flags & ~(MIG_VCPU_XSAVE | MIG_VCPU_XCRS | MIG_VCPU_LAPIC))
		rc = mig_fail(err, errlen, "VCPU section: unknown flags 0x%x", tmp->flags);
	else if ((tmp->flags & MIG_VCPU_LAPIC) && !img->cfg.irqchip)
		rc = mig_fail(err, errlen, "VCPU section: LAPIC state without an in-kernel irqchip");
	else if (!(tmp->flags & MIG_VCPU_LAPIC) && img->cfg.irqchip)
		rc = mig_fail(err, errlen, "VCPU section: vCPU %u has no LAPIC state, interrupt model %s needs it",
			  tmp->id, irqchip_name((enum irq_model)img->cfg.irqchip));
	else if (tmp->xcrs.nr_xcrs > KVM_MAX_XCRS)
		rc = mig_fail(err, errlen, "VCPU section: %u XCRs, KVM has at most %u", tmp->xcrs.nr_xcrs, KVM_MAX_XCRS);
	else {
		img->vcpu[tmp->id] = *tmp;
		img->vcpu_have[tmp->id] = true;
	}
	free(tmp);
	return rc;
}

int mig_read_rest(const struct mig_src *src, struct mig_image *img, struct guest_mem *mem,
		  char *err, size_t errlen)
{
	struct mig_sec_hdr s;

	for (;;) {
		if (read_sec(src, &s, err, errlen) != 0)
			return -1;
		switch (s.type) {
		case MIG_SEC_END:
			if (s.len != 0)
				return mig_fail(err, errlen, "END section of %llu bytes", (unsigned long long)s.len);
			for (uint32_t i = 0; i < img->cfg.vcpus; i++)
				if (!img->vcpu_have[i])
					return mig_fail(err, errlen, "incomplete: no state for vCPU %u", i);
			if (!img->have_cpuid || !img->have_clock || !img->payload)
				return mig_fail(err, errlen, "incomplete: CPUID, CLOCK or PAYLOAD section missing");
			if (img->cfg.irqchip == IRQ_KERNEL && !img->have_irqchip)
				return mig_fail(err, errlen, "incomplete: interrupt model kernel without an IRQCHIP section");
			if (img->cfg.irqchip == IRQ_SPLIT && !img->have_ioapic)
				return mig_fail(err, errlen, "incomplete: interrupt model split without an IOAPIC section");
			/* Split: IRQ 4 is IOAPIC pin 4, and the UART's idea of its line must be the wire's. */
			if (img->have_ioapic && img->have_uart &&
			    !(img->uart.flags & MIG_UART_IRQ_LINE) != !(img->ioapic.wire & (1u << UART_COM1_IRQ)))
				return mig_fail(err, errlen, "UART and IOAPIC sections disagree on IRQ %d's line", UART_COM1_IRQ);
			if (img->have_virtio[MIG_VIRTIO_BALLOON] && img->virtio[MIG_VIRTIO_BALLOON].balloon.held &&
			    !img->have_balloon)
				return mig_fail(err, errlen, "incomplete: the balloon holds %llu pages and no BALLOON section names them",
					    (unsigned long long)img->virtio[MIG_VIRTIO_BALLOON].balloon.held);
			return 0;
		case MIG_SEC_RAM:
			if (read_ram(src, img, mem, s.len, err, errlen) != 0)
				return -1;
			break;
		case MIG_SEC_VCPU:
			if (read_vcpu(src, img, s.len, err, errlen) != 0)
				return -1;
			break;
		case MIG_SEC_CPUID:
			if (img->have_cpuid || s.len == 0 || s.len % sizeof(struct kvm_cpuid_entry2) ||
			    s.len / sizeof(struct kvm_cpuid_entry2) > MIG_CPUID_MAX)
				return mig_fail(err, errlen, "CPUID section: twice, or %llu bytes is not 1..%u entries",
					    (unsigned long long)s.len, MIG_CPUID_MAX);
			img->ncpuid = (uint32_t)(s.len / sizeof(struct kvm_cpuid_entry2));
			if (read_exact(src, img->cpuid, s.len, "CPUID", err, errlen) != 0)
				return -1;
			img->have_cpuid = true;
			break;
		case MIG_SEC_CLOCK:
			if (img->have_clock || s.len != sizeof(img->clock))
				return mig_fail(err, errlen, "CLOCK section: twice, or %llu bytes", (unsigned long long)s.len);
			if (read_exact(src, &img->clock, s.len, "CLOCK", err, errlen) != 0)
				return -1;
			img->have_clock = true;
			break;
		case MIG_SEC_UART:
			if (img->have_uart || s.len != sizeof(img->uart))
				return mig_fail(err, errlen, "UART section: twice, or %llu bytes", (unsigned long long)s.len);
			if (read_exact(src, &img->uart, s.len, "UART", err, errlen) != 0)
				return -1;
			if (img->uart.loop_len > sizeof(img->uart.loop) || img->uart.overrun > 1)
				return mig_fail(err, errlen, "UART section: FIFO holds %u of %zu bytes",
					    img->uart.loop_len, sizeof(img->uart.loop));
			if (img->uart.flags & ~(MIG_UART_THRE_INT | MIG_UART_IRQ_LINE))
				return mig_fail(err, errlen, "UART section: unknown flags 0x%x", img->uart.flags);
			img->have_uart = true;
			break;
		case MIG_SEC_VIRTIO: {
			struct mig_virtio v;
			if (s.len != sizeof(v) && s.len != MIG_VIRTIO_V1_SIZE)
				return mig_fail(err, errlen, "VIRTIO section of %llu bytes, not %zu (or %zu, version 1)",
					    (unsigned long long)s.len, sizeof(v), (size_t)MIG_VIRTIO_V1_SIZE);
			memset(&v, 0, sizeof(v));       /* a version 1 section: no config, net or balloon part */
			if (read_exact(src, &v, s.len, "VIRTIO", err, errlen) != 0)
				return -1;
			if ((s.len == MIG_VIRTIO_V1_SIZE) != (v.version == 1))
				return mig_fail(err, errlen, "VIRTIO section: version %u in %llu bytes", v.version,
					    (unsigned long long)s.len);
			if (mig_virtio_check(img, &v, err, errlen) != 0)        /* devstate.c */
				return -1;
			if (img->have_virtio[v.which])
				return mig_fail(err, errlen, "VIRTIO section: device %u twice", v.which);
			img->virtio[v.which] = v;
			img->have_virtio[v.which] = true;
			break;
		}
		case MIG_SEC_IRQCHIP:
			if (img->cfg.irqchip != IRQ_KERNEL || img->have_irqchip || s.len != sizeof(img->irqchip))
				return mig_fail(err, errlen, "IRQCHIP section: twice, of %llu bytes (not %zu), or with "
					    "interrupt model %s (only kernel has one)", (unsigned long long)s.len,
					    sizeof(img->irqchip), irqchip_name((enum irq_model)img->cfg.irqchip));
			if (read_exact(src, &img->irqchip, s.len, "IRQCHIP", err, errlen) != 0 ||
			    mig_irqchip_check(&img->irqchip, err, errlen) != 0)        /* irqstate.c */
				return -1;
			img->have_irqchip = true;
			break;
		case MIG_SEC_IOAPIC:
			if (img->cfg.irqchip != IRQ_SPLIT || img->have_ioapic || s.len != sizeof(img->ioapic))
				return mig_fail(err, errlen, "IOAPIC section: twice, of %llu bytes (not %zu), or with "
					    "interrupt model %s (only split has one)", (unsigned long long)s.len,
					    sizeof(img->ioapic), irqchip_name((enum irq_model)img->cfg.irqchip));
			if (read_exact(src, &img->ioapic, s.len, "IOAPIC", err, errlen) != 0 ||
			    mig_ioapic_check(&img->ioapic, err, errlen) != 0)          /* irqstate.c */
				return -1;
			img->have_ioapic = true;
			break;
		case MIG_SEC_POSTCOPY: {
			uint64_t total = 0;
			for (uint32_t i = 0; i < img->nslots; i++)
				total += img->slot[i].size / MIG_PAGE;
			if (img->postcopy || img->ram_pages || s.len != sizeof(img->postcopy_pages))
				return mig_fail(err, errlen, "POSTCOPY section: twice, after RAM, or %llu bytes",
					    (unsigned long long)s.len);
			if (read_exact(src, &img->postcopy_pages, s.len, "POSTCOPY", err, errlen) != 0)
				return -1;
			if (img->postcopy_pages == 0 || img->postcopy_pages > total)
				return mig_fail(err, errlen, "POSTCOPY section: %llu pages of %llu",
					    (unsigned long long)img->postcopy_pages, (unsigned long long)total);
			img->postcopy = true;
			break;
		}
		case MIG_SEC_MEMCTL:
			if (img->have_memctl || s.len != img->cfg.vcpus * sizeof(img->memctl[0]))
				return mig_fail(err, errlen, "MEMCTL section: twice, or %llu bytes for %u vCPUs",
					    (unsigned long long)s.len, img->cfg.vcpus);
			if (read_exact(src, img->memctl, s.len, "MEMCTL", err, errlen) != 0)
				return -1;
			for (uint32_t i = 0; i < img->cfg.vcpus; i++)
				if (img->memctl[i] > MEMCTL_STATUS_LAST)
					return mig_fail(err, errlen, "MEMCTL section: vCPU %u: status %u is not one of "
						    "docs/guest-abi.md's 0..%u", i, img->memctl[i], MEMCTL_STATUS_LAST);
			img->have_memctl = true;
			break;
		case MIG_SEC_BALLOON:           /* balloonstate.c checks the pages */
			if (img->have_balloon || s.len == 0 || s.len % sizeof(uint64_t))
				return mig_fail(err, errlen, "BALLOON section: twice, or %llu bytes is not 1 or more GPAs",
					    (unsigned long long)s.len);
			img->balloon = malloc(s.len);   /* <= MIG_SECTION_MAX (read_sec) */
			if (!img->balloon)
				return mig_fail(err, errlen, "out of memory");
			img->nballoon = s.len / sizeof(uint64_t);
			img->have_balloon = true;
			if (read_exact(src, img->balloon, s.len, "BALLOON", err, errlen) != 0 ||
			    mig_balloon_check(img, img->balloon, img->nballoon, err, errlen) != 0)
				return -1;
			break;
		case MIG_SEC_PAYLOAD:
			if (img->payload || s.len == 0 || s.len > MIG_PAYLOAD_MAX)
				return mig_fail(err, errlen, "PAYLOAD section: twice, or %llu bytes (1..%u)",
					    (unsigned long long)s.len, MIG_PAYLOAD_MAX);
			img->payload = malloc(s.len);
			if (!img->payload)
				return mig_fail(err, errlen, "out of memory");
			img->payload_len = (uint32_t)s.len;
			if (read_exact(src, img->payload, s.len, "PAYLOAD", err, errlen) != 0)
				return -1;
			break;
		default:        /* CONFIG, LAYOUT: only at the start */
			return mig_fail(err, errlen, "section type %u again after the start", s.type);
		}
	}
}

int mig_read_postcopy(const struct mig_src *src, struct mig_image *img, char *err, size_t errlen)
{
	struct mig_sec_hdr s;

	if (read_sec(src, &s, err, errlen) != 0)
		return -1;
	if (s.type == MIG_SEC_END)
		return s.len == 0 ? 0 : mig_fail(err, errlen, "END section of %llu bytes", (unsigned long long)s.len);
	if (s.type != MIG_SEC_RAM || !img->page_sink)
		return mig_fail(err, errlen, "post-copy: section type %u after END (only RAM and END)", s.type);
	return read_ram(src, img, NULL, s.len, err, errlen) == 0 ? 1 : -1;
}

void mig_image_free(struct mig_image *img)
{
	free(img->vcpu);
	free(img->vcpu_have);
	free(img->payload);
	free(img->balloon);
	img->balloon = NULL;
	img->nballoon = 0;
	img->vcpu = NULL;
	img->vcpu_have = NULL;
	img->payload = NULL;
}
