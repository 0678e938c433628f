/*
 * ksmctl.c - KSM (kernel samepage merging, 内核同页合并) for `kvmlab run --ksm`,
 * and port PORT_KSM through which a guest watches it (docs/memory.md, "KSM").
 *
 * KSM (Documentation/admin-guide/mm/ksm.rst) scans memory that a process
 * marked with madvise(MADV_MERGEABLE), finds pages with the same contents -
 * in one process or across processes, such as two VMs booted from the same
 * image - and maps them all to one write-protected copy.  A write to such a
 * page faults and gets a private copy again (copy-on-write).  --ksm marks the
 * guest RAM slots; whether anything is merged depends on the global switch
 * /sys/kernel/mm/ksm/run, which kvmlab never touches (the test and the lab
 * set it and put it back).
 *
 * The port: OUT dword = KSM_CMD_* in the low 12 bits, a page-aligned GPA in
 * the rest; IN dword = the last command's answer (-1 for every command
 * without --ksm).  Snapshots read the
 * process's RSS and PSS (/proc/self/smaps_rollup: RSS counts a merged page
 * in every process mapping it, PSS divides it among them), the same two of
 * guest RAM alone (/proc/self/smaps, its mappings), its merged pages
 * (/proc/self/ksm_merging_pages) and the global counters; a page query looks
 * the page's host frame up in /proc/self/pagemap and its KPF_KSM flag in
 * /proc/kpageflags (both need CAP_SYS_ADMIN for frame numbers).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kvmlab.h"

#define KSM_SYSFS           "/sys/kernel/mm/ksm/"
#define KSM_WAIT_NS         10000000L       /* KSM_CMD_WAIT: one 10 ms nap of the vCPU thread */
#define PAGEMAP_PRESENT     (1ULL << 63)    /* Documentation/admin-guide/mm/pagemap.rst */
#define PAGEMAP_PFN_MASK    ((1ULL << 55) - 1)
#define KPF_KSM_BIT         (1ULL << 21)    /* include/uapi/linux/kernel-page-flags.h */
#define HOST_PAGE           4096ULL

/* The first integer in a file (a sysfs/procfs counter), or -1. */
static int64_t read_num(const char *path)
{
	FILE *f = fopen(path, "r");
	long long n = -1;

	if (f) {
		if (fscanf(f, "%lld", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

/* "Rss:" or "Pss:" of /proc/self/smaps_rollup, in kB, or -1. */
static int64_t rollup(const char *key)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	char line[256];
	long long n = -1;
	size_t klen = strlen(key);

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && sscanf(line + klen, "%lld", &n) == 1)
			break;
	fclose(f);
	return n;
}

/*
 * "Rss:" and "Pss:" summed over the mappings of /proc/self/smaps that lie in
 * guest RAM (the slots --ksm marked), in kB; -1 if unreadable.  Unlike the
 * whole process's figures, these move only with the guest's pages: heap,
 * stacks and a sanitizer's shadow memory are not in them (proc.rst, "smaps").
 */
static void ram_usage(const struct ksmctl *k, int64_t *rss, int64_t *pss)
{
	uintptr_t lo[MEMSLOTS_MAX], hi[MEMSLOTS_MAX];
	int n = 0;
	char line[512];
	bool in = false;
	FILE *f;

	*rss = *pss = -1;
	gmem_hold(k->mem);
	for (int i = 0; i < k->mem->nslots; i++) {
		const struct mem_slot *s = &k->mem->slot[i];
		if (s->flags & KVM_MEM_READONLY)
			continue;       /* not marked (ksmctl_setup) */
		lo[n] = (uintptr_t)s->hva;
		hi[n++] = (uintptr_t)s->hva + s->map_size;
	}
	gmem_release(k->mem);   /* only the addresses are used below */
	if (!(f = fopen("/proc/self/smaps", "r")))
		return;
	*rss = *pss = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b;
		long long kb;
		/* A mapping's header: "start-end perms offset dev inode [path]". */
		if (sscanf(line, "%lx-%lx ", &a, &b) == 2) {     /* no field line has "hex-hex" */
			in = false;
			for (int i = 0; i < n; i++)
				in |= a >= lo[i] && b <= hi[i];
		} else if (in && sscanf(line, "Rss: %lld", &kb) == 1) {
			*rss += kb;
		} else if (in && sscanf(line, "Pss: %lld", &kb) == 1) {
			*pss += kb;
		}
	}
	fclose(f);
}

static void snap(const struct ksmctl *k, struct ksm_snap *s)
{
	s->taken = true;
	s->rss_kib = rollup("Rss:");
	s->pss_kib = rollup("Pss:");
	ram_usage(k, &s->ram_rss_kib, &s->ram_pss_kib);
	s->merging_pages = read_num("/proc/self/ksm_merging_pages");
	s->pages_shared = read_num(KSM_SYSFS "pages_shared");
	s->pages_sharing = read_num(KSM_SYSFS "pages_sharing");
}

static int read_u64(const char *path, uint64_t index, uint64_t *v)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r = fd < 0 ? -1 : pread(fd, v, sizeof(*v), (off_t)(index * sizeof(*v)));

	if (fd >= 0)
		close(fd);
	return r == (ssize_t)sizeof(*v) ? 0 : -1;
}

