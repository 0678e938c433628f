/*
 * test_migrate_stream.c - the migration stream's reader as a specification:
 * a well-formed stream round-trips, and every truncation, every wrong
 * version, length, index and GPA is refused with one line (vmm/migrate/stream.c).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"

#define TMEM (128u << 10)               /* MEM_MIN: the smallest guest kvmlab makes */

static uint8_t ram_src[TMEM], ram_dst[TMEM];

/* A complete, valid stream of a 128 KiB guest: two RAM pages at 0x1000, one vCPU with two MSRs. */
static uint8_t *build(size_t *len)
{
	int fd = memfd_create("migstream", 0);
	struct mig_out out = { .fd = fd };
	struct mig_config cfg = { .vcpus = 1, .mem = TMEM };
	struct guest_mem m = { .hva = ram_src, .size = TMEM };
	struct kvm_cpuid_entry2 cpuid = { .function = 0, .eax = 0xd };
	static struct mig_vcpu v;
	struct kvm_clock_data clock = { .clock = 12345 };
	struct mig_uart uart = { .lcr = 3, .loop_len = 2, .loop = { 'h', 'i' } };
	const char payload[] = "payload bytes";

	for (unsigned i = 0; i < TMEM; i++)
		ram_src[i] = (uint8_t)(i * 7 + 1);
	memset(&v, 0, sizeof(v));
	v.nmsrs = 2;
	v.msrs[0] = (struct kvm_msr_entry){ .index = 0x10, .data = 99 };
	v.msrs[1] = (struct kvm_msr_entry){ .index = 0xc0000080, .data = 0x500 };
	v.regs.rip = 0x4242;
	mig_write_header(&out);
	mig_write_section(&out, MIG_SEC_CONFIG, &cfg, sizeof(cfg));
	mig_write_layout(&out, &m);
	mig_write_pages(&out, &m, 0x1000, 2);
	mig_write_section(&out, MIG_SEC_CPUID, &cpuid, sizeof(cpuid));
	mig_write_section(&out, MIG_SEC_VCPU, &v, offsetof(struct mig_vcpu, msrs) + 2 * sizeof(v.msrs[0]));
	mig_write_section(&out, MIG_SEC_CLOCK, &clock, sizeof(clock));
	mig_write_section(&out, MIG_SEC_UART, &uart, sizeof(uart));
	mig_write_section(&out, MIG_SEC_PAYLOAD, payload, sizeof(payload));
	mig_write_section(&out, MIG_SEC_END, NULL, 0);
	CHECK_EQ(out.err, 0);
	*len = (size_t)out.bytes;
	uint8_t *buf = malloc(*len);
	CHECK(pread(fd, buf, *len, 0) == (ssize_t)*len);
	close(fd);
	return buf;
}

/* Reads buf as a restore would: 0 when the whole stream is accepted. */
static int load(const uint8_t *buf, size_t len, struct mig_image *img, char *err, size_t errlen)
{
	struct mig_buf b = { buf, len, 0 };
	struct mig_src src = { mig_buf_read, &b };
	struct guest_mem m = { .hva = ram_dst, .size = TMEM };

	memset(ram_dst, 0, sizeof(ram_dst));
	int rc = mig_read_begin(&src, img, err, errlen);
	if (rc == 0)
		rc = mig_read_rest(&src, img, &m, err, errlen);
	return rc;
}

static void t_round_trip(void)
{
	size_t len;
	uint8_t *buf = build(&len);
	struct mig_image img;
	char err[256] = "";

	CHECK_EQ(load(buf, len, &img, err, sizeof(err)), 0);
	CHECK_EQ(img.ram_pages, 2);
	CHECK(memcmp(ram_dst + 0x1000, ram_src + 0x1000, 0x2000) == 0);
	CHECK_EQ(ram_dst[0], 0);                        /* page 0 was not sent */
	CHECK_EQ(img.vcpu[0].regs.rip, 0x4242);
	CHECK_EQ(img.vcpu[0].nmsrs, 2);
	CHECK_EQ(img.vcpu[0].msrs[1].data, 0x500);
	CHECK_EQ(img.clock.clock, 12345);
	CHECK_EQ(img.uart.loop[1], 'i');
	CHECK_EQ(img.payload_len, 14);
	mig_image_free(&img);
	free(buf);
}

static void t_every_truncation_refused(void)
{
	size_t len;
	uint8_t *buf = build(&len);
	char err[256];

	for (size_t cut = 0; cut < len; cut++) {
		struct mig_image img;
		err[0] = 0;
		CHECK_EQ(load(buf, cut, &img, err, sizeof(err)), -1);
		CHECK(strncmp(err, "migration stream: ", 18) == 0);
		CHECK(strchr(err, '\n') == NULL);
		mig_image_free(&img);
	}
	free(buf);
}

/* Overwrites 4 bytes at off and expects the reader to refuse with text in its message. */
static void refused(size_t off, uint32_t val, const char *text)
{
	size_t len;
	uint8_t *buf = build(&len);
	struct mig_image img;
	char err[256] = "";

	memcpy(buf + off, &val, sizeof(val));
	CHECK_EQ(load(buf, len, &img, err, sizeof(err)), -1);
	CHECK(strstr(err, text) != NULL);
	mig_image_free(&img);
	free(buf);
}

/* Offsets in the stream build() writes: header 24, CONFIG at 24 (16 + 16), LAYOUT at 56. */
#define OFF_CFG     (24 + 16)
#define OFF_LAYOUT  (24 + 16 + 16)
#define OFF_SLOT    (OFF_LAYOUT + 16)
#define OFF_RAM     (OFF_SLOT + 24)

static void t_bad_header_fields(void)
{
	refused(0, 0x4d4d4d4d, "bad magic");
	refused(8, MIG_STREAM_VERSION + 1, "stream version 2");
	refused(12, KVMLAB_ABI_VERSION + 1, "guest ABI version");
	refused(20, 1, "reserved");
}

