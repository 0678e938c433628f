/*
 * cmd_domxml.c - libvirt's domain XML as another way to write kvmlab's
 * options: `kvmlab run --domain FILE` (domxml_load) and `kvmlab domxml
 * [options] PAYLOAD` (cmd_domxml), which prints the document for a command
 * line.  The mapping, one element per option (docs/domxml.md):
 *
 *   <memory>                     --mem
 *   <currentMemory> + <memballoon model='virtio'/>   --balloon (memory - currentMemory) / 4 KiB
 *   <vcpu>                       --vcpus
 *   <cputune><vcpupin .../>      --pin (one CPU per vCPU, every vCPU)
 *   <os><kernel>                 the PAYLOAD
 *   <disk type='file'> raw       --blk
 *   <serial>/<console type='pty'>  kvmlab's COM1 and console (always there)
 *   <interface type='ethernet'>  --net (a tap in a private network namespace, docs/io.md)
 *
 * Options after --domain override what the document said, as later options
 * override earlier ones.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvmlab.h"

#define DOMXML_READ_MAX (64u << 10)     /* domxml.c refuses larger documents */

static int load_fail(struct cli *c, const char *fmt, const char *what)
{
	snprintf(c->domain_err, sizeof(c->domain_err), fmt, what);
	c->domain_rc = XC_DOMAIN_XML;
	return -1;
}

/* The file, whole, into buf (a regular file of at most DOMXML_READ_MAX + 1 bytes read). */
static int read_doc(struct cli *c, const char *path, char *buf, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return load_fail(c, "%s", strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return load_fail(c, "%s", "not a regular file");
	}
	ssize_t n = read(fd, buf, DOMXML_READ_MAX + 1);
	close(fd);
	if (n < 0)
		return load_fail(c, "%s", strerror(errno));
	*len = (size_t)n;
	return 0;
}

int domxml_load(struct cli *c, const char *path)
{
	char *buf = malloc(DOMXML_READ_MAX + 1);
	struct domain_spec *d = calloc(1, sizeof(*d));
	size_t len = 0;

	if (!buf || !d) {
		free(buf);
		free(d);
		return load_fail(c, "%s", "out of memory");
	}
	int prc = 0;
	if (read_doc(c, path, buf, &len) != 0 ||
	    (prc = domxml_parse(buf, len, d, c->domain_err, sizeof(c->domain_err))) != 0) {
		if (!c->domain_rc)
			c->domain_rc = prc == -2 ? XC_HOST : XC_DOMAIN_XML;
		free(buf);
		free(d);
		return -1;
	}
	free(buf);
	free(c->domain);                /* a second --domain replaces the first */
	c->domain = d;
	struct vm_config *cfg = &c->cfg;
	cfg->mem = d->mem;
	c->mem_given = true;
	cfg->vcpus = d->vcpus > 1 || d->pin_set ? d->vcpus : 0;    /* 0: one vCPU on the main thread */
	cfg->npin = 0;
	if (d->pin_set) {
		for (int i = 0; i < d->vcpus; i++)
			cfg->pin[i] = d->pin[i];
		cfg->npin = d->vcpus;
	}
	cfg->io.blk_path = d->disk[0] ? d->disk : NULL;
	cfg->io.balloon = d->memballoon;
	cfg->io.net = d->net;
	cfg->io.balloon_pages = (uint32_t)((d->mem - d->current) / 4096);
	return 0;
}

/* "kvmlab-" and the payload's file name without directory and ".bin". */
static void default_name(char *out, size_t n, const char *payload)
{
	const char *base = strrchr(payload, '/') ? strrchr(payload, '/') + 1 : payload;
	size_t len = strlen(base);

	if (len > 4 && !strcmp(base + len - 4, ".bin"))
		len -= 4;
	snprintf(out, n, "kvmlab-%.*s", (int)len, base);
	for (char *p = out; *p; p++)
		if (!(*p == '-' || *p == '_' || *p == '.' || (*p >= '0' && *p <= '9') ||
		      (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			*p = '_';
}

int cmd_domxml(struct cli *c)
{
	struct domain_spec d = { 0 };
	const struct vm_config *cfg = &c->cfg;

	if (c->json)
		return usage_fail("domxml", "prints XML: --json has no meaning here");
	if (c->domain) {
		d = *c->domain;         /* name, uuid, machine and serial come from the document */
	} else {
		default_name(d.name, sizeof(d.name), c->payload);
		d.serial = true;        /* kvmlab's COM1 is always there */
	}
	if (strlen(c->payload) >= sizeof(d.kernel))
		return usage_fail("domxml", "the payload path is longer than %zu bytes", sizeof(d.kernel) - 1);
	snprintf(d.kernel, sizeof(d.kernel), "%s", c->payload);
	if (!c->mem_given) {
		struct payload p;
		int rc = cli_payload(c, c->payload, &p);     /* --mem's default is the payload's minimum */
		if (rc != XC_OK)
			return rc;
		payload_free(&p);
	}
	d.mem = cfg->mem;
	d.vcpus = cfg->vcpus ? cfg->vcpus : cfg->npin ? cfg->npin : 1;
	d.pin_set = 0;
	if (cfg->npin) {
		if (cfg->npin != d.vcpus)
			return usage_fail("domxml", "--pin lists %d CPUs for %d vCPUs: give one CPU per vCPU",
					  cfg->npin, d.vcpus);
		for (int i = 0; i < cfg->npin; i++) {
			d.pin[i] = cfg->pin[i];
			d.pin_set |= 1ULL << i;
		}
	}
	char err[256];
	if (balloon_check_fit(&cfg->io, d.mem, err, sizeof(err)) != XC_OK)
		return usage_fail("domxml", "%s", err);
	d.memballoon = cfg->io.balloon;
	d.net = cfg->io.net;
	d.current = d.mem - (cfg->io.balloon ? (uint64_t)cfg->io.balloon_pages * 4096 : 0);
	if (cfg->io.blk_path && strlen(cfg->io.blk_path) >= sizeof(d.disk))
		return usage_fail("domxml", "the --blk path is longer than %zu bytes", sizeof(d.disk) - 1);
	snprintf(d.disk, sizeof(d.disk), "%s", cfg->io.blk_path ? cfg->io.blk_path : "");
	domxml_write(stdout, &d);
	return fflush(stdout) == 0 ? XC_OK : XC_HOST;
}