/* 1 if guest page gpa sits on a KSM page, 0 if not, -1 if the host will not say. */
static int64_t page_is_ksm(const struct ksmctl *k, uint64_t gpa)
{
	uint64_t ent, flags;

	gmem_hold(k->mem);
	uint8_t *p = gmem_ptr(k->mem, gpa, HOST_PAGE);
	uint64_t hva = (uint64_t)(uintptr_t)p;
	gmem_release(k->mem);   /* only the address is used below, never the memory */
	if (!p || read_u64("/proc/self/pagemap", hva / HOST_PAGE, &ent) != 0)
		return -1;
	if (!(ent & PAGEMAP_PRESENT))
		return 0;               /* not even there: certainly not merged */
	if (!(ent & PAGEMAP_PFN_MASK) || read_u64("/proc/kpageflags", ent & PAGEMAP_PFN_MASK, &flags) != 0)
		return -1;              /* frame numbers hidden (no CAP_SYS_ADMIN) */
	return (flags & KPF_KSM_BIT) ? 1 : 0;
}

int ksmctl_setup(struct ksmctl *k, const struct guest_mem *mem, bool on, bool sandbox, int backing,
		 char *err, size_t errlen)
{
	pthread_mutex_init(&k->lock, NULL);
	k->mem = mem;
	k->answer = -1;
	if (!on)
		return 0;
	if (sandbox) {
		snprintf(err, errlen, "--ksm: the KSM port reads /proc and naps, which the --sandbox allowlist "
			 "forbids; run without --sandbox");
		return -1;
	}
	/* ksm.rst: only private anonymous pages are merged. */
	if (backing != BACKING_ANON && backing != BACKING_THP) {
		snprintf(err, errlen, "--ksm: KSM merges private anonymous memory only; --backing %s cannot be merged "
			 "(use anon or thp)", backing_name(backing));
		return -1;
	}
	for (int i = 0; i < mem->nslots; i++) {
		const struct mem_slot *s = &mem->slot[i];
		if (s->flags & KVM_MEM_READONLY)
			continue;       /* the ROM: nothing to gain */
		if (madvise(s->hva, s->map_size, MADV_MERGEABLE) != 0) {
			snprintf(err, errlen, "--ksm: madvise(MADV_MERGEABLE) on slot %s: %s (is the kernel built "
				 "with CONFIG_KSM?)", s->name, strerror(errno));
			return -1;
		}
		k->bytes_marked += s->map_size;
	}
	k->on = true;
	return 0;
}

enum action ksmctl_io(struct vcpu *v, struct io_req *io, void *opaque)
{
	struct ksmctl *k = opaque;
	uint32_t word;

	if (io->size != 4 || io->count != 1)
		return vcpu_end(v, END_PROTOCOL, "guest protocol error: KSM port 0x%x takes one 32-bit IN or OUT "
				"(got %u byte%s x%u)", PORT_KSM, io->size, io->size > 1 ? "s" : "", io->count);
	pthread_mutex_lock(&k->lock);
	if (!io->out) {
		uint32_t a = (uint32_t)k->answer;      /* -1 reads 0xFFFFFFFF */
		memcpy(io->data, &a, sizeof(a));
		pthread_mutex_unlock(&k->lock);
		return ACT_CONTINUE;
	}
	memcpy(&word, io->data, sizeof(word));
	/* Without --ksm the port knows nothing and does nothing: no file, no nap
	 * (and so no system call the --sandbox allowlist would refuse). */
	switch (k->on ? word & KSM_CMD_MASK : 0) {
	case KSM_CMD_BEFORE:
	case KSM_CMD_MERGED: {
		bool before = (word & KSM_CMD_MASK) == KSM_CMD_BEFORE;
		struct ksm_snap *s = before ? &k->before : &k->merged;
		snap(k, s);
		k->answer = s->merging_pages;
		/* scripts/ksm-pair waits for "ksm: before" to start ksmd. */
		vlog("ksm: %s: rss %lld KiB, pss %lld KiB (guest RAM: rss %lld, pss %lld), %lld pages merged",
		     before ? "before" : "merged", (long long)s->rss_kib, (long long)s->pss_kib,
		     (long long)s->ram_rss_kib, (long long)s->ram_pss_kib, (long long)s->merging_pages);
		break;
	}
	case KSM_CMD_WAIT: {
		/* A nap, so a guest polling for merges does not spin an emulated loop. */
		struct timespec ts = { 0, KSM_WAIT_NS };
		pthread_mutex_unlock(&k->lock);
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&k->lock);
		k->waits++;
		k->answer = read_num("/proc/self/ksm_merging_pages");
		break;
	}
	case KSM_CMD_PAGE:
		k->page_queries++;
		k->answer = page_is_ksm(k, word & ~KSM_CMD_MASK);
		break;
	default:
		k->answer = -1;
	}
	pthread_mutex_unlock(&k->lock);
	return ACT_CONTINUE;
}