static void t_bad_config_and_layout(void)
{
	refused(OFF_CFG, 0, "0 vCPUs");
	refused(OFF_CFG, MIG_VCPUS_MAX + 1, "vCPUs");
	refused(OFF_CFG + 4, 3, "irqchip is 3");              /* enum irq_model: 0 none, 1 kernel, 2 split */
	refused(OFF_CFG + 4, 2, "has no LAPIC state");         /* split: the VCPU needs its LAPIC */
	refused(OFF_CFG + 8, 4096, "RAM size");
	refused(OFF_SLOT + 8, 0x800, "not page aligned");       /* slot GPA */
	refused(OFF_SLOT + 4, 0x4, "unknown flags");      /* KVM_MEM_LOG_DIRTY_PAGES is not the stream's to say */
	refused(OFF_LAYOUT, MIG_SEC_RAM, "second section must be LAYOUT");
}

static void t_bad_ram_sections(void)
{
	refused(OFF_RAM + 16, 0x1800, "not page aligned");                  /* RAM GPA */
	refused(OFF_RAM + 16, TMEM - 0x1000, "outside every slot");         /* 2 pages from the last one */
	refused(OFF_RAM + 20, 0xFFFFFFFF, "outside every slot");            /* GPA high word */
	refused(OFF_RAM + 24, 3, "3 pages in");                             /* count vs length */
	refused(OFF_RAM + 8, 0x7fffffff, "exceeds");                        /* section length */
	refused(OFF_RAM, MIG_SEC_COUNT, "unknown section type");
	refused(OFF_RAM, MIG_SEC_LAYOUT, "again after the start");
}

static void t_bad_vcpu_section(void)
{
	size_t vcpu_at = OFF_RAM + 16 + 16 + 2 * 4096 + 16 + sizeof(struct kvm_cpuid_entry2) + 16;

	refused(vcpu_at, 1, "vCPU 1 of 1");                                  /* id */
	refused(vcpu_at + offsetof(struct mig_vcpu, nmsrs), 3, "says 3 MSRs, holds 2");
	refused(vcpu_at + 4, MIG_VCPU_LAPIC, "without an in-kernel irqchip");
	refused(vcpu_at + 4, 0x80, "unknown flags");
}

static void t_missing_parts(void)
{
	size_t len;
	uint8_t *buf = build(&len);
	struct mig_image img;
	char err[256] = "";
	/* Turn the PAYLOAD section into END by length: the END check finds no payload. */
	uint8_t *end = buf + len - 16;
	uint8_t mini[24 + 16 + 16 + 16 + 24 + 16];

	memcpy(mini, buf, sizeof(mini) - 16);
	memcpy(mini + sizeof(mini) - 16, end, 16);          /* header, CONFIG, LAYOUT, END */
	CHECK_EQ(load(mini, sizeof(mini), &img, err, sizeof(err)), -1);
	CHECK(strstr(err, "incomplete") != NULL);
	mig_image_free(&img);
	free(buf);
}

/* channel.c: the --migrate-to / --listen address, unix:PATH or tcp:IPv4:PORT. */
static void t_addresses(void)
{
	struct mig_addr a;
	char err[256];
	char longpath[200];

	CHECK_EQ(mig_addr_parse("unix:/tmp/x.sock", &a, err, sizeof(err)), 0);
	CHECK(!a.tcp);
	CHECK_STR(a.path, "/tmp/x.sock");
	CHECK_EQ(mig_addr_parse("tcp:127.0.0.1:4444", &a, err, sizeof(err)), 0);
	CHECK(a.tcp);
	CHECK_STR(a.host, "127.0.0.1");
	CHECK_EQ(a.port, 4444);
	static const char *const bad[] = {
		"", "unix:", "tcp:", "tcp:127.0.0.1", "tcp:127.0.0.1:", "tcp:127.0.0.1:0", "tcp:127.0.0.1:65536",
		"tcp:127.0.0.1:12x", "tcp::80", "tcp:localhost:80", "udp:1.2.3.4:5", "/tmp/x.sock",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CHECK_EQ(mig_addr_parse(bad[i], &a, err, sizeof(err)), -1);
		CHECK(err[0] != '\0');
	}
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	memcpy(longpath, "unix:", 5);
	CHECK_EQ(mig_addr_parse(longpath, &a, err, sizeof(err)), -1);      /* longer than sun_path */
}

/* A VIRTIO section's checks (vmm/migrate/devstate.c) against a 128 KiB layout. */
static struct mig_virtio virtio_good(void)
{
	struct mig_virtio m = { .version = MIG_VIRTIO_VERSION, .which = MIG_VIRTIO_CONSOLE, .device_id = 3,
				.status = 0x0F, .dev_features = 1ULL << 32, .drv_features = 1ULL << 32 };
	m.q[1] = (struct mig_virtq){ .num = 8, .ready = 1, .last_avail = 5, .used_idx = 5,
				     .desc = 0x1000, .avail = 0x1100, .used = 0x1200 };
	return m;
}

static void t_virtio_section_checks(void)
{
	struct mig_image img = { .nslots = 1, .slot = { { .id = 0, .gpa = 0, .size = TMEM } } };
	struct mig_virtio m = virtio_good();
	char err[256];

	CHECK_EQ(mig_virtio_check(&img, &m, err, sizeof(err)), 0);
	/* Each lie, one at a time, is refused with one line naming it. */
	static const struct { const char *what; int field; uint64_t val; } lies[] = {
		{ "version", 0, 3 }, { "device", 1, 4 }, { "device id", 2, 2 }, { "Status", 3, 0x20 },
		{ "InterruptStatus", 4, 4 }, { "subset", 5, 1 }, { "power of two", 6, 6 }, { "power of two", 6, 512 },
		{ "misaligned", 7, 0x1008 }, { "wholly inside", 7, TMEM - 16 }, { "wholly inside", 8, TMEM - 4 },
		{ "differ", 9, 6 }, { "is ready; the device has", 10, 1 }, { "QueueReady", 11, 2 },
	};
	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		m = virtio_good();
		switch (lies[i].field) {
		case 0: m.version = (uint32_t)lies[i].val; break;
		case 1: m.which = (uint32_t)lies[i].val; break;
		case 2: m.device_id = (uint32_t)lies[i].val; break;
		case 3: m.status |= (uint32_t)lies[i].val; break;
		case 4: m.isr = (uint32_t)lies[i].val; break;
		case 5: m.drv_features |= lies[i].val; break;
		case 6: m.q[1].num = (uint16_t)lies[i].val; break;
		case 7: m.q[1].desc = lies[i].val; break;
		case 8: m.q[1].used = lies[i].val; break;
		case 9: m.q[1].last_avail = (uint16_t)lies[i].val; break;
		case 10: m.which = MIG_VIRTIO_BLK; m.device_id = 2; m.blk_sectors = 8; break;  /* blk has one queue */
		case 11: m.q[0].ready = (uint8_t)lies[i].val; break;
		}
		err[0] = '\0';
		CHECK_EQ(mig_virtio_check(&img, &m, err, sizeof(err)), -1);
		CHECK(strstr(err, lies[i].what) != NULL && strchr(err, '\n') == NULL);
	}
}

