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
 * A VIRTIO section accepted has live queues whose rings lie inside that guest
 * (virtq_check passes).  An accepted BALLOON section names exactly the pages the
 * balloon's VIRTIO section says it holds, ascending, page aligned, inside --mem.
 * Seeds: seed-virtio (console and blk), and two that lie (seed-virtio-outside: a
 * ring past RAM; seed-virtio-size: QueueNum 6); seed-netballoon (net, balloon and
 * its pages), and three that lie (seed-balloon-dup: a page twice;
 * seed-balloon-missing: no BALLOON section; seed-balloon-first: BALLOON before
 * the balloon's VIRTIO section).
 * Hotplugged memory in LAYOUT: seed-hotplug, seed-hotplug-rom, seed-hotplug-postcopy
 * (accepted), and the lies seed-hotplug-overlap (over RAM), seed-hotplug-flags
 * (KVM_MEM_LOG_DIRTY_PAGES), seed-hotplug-size (not whole MiB), seed-slots-too-many (10).
 * An accepted stream holds the section its interrupt model needs (IRQCHIP for
 * kernel, IOAPIC for split: vmm/migrate/irqstate.c), which passes its check
 * again, and every vCPU has its LAPIC state; seeds seed-irqchip, seed-ioapic and
 * two that lie (seed-ioapic-reserved: an entry with bit 17 set;
 * seed-irqchip-missing: model kernel without its section).
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
		if (img.cfg.irqchip >= IRQ_MODEL_COUNT ||
		    img.have_irqchip != (img.cfg.irqchip == IRQ_KERNEL) || img.have_ioapic != (img.cfg.irqchip == IRQ_SPLIT) ||
		    (img.have_irqchip && mig_irqchip_check(&img.irqchip, err, sizeof(err)) != 0) ||
		    (img.have_ioapic && mig_ioapic_check(&img.ioapic, err, sizeof(err)) != 0))
			abort();
		for (uint32_t i = 0; i < img.cfg.vcpus; i++)
			if (!(img.vcpu[i].flags & MIG_VCPU_LAPIC) != !img.cfg.irqchip)
				abort();
		/* An accepted VIRTIO section's live queues are what virtq_check would take,
		 * in a guest that holds every slot the layout declares. */
		bool fits = true;
		for (uint32_t i = 0; i < img.nslots; i++)
			fits &= img.slot[i].gpa + img.slot[i].size <= FUZZ_MEM;
		for (int w = 0; fits && w < MIG_VIRTIO_DEVS; w++)
			for (uint32_t q = 0; img.have_virtio[w] && q < MIG_VIRTIO_QUEUES; q++) {
				const struct mig_virtq *vq = &img.virtio[w].q[q];
				struct virtq k = { .num = vq->num, .desc = vq->desc, .avail = vq->avail, .used = vq->used };
				if (vq->ready && virtq_check(&m, &k, VIRTQ_NUM_MAX) != VQ_OK)
					abort();
			}
		if (img.have_balloon) {
			const struct mig_vballoon *bl = &img.virtio[MIG_VIRTIO_BALLOON].balloon;
			if (!img.have_virtio[MIG_VIRTIO_BALLOON] || img.nballoon != bl->held)
				abort();
			for (uint64_t i = 0; i < img.nballoon; i++)
				if (img.balloon[i] % MIG_PAGE || img.balloon[i] >= img.cfg.mem ||
				    (i && img.balloon[i] <= img.balloon[i - 1]) || !mig_balloon_has(&img, img.balloon[i]))
					abort();
		}
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
