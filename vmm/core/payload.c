/*
 * payload.c - load and validate a payload file.
 *
 * The header is untrusted input: every field is checked before kvmlab acts
 * on it, and each kind of defect has its own exit code (kvmlab.h) so that
 * scripts and tests can tell them apart.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvmlab.h"

#define PAYLOAD_FILE_MAX  MEM_MAX       /* no payload can be larger than the largest RAM */
#define PATH_SHOWN        256           /* path bytes quoted in an error: the reason must still fit */

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, errlen, "payload header: ");

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < errlen)
		vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
	return code;
}

const char *mode_name(int mode)
{
	switch (mode) {
	case MODE_REAL: return "real";
	case MODE_PROT: return "protected";
	case MODE_LONG: return "long";
	}
	return "unknown";
}

static bool printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i]; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return true;
}

/* After the first NUL, only NULs (guest-abi.md: "then only NULs"). */
static bool nul_padded(const char *s, size_t n)
{
	for (size_t i = strnlen(s, n); i < n; i++)
		if (s[i])
			return false;
	return true;
}

int payload_parse(const uint8_t *buf, size_t len, struct payload *p, char *err, size_t errlen)
{
	const struct payload_hdr *h = &p->hdr;

	if (len < sizeof(p->hdr))
		return fail(err, errlen, XC_PAYLOAD_TRUNC,
			    "file is %zu bytes, shorter than the %d-byte header", len, KVMLAB_HDR_SIZE);
	memcpy(&p->hdr, buf, sizeof(p->hdr));
	p->data = (uint8_t *)buf;
	p->size = len;

	if (h->magic != KVMLAB_MAGIC)
		return fail(err, errlen, XC_PAYLOAD_MAGIC,
			    "bad magic 0x%08x (want 0x%08x \"KVML\"): not a kvmlab payload",
			    h->magic, KVMLAB_MAGIC);
	if (h->abi_version != KVMLAB_ABI_VERSION)
		return fail(err, errlen, XC_PAYLOAD_VERSION,
			    "ABI version %u, this kvmlab speaks version %d",
			    h->abi_version, KVMLAB_ABI_VERSION);
	if (h->hdr_size != KVMLAB_HDR_SIZE)
		return fail(err, errlen, XC_PAYLOAD_FIELD,
			    "hdr_size %u, want %d", h->hdr_size, KVMLAB_HDR_SIZE);
	if (h->mode != MODE_REAL && h->mode != MODE_PROT && h->mode != MODE_LONG)
		return fail(err, errlen, XC_PAYLOAD_MODE,
			    "unknown CPU mode %u (1 real, 2 protected, 3 long)", h->mode);
	if ((h->flags & ~KVMLAB_FLAGS_KNOWN) || h->reserved0[0] || h->reserved0[1] || h->reserved0[2])
		return fail(err, errlen, XC_PAYLOAD_FIELD,
			    "flags 0x%x: unknown flag bits (known 0x%x) / reserved bytes must be zero in ABI version %d",
			    h->flags, KVMLAB_FLAGS_KNOWN, KVMLAB_ABI_VERSION);
	/* A payload states one interrupt model (vmm/core/irqchip.c). */
	if ((h->flags & KVMLAB_FLAG_IRQCHIP) && (h->flags & KVMLAB_FLAG_SPLIT_IRQCHIP))
		return fail(err, errlen, XC_PAYLOAD_FIELD,
			    "flags 0x%x: KVMLAB_FLAG_IRQCHIP and KVMLAB_FLAG_SPLIT_IRQCHIP exclude each other "
			    "(one interrupt model)", h->flags);
	/* Only a LAPIC in KVM can receive INIT and SIPI (SDM Vol. 3A 10.4.4). */
	if ((h->flags & KVMLAB_FLAG_AP_SIPI) && !(h->flags & (KVMLAB_FLAG_IRQCHIP | KVMLAB_FLAG_SPLIT_IRQCHIP)))
		return fail(err, errlen, XC_PAYLOAD_FIELD,
			    "flags 0x%x: KVMLAB_FLAG_AP_SIPI needs an interrupt model with a LAPIC in KVM "
			    "(KVMLAB_FLAG_IRQCHIP or KVMLAB_FLAG_SPLIT_IRQCHIP)", h->flags);
	if (h->name[0] == '\0' || h->name[KVMLAB_NAME_MAX - 1] != '\0' ||
	    !printable(h->name, KVMLAB_NAME_MAX) || !nul_padded(h->name, KVMLAB_NAME_MAX))
		return fail(err, errlen, XC_PAYLOAD_FIELD,
			    "name must be 1-%d printable ASCII characters, NUL padded",
			    KVMLAB_NAME_MAX - 1);
	memcpy(p->name, h->name, KVMLAB_NAME_MAX);

	p->desc = "";
	if (h->desc_offset) {
		const char *d = (const char *)buf + h->desc_offset;
		size_t room = h->desc_offset < len ? len - h->desc_offset : 0;
		size_t n = room ? strnlen(d, room < KVMLAB_DESC_MAX + 1 ? room : KVMLAB_DESC_MAX + 1) : 0;

		if (h->desc_offset < KVMLAB_HDR_SIZE || room == 0)
			return fail(err, errlen, XC_PAYLOAD_FIELD,
				    "desc_offset %u is outside the file (%zu bytes)", h->desc_offset, len);
		if (n == room || n > KVMLAB_DESC_MAX || !printable(d, n))
			return fail(err, errlen, XC_PAYLOAD_FIELD,
				    "description at %u must be a NUL-terminated printable string of at most %d bytes",
				    h->desc_offset, KVMLAB_DESC_MAX);
		p->desc = d;
	}

	/* Load address: above kvmlab's structures, below the MMIO window. */
	uint64_t load = h->load_addr;
	if (load % KVMLAB_LOAD_ALIGN)
		return fail(err, errlen, XC_PAYLOAD_LOAD,
			    "load address 0x%" PRIx64 " is not 4 KiB aligned", load);
	if (load < GPA_LOAD_MIN)
		return fail(err, errlen, XC_PAYLOAD_LOAD,
			    "load address 0x%" PRIx64 " overlaps kvmlab's structures below 0x%llx",
			    load, GPA_LOAD_MIN);
	if (len > PAYLOAD_FILE_MAX || load + len > GPA_MMIO_BASE)
		return fail(err, errlen, XC_PAYLOAD_SIZE,
			    "%zu bytes at 0x%" PRIx64 " reach past the end of RAM space (0x%llx)",
			    len, load, GPA_MMIO_BASE);
	/* Real mode reaches 1 MiB only, and kvmlab gives it a 64 KiB segment at load. */
	if (h->mode == MODE_REAL && (load + REAL_SEG_SIZE > GPA_REAL_LIMIT || len > REAL_SEG_SIZE))
		return fail(err, errlen, XC_PAYLOAD_LOAD,
			    "real-mode payload at 0x%" PRIx64 " (%zu bytes): its 64 KiB segment must end below 1 MiB",
			    load, len);
	if (h->entry < KVMLAB_HDR_SIZE || h->entry >= len)
		return fail(err, errlen, XC_PAYLOAD_ENTRY,
			    "entry offset 0x%x is outside the code (file is %zu bytes, header %d)",
			    h->entry, len, KVMLAB_HDR_SIZE);
	return XC_OK;
}