/* virtio-net's section (device 2, id 1): two queues, its counters; a lie about
 * which device it is, or a version 1 section claiming it, is refused. */
static struct mig_virtio net_good(void)
{
	struct mig_virtio m = virtio_good();

	m.which = MIG_VIRTIO_NET;
	m.device_id = 1;
	m.dev_features = m.drv_features = (1ULL << 32) | (1ULL << 5);      /* VERSION_1, MAC */
	m.q[0] = (struct mig_virtq){ .num = 8, .ready = 1, .last_avail = 9, .used_idx = 9,
				     .desc = 0x2000, .avail = 0x2100, .used = 0x2200 };
	memcpy(m.config, "\x52\x54\x00\x12\x34\x56", 6);
	m.net = (struct mig_vnet){ .tx_packets = 5, .tx_bytes = 300, .rx_packets = 9, .rx_bytes = 900 };
	return m;
}

/* virtio-balloon's section (device 3, id 5): 3 pages held of a target of 8, now 4. */
static struct mig_virtio balloon_good(void)
{
	struct mig_virtio m = virtio_good();
	uint32_t num = 4, actual = 3;

	m.which = MIG_VIRTIO_BALLOON;
	m.device_id = 5;
	m.q[0] = (struct mig_virtq){ .num = 8, .ready = 1, .last_avail = 2, .used_idx = 2,
				     .desc = 0x2000, .avail = 0x2100, .used = 0x2200 };
	m.balloon = (struct mig_vballoon){ .num_pages = num, .actual = actual, .limit = 8, .held = 3,
					   .inflated = 5, .deflated = 2, .released_bytes = 5 * 4096 };
	memcpy(m.config, &num, 4);
	memcpy(m.config + 4, &actual, 4);
	return m;
}

static void t_net_and_balloon_sections(void)
{
	struct mig_image img = { .nslots = 1, .slot = { { .id = 0, .gpa = 0, .size = TMEM } }, .cfg = { .mem = TMEM } };
	char err[256];
	struct mig_virtio m = net_good();

	CHECK_EQ(mig_virtio_check(&img, &m, err, sizeof(err)), 0);
	m = balloon_good();
	CHECK_EQ(mig_virtio_check(&img, &m, err, sizeof(err)), 0);
	static const struct { const char *what; int field; uint64_t val; } lies[] = {
		{ "device id 2, not 1", 0, 2 }, { "version 1 section", 1, 1 }, { "last_avail", 2, 8 },
		{ "device id 1, not 5", 10, 1 }, { "version 1 section", 11, 1 },
		{ "RAM holds 32", 12, TMEM / 4096 + 1 }, { "above the run's target", 13, 9 },
		{ "above the run's target", 14, 9 }, { "unknown flags 0x2", 15, 2 }, { "violation 99", 16, 99 },
		{ "not 4 inflated less 2", 17, 4 }, { "configuration space", 18, 5 },
		{ "queue 1: size 6", 19, 6 },
	};
	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		uint32_t v = (uint32_t)lies[i].val;
		m = lies[i].field < 10 ? net_good() : balloon_good();
		switch (lies[i].field) {
		case 0: case 10: m.device_id = v; break;
		case 1: case 11: m.version = v; break;
		case 2: m.q[0].last_avail = (uint16_t)v; break;         /* receiveq1: a buffer taken, not used */
		case 12: m.balloon.limit = v; break;
		case 13: m.balloon.num_pages = v; memcpy(m.config, &v, 4); break;
		case 14: m.balloon.held = v; m.balloon.inflated = v + 2; break;
		case 15: m.balloon.flags = v; break;
		case 16: m.balloon.violation = v; break;
		case 17: m.balloon.inflated = v; break;
		case 18: memcpy(m.config, &v, 4); break;                /* num_pages as the driver reads it */
		case 19: m.q[1].num = (uint16_t)v; break;
		}
		err[0] = '\0';
		CHECK_EQ(mig_virtio_check(&img, &m, err, sizeof(err)), -1);
		CHECK(strstr(err, lies[i].what) != NULL && strchr(err, '\n') == NULL);
	}
}

/* The BALLOON section's pages (balloonstate.c) against the balloon's VIRTIO section. */
static void t_balloon_pages(void)
{
	struct mig_image img = { .nslots = 1, .slot = { { .id = 0, .gpa = 0, .size = TMEM } }, .cfg = { .mem = TMEM } };
	const uint64_t good[3] = { 0x3000, 0x5000, 0x1F000 };
	char err[256];

	CHECK_EQ(mig_balloon_check(&img, good, 3, err, sizeof(err)), -1);
	CHECK(strstr(err, "before the balloon's VIRTIO section") != NULL);
	img.virtio[MIG_VIRTIO_BALLOON] = balloon_good();
	img.have_virtio[MIG_VIRTIO_BALLOON] = true;
	CHECK_EQ(mig_balloon_check(&img, good, 3, err, sizeof(err)), 0);
	static const struct { const char *what; uint64_t gpa[3]; uint64_t n; } lies[] = {
		{ "2 pages, the balloon holds 3", { 0x3000, 0x5000 }, 2 },
		{ "4 pages, the balloon holds 3", { 0x3000, 0x5000, 0x6000 }, 4 },
		{ "not page aligned", { 0x3000, 0x5001, 0x6000 }, 3 },
		{ "outside the RAM slot", { 0x3000, 0x5000, TMEM }, 3 },
		{ "outside the RAM slot", { 0x3000, 0x5000, ~0ULL << 12 }, 3 },
		{ "a duplicate", { 0x3000, 0x3000, 0x6000 }, 3 },
		{ "out of order", { 0x5000, 0x3000, 0x6000 }, 3 },
	};
	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		uint64_t gpa[4] = { lies[i].gpa[0], lies[i].gpa[1], lies[i].gpa[2], 0x7000 };
		err[0] = '\0';
		CHECK_EQ(mig_balloon_check(&img, gpa, lies[i].n, err, sizeof(err)), -1);
		CHECK(strstr(err, lies[i].what) != NULL && strchr(err, '\n') == NULL);
	}
	img.nballoon = 3;
	img.balloon = (uint64_t *)good;
	CHECK(mig_balloon_has(&img, 0x5000) && mig_balloon_has(&img, 0x1F000) && !mig_balloon_has(&img, 0x4000));
}

/* build()'s stream with sections inserted before its END. */
static uint8_t *build_with(const uint8_t *extra, size_t extra_len, size_t *len)
{
	size_t base;
	uint8_t *buf = build(&base);
	uint8_t *out = malloc(base + extra_len);

	memcpy(out, buf, base - 16);
	memcpy(out + base - 16, extra, extra_len);
	memcpy(out + base - 16 + extra_len, buf + base - 16, 16);
	free(buf);
	*len = base + extra_len;
	return out;
}

/* One section as the writer frames it: type, reserved 0, u64 length, data. */
static size_t section(uint8_t *at, uint32_t type, const void *data, uint64_t n)
{
	uint32_t h[2] = { type, 0 };

	memcpy(at, h, 8);
	memcpy(at + 8, &n, 8);
	memcpy(at + 16, data, n);
	return 16 + n;
}

/* A post-copy stream's RAM comes after END; before END only the read-only slot may
 * (postcopy.c sends the --rom slot with the state): a page of RAM there is refused. */
static void t_postcopy_ram_before_end_is_refused(void)
{
	int fd = memfd_create("migstream", 0);
	struct mig_out out = { .fd = fd };
	struct mig_config cfg = { .vcpus = 1, .mem = TMEM };
	struct guest_mem m = { .hva = ram_src, .size = TMEM };
	uint64_t pages = TMEM / 4096;

	mig_write_header(&out);
	mig_write_section(&out, MIG_SEC_CONFIG, &cfg, sizeof(cfg));
	mig_write_layout(&out, &m);
	mig_write_section(&out, MIG_SEC_POSTCOPY, &pages, sizeof(pages));
	mig_write_pages(&out, &m, 0x1000, 1);
	CHECK_EQ(out.err, 0);
	size_t len = (size_t)out.bytes;
	uint8_t *buf = malloc(len);
	CHECK(pread(fd, buf, len, 0) == (ssize_t)len);
	close(fd);
	struct mig_image img;
	char err[256] = "";
	CHECK_EQ(load(buf, len, &img, err, sizeof(err)), -1);
	CHECK(strstr(err, "only the read-only slot may come there") != NULL);
	mig_image_free(&img);
	free(buf);
}

/* MEMCTL: the status a vCPU's memctl OUT left for its IN (a migration may stop
 * the vCPU between the two): one u32 per vCPU, each an enum memctl_status. */
static void t_memctl_in_the_stream(void)
{
	uint8_t extra[2 * (16 + 8)];
	struct mig_image img;
	char err[256] = "";
	size_t len;
	static const uint32_t busy = MEMCTL_EMIGRATING, pending = MEMCTL_MIGRATING, bad = MEMCTL_STATUS_LAST + 1,
			      two[2] = { 0, 0 };

	uint8_t *buf = build_with(extra, section(extra, MIG_SEC_MEMCTL, &busy, 4), &len);
	CHECK_EQ(load(buf, len, &img, err, sizeof(err)), 0);
	CHECK(img.have_memctl && img.memctl[0] == MEMCTL_EMIGRATING);
	mig_image_free(&img);
	free(buf);
	/* The highest status: "a migration is pending", which the stop can leave
	 * between the guest's OUT and its IN (it reads it on the destination). */
	buf = build_with(extra, section(extra, MIG_SEC_MEMCTL, &pending, 4), &len);
	CHECK_EQ(load(buf, len, &img, err, sizeof(err)), 0);
	CHECK(img.have_memctl && img.memctl[0] == MEMCTL_MIGRATING);
	mig_image_free(&img);
	free(buf);
	const struct { const void *data; size_t n; int twice; const char *what; } lies[] = {
		{ &bad, 4, 0, "status 7 is not one of" },
		{ two, 8, 0, "8 bytes for 1 vCPUs" },
		{ &busy, 4, 1, "MEMCTL section: twice" },
	};
	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		size_t k = section(extra, MIG_SEC_MEMCTL, lies[i].data, lies[i].n);
		if (lies[i].twice)
			k += section(extra + k, MIG_SEC_MEMCTL, lies[i].data, lies[i].n);
		buf = build_with(extra, k, &len);
		CHECK_EQ(load(buf, len, &img, err, sizeof(err)), -1);
		CHECK(strstr(err, lies[i].what) != NULL && strchr(err, '\n') == NULL);
		mig_image_free(&img);
		free(buf);
	}
}