int payload_check_fit(const struct payload *p, uint64_t mem, char *err, size_t errlen)
{
	uint64_t end = (uint64_t)p->hdr.load_addr + p->size;

	if (p->hdr.mode == MODE_REAL)
		end = (uint64_t)p->hdr.load_addr + REAL_SEG_SIZE;     /* its stack is at the segment top */
	if (end > mem)
		return fail(err, errlen, XC_PAYLOAD_SIZE,
			    "payload needs RAM up to 0x%" PRIx64 " but guest RAM is %" PRIu64 " KiB (--mem)",
			    end, mem >> 10);
	if ((uint64_t)p->hdr.min_mem_kib << 10 > mem)
		return fail(err, errlen, XC_PAYLOAD_SIZE,
			    "payload asks for at least %u KiB of RAM, guest has %" PRIu64 " KiB (raise --mem)",
			    p->hdr.min_mem_kib, mem >> 10);
	return XC_OK;
}

int payload_load(const char *path, struct payload *p, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	memset(p, 0, sizeof(*p));
	p->path = path;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);    /* O_NONBLOCK: a FIFO must not hang us */
	if (fd < 0) {
		snprintf(err, errlen, "cannot open payload %.*s: %s", PATH_SHOWN, path, strerror(errno));
		return XC_PAYLOAD_IO;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "payload %.*s is not a regular file", PATH_SHOWN, path);
		close(fd);
		return XC_PAYLOAD_IO;
	}
	if ((uint64_t)st.st_size > PAYLOAD_FILE_MAX) {
		snprintf(err, errlen, "payload header: %.*s is %lld bytes, larger than any guest RAM",
			 PATH_SHOWN, path, (long long)st.st_size);
		close(fd);
		return XC_PAYLOAD_SIZE;
	}
	size_t len = st.st_size;
	uint8_t *buf = malloc(len ? len : 1);
	size_t got = 0;
	while (buf && got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	close(fd);
	if (!buf || got != len) {
		snprintf(err, errlen, "cannot read payload %.*s: %s", PATH_SHOWN, path,
			 buf ? "short read" : "out of memory");
		free(buf);
		return XC_PAYLOAD_IO;
	}
	int rc = payload_parse(buf, len, p, err, errlen);
	p->path = path;
	if (rc != XC_OK) {
		free(buf);
		p->data = NULL;
	}
	return rc;
}