static void t_balloon_in_the_stream(void)
{
	static uint8_t extra[4 * sizeof(struct mig_virtio) + 256];
	struct mig_virtio b = balloon_good(), n = net_good();
	const uint64_t pages[3] = { 0x3000, 0x5000, 0x1F000 };
	struct mig_image img;
	char err[256] = "";
	size_t len, k;
	uint8_t *buf;

	/* The whole set: loaded; the net section too, and a version 1 console section. */
	k = section(extra, MIG_SEC_VIRTIO, &b, sizeof(b));
	k += section(extra + k, MIG_SEC_BALLOON, pages, sizeof(pages));
	k += section(extra + k, MIG_SEC_VIRTIO, &n, sizeof(n));
	struct mig_virtio c = virtio_good();
	c.version = 1;
	k += section(extra + k, MIG_SEC_VIRTIO, &c, MIG_VIRTIO_V1_SIZE);
	buf = build_with(extra, k, &len);
	CHECK_EQ(load(buf, len, &img, err, sizeof(err)), 0);
	CHECK(img.have_balloon && img.nballoon == 3 && img.balloon[2] == 0x1F000);
	CHECK(img.have_virtio[MIG_VIRTIO_NET] && img.virtio[MIG_VIRTIO_NET].net.rx_packets == 9);
	CHECK(img.have_virtio[MIG_VIRTIO_CONSOLE] && img.virtio[MIG_VIRTIO_CONSOLE].net.tx_packets == 0);
	mig_image_free(&img);
	free(buf);
	/* Each of these is refused with one line. */
	static const struct { const char *what; int how; } lies[] = {
		{ "no BALLOON section names them", 0 }, { "before the balloon's VIRTIO section", 1 },
		{ "BALLOON section: twice", 2 }, { "is not 1 or more GPAs", 3 }, { "version 2 in 680 bytes", 4 },
		{ "version 1 in 864 bytes", 5 },
	};
	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		k = 0;
		switch (lies[i].how) {
		case 0: k = section(extra, MIG_SEC_VIRTIO, &b, sizeof(b)); break;
		case 1: k = section(extra, MIG_SEC_BALLOON, pages, sizeof(pages));
			k += section(extra + k, MIG_SEC_VIRTIO, &b, sizeof(b)); break;
		case 2: k = section(extra, MIG_SEC_VIRTIO, &b, sizeof(b));
			k += section(extra + k, MIG_SEC_BALLOON, pages, sizeof(pages));
			k += section(extra + k, MIG_SEC_BALLOON, pages, sizeof(pages)); break;
		case 3: k = section(extra, MIG_SEC_VIRTIO, &b, sizeof(b));
			k += section(extra + k, MIG_SEC_BALLOON, pages, 12); break;
		case 4: k = section(extra, MIG_SEC_VIRTIO, &n, MIG_VIRTIO_V1_SIZE); break;
		case 5: c = virtio_good(); c.version = 1;
			k = section(extra, MIG_SEC_VIRTIO, &c, sizeof(c)); break;
		}
		buf = build_with(extra, k, &len);
		err[0] = '\0';
		CHECK_EQ(load(buf, len, &img, err, sizeof(err)), -1);
		CHECK(strstr(err, lies[i].what) != NULL && strchr(err, '\n') == NULL);
		mig_image_free(&img);
		free(buf);
	}
}

/* A stream's start with these slots in LAYOUT (RAM of mem bytes in CONFIG): what mig_read_begin says. */
static int layout_of(const struct mig_slot *slots, uint32_t n, uint64_t mem, char *err, size_t errlen)
{
	int fd = memfd_create("miglayout", 0);
	struct mig_out out = { .fd = fd };
	struct mig_config cfg = { .vcpus = 1, .mem = mem };
	struct mig_image img;

	mig_write_header(&out);
	mig_write_section(&out, MIG_SEC_CONFIG, &cfg, sizeof(cfg));
	mig_write_section(&out, MIG_SEC_LAYOUT, slots, (uint64_t)n * sizeof(slots[0]));
	CHECK_EQ(out.err, 0);
	size_t len = (size_t)out.bytes;
	uint8_t *buf = malloc(len);
	CHECK(pread(fd, buf, len, 0) == (ssize_t)len);
	close(fd);
	struct mig_buf b = { buf, len, 0 };
	struct mig_src src = { mig_buf_read, &b };
	err[0] = '\0';
	int rc = mig_read_begin(&src, &img, err, errlen);
	CHECK(rc == 0 || (strncmp(err, "migration stream: ", 18) == 0 && !strchr(err, '\n')));
	mig_image_free(&img);
	free(buf);
	return rc;
}

/* Hotplugged memory in LAYOUT: kvmlab's slot 2 as memctl makes it, and nothing else. */
static void t_hotplug_layout(void)
{
	const struct mig_slot ram = { .id = SLOT_RAM, .gpa = 0, .size = TMEM };
	const struct mig_slot hp = { .id = SLOT_HOTPLUG, .gpa = GPA_HOTPLUG, .size = 2ULL << 20 };
	const struct mig_slot rom = { .id = SLOT_ROM, .flags = KVM_MEM_READONLY, .gpa = 0xFFFF0000, .size = 0x10000 };
	char err[256];

	struct mig_slot ok[] = { ram, hp, rom };
	CHECK_EQ(layout_of(ok, 3, TMEM, err, sizeof(err)), 0);
	CHECK_EQ(layout_of(ok, 2, TMEM, err, sizeof(err)), 0);

	static const struct { const char *what; struct mig_slot s; uint64_t mem; } bad[] = {
		/* RAM up to 3 GiB reaches over GPA_HOTPLUG */
		{ "overlaps slot 0", { .id = SLOT_HOTPLUG, .gpa = GPA_HOTPLUG, .size = 2ULL << 20 }, 3ULL << 30 },
		{ "unknown flags 0x1", { .id = SLOT_HOTPLUG, .flags = KVM_MEM_LOG_DIRTY_PAGES, .gpa = GPA_HOTPLUG, .size = 1 << 20 }, TMEM },
		{ "neither the read-only ROM", { .id = SLOT_HOTPLUG, .flags = KVM_MEM_READONLY, .gpa = GPA_HOTPLUG, .size = 1 << 20 }, TMEM },
		{ "kvmlab hotplugs 1..512 MiB", { .id = SLOT_HOTPLUG, .gpa = GPA_HOTPLUG + (1 << 20), .size = 1 << 20 }, TMEM },
		{ "kvmlab hotplugs 1..512 MiB", { .id = SLOT_HOTPLUG, .gpa = GPA_HOTPLUG, .size = (1 << 20) + 4096 }, TMEM },
		{ "kvmlab hotplugs 1..512 MiB", { .id = SLOT_HOTPLUG, .gpa = GPA_HOTPLUG, .size = 513ULL << 20 }, TMEM },
		{ "id 7 with flags 0x0", { .id = 7, .gpa = GPA_HOTPLUG, .size = 1 << 20 }, TMEM },
		{ "not page aligned or empty", { .id = SLOT_HOTPLUG, .gpa = GPA_HOTPLUG, .size = 0 }, TMEM },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mig_slot two[] = { { .id = SLOT_RAM, .gpa = 0, .size = bad[i].mem }, bad[i].s };
		CHECK_EQ(layout_of(two, 2, bad[i].mem, err, sizeof(err)), -1);
		CHECK(strstr(err, bad[i].what) != NULL);
	}
	/* Two hotplug slots (one id twice), a ROM over the hotplugged memory, RAM that is no RAM. */
	struct mig_slot twice[] = { ram, hp, { .id = SLOT_HOTPLUG, .gpa = GPA_HOTPLUG + (4 << 20), .size = 1 << 20 } };
	CHECK_EQ(layout_of(twice, 3, TMEM, err, sizeof(err)), -1);
	CHECK(strstr(err, "duplicate slot id 2") != NULL);
	struct mig_slot over[] = { ram, hp, { .id = SLOT_ROM, .flags = KVM_MEM_READONLY, .gpa = GPA_HOTPLUG, .size = 0x10000 } };
	CHECK_EQ(layout_of(over, 3, TMEM, err, sizeof(err)), -1);
	CHECK(strstr(err, "slot 2 overlaps slot 1") != NULL);
	struct mig_slot notram[] = { { .id = SLOT_HOTPLUG, .gpa = 0, .size = TMEM } };
	CHECK_EQ(layout_of(notram, 1, TMEM, err, sizeof(err)), -1);
	CHECK(strstr(err, "first slot must be RAM") != NULL);
	/* More slots than a stream may hold: the LAYOUT's length is refused before any is read. */
	struct mig_slot many[MIG_SLOTS_MAX + 1];
	for (uint32_t i = 0; i < MIG_SLOTS_MAX + 1; i++)
		many[i] = (struct mig_slot){ .id = i, .gpa = (uint64_t)i << 20, .size = 4096 };
	many[0].size = TMEM;
	CHECK_EQ(layout_of(many, MIG_SLOTS_MAX + 1, TMEM, err, sizeof(err)), -1);
	CHECK(strstr(err, "LAYOUT with 1..8 slots") != NULL);
}

/* ---- the interrupt controllers (vmm/migrate/irqstate.c) ---- */

/* An IRQCHIP section as KVM_GET_IRQCHIP gives it after reset: PICs at power-on
 * (KVM's ELCR masks), the IOAPIC at its base with every entry masked. */
static struct mig_irqchip irqchip_good(void)
{
	struct mig_irqchip m;

	memset(&m, 0, sizeof(m));
	m.version = MIG_IRQCHIP_VERSION;
	for (uint32_t i = 0; i < MIG_IRQCHIP_CHIPS; i++)
		m.chip[i].chip_id = i;
	m.chip[0].chip.pic.elcr_mask = 0xF8;
	m.chip[1].chip.pic.elcr_mask = 0xDE;
	m.chip[0].chip.pic.irq_base = 0x20;
	m.chip[0].chip.pic.imr = 0xFF;
	struct kvm_ioapic_state *io = &m.chip[2].chip.ioapic;
	io->base_address = 0xFEC00000;
	for (int i = 0; i < KVM_IOAPIC_NUM_PINS; i++)
		io->redirtbl[i].bits = 1ULL << 16;
	io->redirtbl[4].bits = 0x0100000000000000ULL | 1ULL << 15 | 1ULL << 14 | 0x46;  /* level, in service */
	io->irr = 1u << 4;
	return m;
}

static void t_irqchip_section_checks(void)
{
	struct mig_irqchip m = irqchip_good();
	char err[256];

	CHECK_EQ(mig_irqchip_check(&m, err, sizeof(err)), 0);
	static const struct { const char *what; int field; } lies[] = {
		{ "version", 0 }, { "unknown flags", 1 }, { "has id", 2 }, { "padding", 3 }, { "bytes past", 4 },
		{ "one-bit", 5 }, { "multiple of 8", 6 }, { "priority", 7 }, { "init state", 8 }, { "mask must be", 9 },
		{ "mask must be", 10 }, { "IOAPIC at", 11 }, { "IOREGSEL", 12 }, { "IOREGSEL", 13 }, { "IOREGSEL", 14 },
		{ "reserved bits", 15 }, { "Remote IRR on an edge", 16 }, { "without the PIT flag", 17 },
		{ "PIT channel 1", 18 }, { "PIT channel 2", 19 }, { "PIT flags", 20 },
	};
	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		m = irqchip_good();
		struct kvm_ioapic_state *io = &m.chip[2].chip.ioapic;
		switch (lies[i].field) {
		case 0: m.version = 2; break;
		case 1: m.flags = 2; break;
		case 2: m.chip[1].chip_id = 2; break;
		case 3: m.chip[0].pad = 1; break;
		case 4: m.chip[0].chip.dummy[sizeof(struct kvm_pic_state)] = 1; break;
		case 5: m.chip[1].chip.pic.auto_eoi = 2; break;
		case 6: m.chip[0].chip.pic.irq_base = 0x21; break;
		case 7: m.chip[0].chip.pic.priority_add = 8; break;
		case 8: m.chip[1].chip.pic.init_state = 4; break;
		case 9: m.chip[0].chip.pic.elcr_mask = 0xFF; break;               /* IRQ 0-2 level */
		case 10: m.chip[1].chip.pic.elcr = 0x01; break;                   /* IRQ 8 level */
		case 11: io->base_address = 0xFEE00000; break;                   /* over the LAPIC */
		case 12: io->ioregsel = 0x100; break;
		case 13: io->id = 16; break;
		case 14: io->irr = 1u << 24; break;
		case 15: io->redirtbl[3].bits |= 1ULL << 40; break;
		case 16: io->redirtbl[4].bits &= ~(1ULL << 15); break;
		case 17: m.pit.channels[0].count = 1; break;
		case 18: m.flags = MIG_IRQCHIP_PIT; m.pit.channels[1].mode = 6; break;
		case 19: m.flags = MIG_IRQCHIP_PIT; m.pit.channels[2].count = 0x10001; break;
		case 20: m.flags = MIG_IRQCHIP_PIT; m.pit.reserved[0] = 1; break;
		}
		err[0] = '\0';
		CHECK_EQ(mig_irqchip_check(&m, err, sizeof(err)), -1);
		CHECK(strstr(err, lies[i].what) != NULL && strchr(err, '\n') == NULL);
	}
	m = irqchip_good();
	m.flags = MIG_IRQCHIP_PIT;                      /* a PIT as KVM resets it: mode 0xFF, gate 1 */
	for (int c = 0; c < 3; c++) {
		m.pit.channels[c].mode = 0xFF;
		m.pit.channels[c].gate = c != 2;
	}
	CHECK_EQ(mig_irqchip_check(&m, err, sizeof(err)), 0);
}