void payload_free(struct payload *p)
{
	free(p->data);
	p->data = NULL;
}

uint64_t payload_default_mem(const struct payload *p, uint64_t need)
{
	uint64_t want = (uint64_t)p->hdr.min_mem_kib << 10;

	if (need > want)
		want = need;
	want = (want + 4095) / 4096 * 4096;
	return want > MEM_DEFAULT ? want : MEM_DEFAULT;
}

/* Where an installed kvmlab keeps its payloads, relative to bin/kvmlab (make install). */
#define PAYLOADS_INSTALLED "/../share/kvmlab/payloads"
#define PAYLOADS_BUILD     "/payloads"          /* build/kvmlab beside build/payloads */

/* $KVMLAB_PAYLOADS, else the installed catalogue, else "payloads" beside the
 * running binary (build/kvmlab -> build/payloads), so kvmlab, the unit tests
 * and the fuzzers agree. */
const char *payload_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("KVMLAB_PAYLOADS");
	struct stat st;

	if (env && *env)
		return env;
	ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - sizeof(PAYLOADS_INSTALLED));
	if (n <= 0)
		return "build/payloads";
	dir[n] = '\0';
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	size_t len = strlen(dir);
	strcat(dir, PAYLOADS_INSTALLED);
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
		static char shown[PATH_MAX];    /* PREFIX/share/..., not PREFIX/bin/../share/... */
		return realpath(dir, shown) ? shown : dir;
	}
	dir[len] = '\0';
	strcat(dir, PAYLOADS_BUILD);
	return dir;
}

const char *payload_resolve(const char *arg, char *buf, size_t n)
{
	if (access(arg, F_OK) == 0 || arg[0] == '/')
		return arg;
	snprintf(buf, n, "%s/%s%s", payload_dir(), arg, strstr(arg, ".bin") ? "" : ".bin");
	return access(buf, F_OK) == 0 ? buf : arg;
}