static struct mig_ioapic ioapic_good(void)
{
	struct mig_ioapic m = { .version = MIG_IOAPIC_VERSION, .pins = MIG_IOAPIC_PINS, .ioregsel = 0x18, .id = 2,
				.wire = 1u << 4, .messages = 7 };

	for (int i = 0; i < IOAPIC_PINS; i++)
		m.rte[i] = 1ULL << 16;
	m.rte[4] = 1ULL << 15 | 1ULL << 14 | 0x46;     /* level, Remote IRR: the EOI is still to come */
	m.rte[16] = 0x51;                               /* edge, unmasked */
	m.rte[5] = 3ULL << 8 | 0x30;                    /* a reserved delivery mode: kept, dropped at delivery */
	return m;
}

static void t_ioapic_section_checks(void)
{
	struct mig_ioapic m = ioapic_good();
	char err[256];

	CHECK_EQ(mig_ioapic_check(&m, err, sizeof(err)), 0);
	static const struct { const char *what; int field; } lies[] = {
		{ "version", 0 }, { "pins", 1 }, { "IOREGSEL", 2 }, { "IOREGSEL", 3 }, { "wires", 4 }, { "reserved field", 5 },
		{ "entry 9 has reserved bits", 6 }, { "entry 9 has reserved bits", 7 }, { "send pending", 8 },
		{ "Remote IRR on an edge", 9 },
	};
	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		m = ioapic_good();
		switch (lies[i].field) {
		case 0: m.version = 0; break;
		case 1: m.pins = 240; break;
		case 2: m.ioregsel = 0x1FF; break;
		case 3: m.id = 0x10; break;
		case 4: m.wire = 1u << 24; break;
		case 5: m.reserved = 1; break;
		case 6: m.rte[9] |= 1ULL << 17; break;
		case 7: m.rte[9] |= 1ULL << 55; break;
		case 8: m.rte[0] |= 1ULL << 12; break;
		case 9: m.rte[16] |= 1ULL << 14; break;
		}
		err[0] = '\0';
		CHECK_EQ(mig_ioapic_check(&m, err, sizeof(err)), -1);
		CHECK(strstr(err, lies[i].what) != NULL && strchr(err, '\n') == NULL);
	}
}

/* A stream of model irqchip (1 kernel, 2 split): every vCPU with LAPIC state, and
 * section sec (IRQCHIP, IOAPIC or none if 0) after the clock; uart_flags in the UART. */
static uint8_t *build_irq(uint32_t irqchip, uint32_t sec, const void *data, size_t dlen, uint8_t uart_flags,
			  size_t *len)
{
	int fd = memfd_create("migstream", 0);
	struct mig_out out = { .fd = fd };
	struct mig_config cfg = { .vcpus = 1, .irqchip = irqchip, .mem = TMEM };
	struct guest_mem m = { .hva = ram_src, .size = TMEM };
	struct kvm_cpuid_entry2 cpuid = { .function = 0, .eax = 0xd };
	static struct mig_vcpu v;
	struct kvm_clock_data clock = { .clock = 1 };
	struct mig_uart uart = { .lcr = 3, .flags = uart_flags };

	memset(&v, 0, sizeof(v));
	v.flags = MIG_VCPU_LAPIC;
	mig_write_header(&out);
	mig_write_section(&out, MIG_SEC_CONFIG, &cfg, sizeof(cfg));
	mig_write_layout(&out, &m);
	mig_write_section(&out, MIG_SEC_CPUID, &cpuid, sizeof(cpuid));
	mig_write_section(&out, MIG_SEC_VCPU, &v, offsetof(struct mig_vcpu, msrs));
	mig_write_section(&out, MIG_SEC_CLOCK, &clock, sizeof(clock));
	if (sec)
		mig_write_section(&out, sec, data, dlen);
	mig_write_section(&out, MIG_SEC_UART, &uart, sizeof(uart));
	mig_write_section(&out, MIG_SEC_PAYLOAD, "p", 1);
	mig_write_section(&out, MIG_SEC_END, NULL, 0);
	CHECK_EQ(out.err, 0);
	*len = (size_t)out.bytes;
	uint8_t *buf = malloc(*len);
	CHECK(pread(fd, buf, *len, 0) == (ssize_t)*len);
	close(fd);
	return buf;
}

static void irq_stream(uint32_t irqchip, uint32_t sec, const void *data, size_t dlen, uint8_t uart_flags,
		       const char *text)
{
	size_t len;
	uint8_t *buf = build_irq(irqchip, sec, data, dlen, uart_flags, &len);
	struct mig_image img;
	char err[256] = "";
	int rc = load(buf, len, &img, err, sizeof(err));

	if (!text) {
		CHECK_EQ(rc, 0);
		CHECK(img.have_irqchip == (sec == MIG_SEC_IRQCHIP) && img.have_ioapic == (sec == MIG_SEC_IOAPIC));
	} else {
		CHECK_EQ(rc, -1);
		CHECK(strstr(err, text) != NULL && strchr(err, '\n') == NULL);
	}
	mig_image_free(&img);
	/* Every truncation of it is refused too. */
	for (size_t cut = 0; !text && cut < len; cut += 97) {
		CHECK_EQ(load(buf, cut, &img, err, sizeof(err)), -1);
		mig_image_free(&img);
	}
	free(buf);
}

static void t_irq_sections_in_the_stream(void)
{
	struct mig_irqchip k = irqchip_good();
	struct mig_ioapic s = ioapic_good();

	irq_stream(1, MIG_SEC_IRQCHIP, &k, sizeof(k), 0, NULL);
	irq_stream(2, MIG_SEC_IOAPIC, &s, sizeof(s), MIG_UART_IRQ_LINE, NULL);     /* pin 4's wire = IRQ 4 */
	/* A section the model needs is missing, or belongs to the other model. */
	irq_stream(1, 0, NULL, 0, 0, "interrupt model kernel without an IRQCHIP section");
	irq_stream(2, 0, NULL, 0, 0, "interrupt model split without an IOAPIC section");
	irq_stream(2, MIG_SEC_IRQCHIP, &k, sizeof(k), 0, "interrupt model split (only kernel");
	irq_stream(1, MIG_SEC_IOAPIC, &s, sizeof(s), 0, "interrupt model kernel (only split");
	irq_stream(3, 0, NULL, 0, 0, "irqchip is 3");
	/* Wrong length; a lie inside, found by the section's own check. */
	irq_stream(1, MIG_SEC_IRQCHIP, &k, sizeof(k) - 4, 0, "IRQCHIP section: twice, of");
	s.rte[7] |= 1ULL << 20;
	irq_stream(2, MIG_SEC_IOAPIC, &s, sizeof(s), MIG_UART_IRQ_LINE, "entry 7 has reserved bits");
	/* The UART's line and pin 4's wire must agree; an unknown UART flag is refused. */
	s = ioapic_good();
	irq_stream(2, MIG_SEC_IOAPIC, &s, sizeof(s), 0, "disagree on IRQ 4");
	irq_stream(2, MIG_SEC_IOAPIC, &s, sizeof(s), MIG_UART_IRQ_LINE | 4, "UART section: unknown flags");
}

static void t_irqchip_stream_twice(void)
{
	/* Two IRQCHIP sections: the second is refused. */
	struct mig_irqchip k = irqchip_good();
	uint8_t two[2 * (16 + sizeof(k))];

	for (int i = 0; i < 2; i++) {
		uint32_t h[4] = { MIG_SEC_IRQCHIP, 0, (uint32_t)sizeof(k), 0 };
		memcpy(two + i * (16 + sizeof(k)), h, 16);
		memcpy(two + i * (16 + sizeof(k)) + 16, &k, sizeof(k));
	}
	size_t len;
	uint8_t *buf = build_irq(1, MIG_SEC_IRQCHIP, &k, sizeof(k), 0, &len);
	/* Splice: header .. clock, then the two sections from two[], then UART .. END. */
	size_t sec_at = 0;
	for (size_t off = 24; off + 16 <= len;) {
		uint32_t t; uint64_t l;
		memcpy(&t, buf + off, 4);
		memcpy(&l, buf + off + 8, 8);
		if (t == MIG_SEC_IRQCHIP) { sec_at = off; break; }
		off += 16 + l;
	}
	CHECK(sec_at != 0);
	size_t rest = len - sec_at - 16 - sizeof(k);
	uint8_t *spliced = malloc(sec_at + sizeof(two) + rest);
	memcpy(spliced, buf, sec_at);
	memcpy(spliced + sec_at, two, sizeof(two));
	memcpy(spliced + sec_at + sizeof(two), buf + sec_at + 16 + sizeof(k), rest);
	struct mig_image img;
	char err[256] = "";
	CHECK_EQ(load(spliced, sec_at + sizeof(two) + rest, &img, err, sizeof(err)), -1);
	CHECK(strstr(err, "IRQCHIP section: twice") != NULL);
	mig_image_free(&img);
	free(spliced);
	free(buf);
}

/* A received guest's level pin whose Remote IRR is set while its vector is in no
 * vCPU's IRR or ISR (SDM Vol. 3A Table 11-1: ISR 0x100, IRR 0x200) had its EOI
 * written on the source and held there by KVM (mig_irq_vcpus_loaded). */
struct carried_msgs { int n; };

static int carried_send(void *ctx, const struct ioapic_msi *m)
{
	(void)m;
	((struct carried_msgs *)ctx)->n++;
	return 0;
}

static int carried_routes(void *ctx, const struct ioapic_msi *msi, int n)
{
	(void)ctx; (void)msi; (void)n;
	return 0;
}

static void carried(unsigned lapic_reg, bool wire, uint64_t want_carried, int want_sent, bool want_rirr)
{
	const uint8_t vector = 0x30;
	const uint64_t level = 1ULL << 15, rirr = 1ULL << 14;   /* 82093AA 3.2.4 */
	struct iodev *io = calloc(1, sizeof(*io));
	struct vm vm = { .io = io, .cfg = { .irqchip = IRQ_SPLIT } };
	struct mig_vcpu vs = { .flags = MIG_VCPU_LAPIC };
	struct mig_image img = { .cfg = { .irqchip = IRQ_SPLIT, .vcpus = 1 }, .vcpu = &vs };
	struct carried_msgs msgs = { 0 };
	struct ioapic *a = &io->ioapic;

	pthread_mutex_init(&a->lock, NULL);
	ioapic_reset(a);
	a->send = carried_send;
	a->routes = carried_routes;
	a->ctx = &msgs;
	a->rte[4] = level | rirr | vector;              /* unmasked, in service somewhere */
	a->wire = wire ? 1u << 4 : 0;
	if (lapic_reg)
		vs.lapic.regs[lapic_reg + (vector / 32) * 0x10 + (vector % 32) / 8] |= (char)(1 << (vector % 8));
	mig_irq_vcpus_loaded(&vm, &img);
	CHECK_EQ(a->eois_carried, want_carried);
	CHECK_EQ(msgs.n, want_sent);
	CHECK_EQ((a->rte[4] & rirr) != 0, want_rirr);
	pthread_mutex_destroy(&a->lock);
	free(io);
}

static void t_split_ioapic_eoi_held_by_the_source(void)
{
	/* In no LAPIC, line still asserted: the EOI now, and the next message (Remote IRR set again). */
	carried(0, true, 1, 1, true);
	/* In no LAPIC, line low: the EOI clears Remote IRR and nothing is sent. */
	carried(0, false, 1, 0, false);
	/* In service (ISR) or pending (IRR) in the LAPIC: the EOI is still to come, nothing changes. */
	carried(0x100, true, 0, 0, true);
	carried(0x200, true, 0, 0, true);
}

const struct unit_test migrate_stream_tests[] = {
	UNIT(t_hotplug_layout),
	UNIT(t_memctl_in_the_stream),
	UNIT(t_postcopy_ram_before_end_is_refused),
	UNIT(t_irqchip_section_checks), UNIT(t_ioapic_section_checks), UNIT(t_irq_sections_in_the_stream),
	UNIT(t_irqchip_stream_twice), UNIT(t_split_ioapic_eoi_held_by_the_source),
	UNIT(t_virtio_section_checks), UNIT(t_net_and_balloon_sections), UNIT(t_balloon_pages),
	UNIT(t_balloon_in_the_stream),
	UNIT(t_addresses),
	UNIT(t_round_trip), UNIT(t_every_truncation_refused), UNIT(t_bad_header_fields),
	UNIT(t_bad_config_and_layout), UNIT(t_bad_ram_sections), UNIT(t_bad_vcpu_section),
	UNIT(t_missing_parts), { 0 }
};
