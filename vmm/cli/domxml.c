/*
 * domxml.c - the subset of libvirt's domain XML that kvmlab understands
 * (docs/domxml.md; libvirt's schema: https://libvirt.org/formatdomain.html,
 * src/conf/schemas/domaincommon.rng).
 *
 * libvirt describes a VM as one XML document; `virsh define` stores it and
 * `virsh start` turns it into a QEMU command line.  kvmlab does the same in
 * miniature: `kvmlab run --domain vm.xml` turns the document into kvmlab's
 * options, `kvmlab domxml ...` turns options back into a document.  The file
 * is untrusted input: it is parsed by libxml2 with the network and DTDs
 * refused, and every element and attribute is checked against the table
 * below.  Anything outside it is named in a one-line error - kvmlab never
 * ignores configuration it does not implement, so a domain never runs
 * differently from what its XML says.
 */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kvmlab.h"

/* libxml2 is loaded on first use (dlopen), as libcapstone is (vmm/report/disasm.c):
 * linked, it and what it pulls in (ICU's 30 MiB of data, libstdc++, zlib, liblzma)
 * cost every kvmlab start about a millisecond of relocations, a third of a
 * one-exit run, for the few runs that read a domain document (docs/measurement.md). */
#define LIBXML2_SONAME "libxml2.so.2"

static struct {
	void (*set_generic_error)(void *, xmlGenericErrorFunc);
	xmlDoc *(*read_memory)(const char *, int, const char *, const char *, int);
	xmlError *(*last_error)(void);
	void (*reset_last_error)(void);
	void (*free_doc)(xmlDoc *);
	xmlNode *(*root_element)(const xmlDoc *);
	long (*line_no)(const xmlNode *);
	bool ok;
	char why[160];
} X;
static pthread_once_t x_once = PTHREAD_ONCE_INIT;

static void x_resolve(void)
{
	void *h = dlopen(LIBXML2_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		snprintf(X.why, sizeof(X.why), "cannot load " LIBXML2_SONAME " (Debian package libxml2; scripts/deps.sh): %s",
			 dlerror());
		return;
	}
	*(void **)&X.set_generic_error = dlsym(h, "xmlSetGenericErrorFunc");
	*(void **)&X.read_memory = dlsym(h, "xmlReadMemory");
	*(void **)&X.last_error = dlsym(h, "xmlGetLastError");
	*(void **)&X.reset_last_error = dlsym(h, "xmlResetLastError");
	*(void **)&X.free_doc = dlsym(h, "xmlFreeDoc");
	*(void **)&X.root_element = dlsym(h, "xmlDocGetRootElement");
	*(void **)&X.line_no = dlsym(h, "xmlGetLineNo");
	X.ok = X.set_generic_error && X.read_memory && X.last_error && X.reset_last_error && X.free_doc &&
	       X.root_element && X.line_no;
	if (!X.ok)
		snprintf(X.why, sizeof(X.why), LIBXML2_SONAME " lacks a function kvmlab uses");
}

#define DOMXML_FILE_MAX (64u << 10)     /* bytes: a domain document is a page or two */
#define CPU_PIN_MAX     4095            /* vmm/core/cpulist.c CPU_NUMBER_MAX: the same bound as --pin */

/* Where in the document we are, for messages: the element's line. */
static int fail(char *err, size_t errlen, const xmlNode *n, const char *fmt, ...)
{
	va_list ap;
	int len = snprintf(err, errlen, "line %ld: <%s>: ", n ? X.line_no(n) : 0L,
			   n ? (const char *)n->name : "?");

	va_start(ap, fmt);
	if (len >= 0 && (size_t)len < errlen)
		vsnprintf(err + len, errlen - (size_t)len, fmt, ap);
	va_end(ap);
	/* The message quotes the document (names, values), which may hold any byte:
	 * it stays one line of text (a newline in a value once made it two: fuzzing). */
	for (unsigned char *p = (unsigned char *)err; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
	return -1;
}

static bool is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

/* Every attribute of n is one of the NULL-terminated names. */
static int attrs_only(const xmlNode *n, const char *const *names, char *err, size_t errlen)
{
	for (const xmlAttr *a = n->properties; a; a = a->next) {
		bool ok = false;
		for (int i = 0; names[i]; i++)
			ok |= !strcmp((const char *)a->name, names[i]);
		if (!ok)
			return fail(err, errlen, n, "attribute '%s' is not supported (docs/domxml.md)", a->name);
	}
	return 0;
}

/* The attribute's value, or NULL.  Points into the tree. */
static const char *attr(const xmlNode *n, const char *name)
{
	for (const xmlAttr *a = n->properties; a; a = a->next)
		if (!strcmp((const char *)a->name, name) && a->children && a->children->type == XML_TEXT_NODE)
			return (const char *)a->children->content;
	return NULL;
}

/* An attribute that must be present with one of the allowed values (NULL-terminated). */
static int attr_is(const xmlNode *n, const char *name, const char *const *allowed, bool required,
		   char *err, size_t errlen)
{
	const char *v = attr(n, name);

	if (!v)
		return required ? fail(err, errlen, n, "needs %s='%s'", name, allowed[0]) : 0;
	for (int i = 0; allowed[i]; i++)
		if (!strcmp(v, allowed[i]))
			return 0;
	return fail(err, errlen, n, "%s='%s' is not supported (only '%s')", name, v, allowed[0]);
}

/* The element's text, trimmed, into out; elements inside it are an error. */
static int text_of(const xmlNode *n, char *out, size_t outlen, char *err, size_t errlen)
{
	size_t len = 0;

	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type == XML_ELEMENT_NODE)
			return fail(err, errlen, c, "unexpected inside <%s>", n->name);
		if (c->type != XML_TEXT_NODE)
			continue;
		size_t k = strlen((const char *)c->content);
		if (len + k >= outlen)
			return fail(err, errlen, n, "text longer than %zu bytes", outlen - 1);
		memcpy(out + len, c->content, k);
		len += k;
	}
	out[len] = '\0';
	char *s = out;
	while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
		s++;
	memmove(out, s, strlen(s) + 1);
	for (size_t e = strlen(out); e && strchr(" \n\t\r", out[e - 1]); e--)
		out[e - 1] = '\0';
	/* Nothing of the untrimmed text is left after it: the same text is the same
	 * bytes, whatever whitespace came around it (the fuzz harness's round trip
	 * compares whole descriptions). */
	size_t kept = strlen(out);
	memset(out + kept, 0, outlen - kept);
	if (!out[0])
		return fail(err, errlen, n, "is empty");
	return 0;
}

/* Only elements (and whitespace or comments) inside n. */
static int children_checked(const xmlNode *n, char *err, size_t errlen)
{
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type == XML_TEXT_NODE) {
			for (const xmlChar *p = c->content; *p; p++)
				if (!strchr(" \n\t\r", *p))
					return fail(err, errlen, n, "unexpected text inside");
		} else if (c->type != XML_ELEMENT_NODE && c->type != XML_COMMENT_NODE) {
			return fail(err, errlen, n, "unexpected node inside (CDATA, entity or processing instruction)");
		}
	}
	return 0;
}

/* libvirt's memory units (formatdomain.html, "Memory Allocation"): bytes per unit. */
static const struct { const char *unit; uint64_t bytes; } units[] = {
	{ "b", 1 }, { "bytes", 1 },
	{ "KB", 1000 }, { "k", 1024 }, { "KiB", 1024 },
	{ "MB", 1000000 }, { "M", 1ULL << 20 }, { "MiB", 1ULL << 20 },
	{ "GB", 1000000000 }, { "G", 1ULL << 30 }, { "GiB", 1ULL << 30 },
};

static int parse_memory(const xmlNode *n, uint64_t *bytes, char *err, size_t errlen)
{
	static const char *const ok[] = { "unit", NULL };
	const char *u = attr(n, "unit");
	uint64_t per = 1024, v;         /* libvirt's default unit is KiB */
	char text[32];

	if (attrs_only(n, ok, err, errlen) || text_of(n, text, sizeof(text), err, errlen))
		return -1;
	if (u) {
		per = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (!strcmp(u, units[i].unit))
				per = units[i].bytes;
		if (!per)
			return fail(err, errlen, n, "unit='%s' is not one of b, KB, KiB, k, MB, MiB, M, GB, GiB, G", u);
	}
	if (parse_u64(text, &v) != 0 || v > MEM_MAX / per || v * per < MEM_MIN || (v * per) % 4096)
		return fail(err, errlen, n, "'%s' %s is not a RAM size kvmlab runs (128 KiB to 3 GiB, whole 4 KiB pages)",
			    text, u ? u : "KiB");
	*bytes = v * per;
	return 0;
}

static int parse_small(const xmlNode *n, const char *what, const char *s, uint64_t max, int *out,
		       char *err, size_t errlen)
{
	uint64_t v;

	if (!s || parse_u64(s, &v) != 0 || v > max)
		return fail(err, errlen, n, "%s '%s' is not a number from 0 to %" PRIu64, what, s ? s : "", max);
	*out = (int)v;
	return 0;
}

static int parse_cputune(const xmlNode *n, struct domain_spec *d, char *err, size_t errlen)
{
	static const char *const pin_attrs[] = { "vcpu", "cpuset", NULL };

	if (n->properties)
		return fail(err, errlen, n, "takes no attributes");
	if (children_checked(n, err, errlen))
		return -1;
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (!is(c, "vcpupin"))
			return fail(err, errlen, c, "is not supported inside <cputune> (only <vcpupin>)");
		int vcpu = 0, cpu = 0;
		if (attrs_only(c, pin_attrs, err, errlen) ||
		    parse_small(c, "vcpu", attr(c, "vcpu"), VCPUS_MAX - 1, &vcpu, err, errlen) ||
		    parse_small(c, "cpuset (one CPU: kvmlab pins each vCPU to one CPU)", attr(c, "cpuset"),
				CPU_PIN_MAX, &cpu, err, errlen))
			return -1;
		if (d->pin_set & (1ULL << vcpu))
			return fail(err, errlen, c, "vcpu %d is pinned twice", vcpu);
		d->pin_set |= 1ULL << vcpu;
		d->pin[vcpu] = cpu;
	}
	return 0;
}

static int parse_os(const xmlNode *n, struct domain_spec *d, char *err, size_t errlen)
{
	static const char *const type_attrs[] = { "arch", "machine", NULL };
	static const char *const x86_64[] = { "x86_64", NULL };

	if (n->properties)
		return fail(err, errlen, n, "takes no attributes");
	if (children_checked(n, err, errlen))
		return -1;
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is(c, "type")) {
			char t[16];
			if (attrs_only(c, type_attrs, err, errlen) || attr_is(c, "arch", x86_64, false, err, errlen) ||
			    text_of(c, t, sizeof(t), err, errlen))
				return -1;
			if (strcmp(t, "hvm"))
				return fail(err, errlen, c, "'%s' is not supported (only hvm: kvmlab runs full VMs)", t);
			if (attr(c, "machine"))
				snprintf(d->machine, sizeof(d->machine), "%s", attr(c, "machine"));
		} else if (is(c, "kernel")) {
			if (c->properties)
				return fail(err, errlen, c, "takes no attributes");
			if (d->kernel[0])
				return fail(err, errlen, c, "given twice");
			if (text_of(c, d->kernel, sizeof(d->kernel), err, errlen))
				return -1;
		} else {
			return fail(err, errlen, c, "is not supported inside <os> (only <type> and <kernel>: the payload)");
		}
	}
	if (!d->kernel[0])
		return fail(err, errlen, n, "needs <kernel>: the payload to run");
	return 0;
}

/* <serial>/<console type='pty'>: kvmlab's COM1 and console always exist. */
static int parse_chardev(const xmlNode *n, char *err, size_t errlen)
{
	static const char *const attrs[] = { "type", NULL }, *const pty[] = { "pty", NULL };
	static const char *const target_attrs[] = { "type", "port", NULL }, *const serial[] = { "serial", NULL };
	static const char *const port0[] = { "0", NULL };

	if (attrs_only(n, attrs, err, errlen) || attr_is(n, "type", pty, true, err, errlen) ||
	    children_checked(n, err, errlen))
		return -1;
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (!is(c, "target"))
			return fail(err, errlen, c, "is not supported inside <%s> (only <target>)", n->name);
		if (attrs_only(c, target_attrs, err, errlen) || attr_is(c, "type", serial, false, err, errlen) ||
		    attr_is(c, "port", port0, false, err, errlen))
			return -1;
	}
	return 0;
}

static int parse_disk(const xmlNode *n, struct domain_spec *d, char *err, size_t errlen)
{
	static const char *const attrs[] = { "type", "device", NULL }, *const file[] = { "file", NULL };
	static const char *const disk[] = { "disk", NULL };
	static const char *const drv_attrs[] = { "name", "type", NULL }, *const qemu[] = { "qemu", NULL };
	static const char *const raw[] = { "raw", NULL };
	static const char *const src_attrs[] = { "file", NULL };
	static const char *const tgt_attrs[] = { "dev", "bus", NULL }, *const virtio[] = { "virtio", NULL };

	if (d->disk[0])
		return fail(err, errlen, n, "a second disk is not supported (kvmlab has one virtio-blk)");
	if (attrs_only(n, attrs, err, errlen) || attr_is(n, "type", file, true, err, errlen) ||
	    attr_is(n, "device", disk, false, err, errlen) || children_checked(n, err, errlen))
		return -1;
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is(c, "driver")) {
			if (attrs_only(c, drv_attrs, err, errlen) || attr_is(c, "name", qemu, false, err, errlen) ||
			    attr_is(c, "type", raw, false, err, errlen))
				return -1;
		} else if (is(c, "source")) {
			const char *f = attr(c, "file");
			if (attrs_only(c, src_attrs, err, errlen))
				return -1;
			if (!f || !f[0] || strlen(f) >= sizeof(d->disk))
				return fail(err, errlen, c, "needs file='PATH' (shorter than %zu bytes)", sizeof(d->disk));
			snprintf(d->disk, sizeof(d->disk), "%s", f);
		} else if (is(c, "target")) {
			if (attrs_only(c, tgt_attrs, err, errlen) || attr_is(c, "bus", virtio, false, err, errlen))
				return -1;
		} else {
			return fail(err, errlen, c, "is not supported inside <disk> (only <driver>, <source>, <target>)");
		}
	}
	if (!d->disk[0])
		return fail(err, errlen, n, "needs <source file='PATH'/>");
	return 0;
}

/* <interface type='ethernet'> [<model type='virtio'/>]: kvmlab's --net, a tap in a private
 * network namespace (formatdomain.html, "Generic ethernet connection").  The tap's name,
 * its MAC and its addresses are kvmlab's own, so <target>, <mac> and the rest are refused. */
static int parse_interface(const xmlNode *n, struct domain_spec *d, char *err, size_t errlen)
{
	static const char *const attrs[] = { "type", NULL }, *const eth[] = { "ethernet", NULL };
	static const char *const model_attrs[] = { "type", NULL }, *const virtio[] = { "virtio", NULL };

	if (d->net)
		return fail(err, errlen, n, "a second interface is not supported (kvmlab has one virtio-net)");
	if (attrs_only(n, attrs, err, errlen) || attr_is(n, "type", eth, true, err, errlen) ||
	    children_checked(n, err, errlen))
		return -1;
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (!is(c, "model"))
			return fail(err, errlen, c, "is not supported inside <interface> (only <model type='virtio'/>: "
				    "kvmlab names the tap and its addresses itself)");
		if (attrs_only(c, model_attrs, err, errlen) || attr_is(c, "type", virtio, true, err, errlen))
			return -1;
	}
	d->net = true;
	return 0;
}

static int parse_devices(const xmlNode *n, struct domain_spec *d, char *err, size_t errlen)
{
	static const char *const balloon_attrs[] = { "model", NULL }, *const virtio[] = { "virtio", NULL };

	if (n->properties)
		return fail(err, errlen, n, "takes no attributes");
	if (children_checked(n, err, errlen))
		return -1;
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is(c, "serial") || is(c, "console")) {
			if (parse_chardev(c, err, errlen))
				return -1;
			d->serial = true;
		} else if (is(c, "disk")) {
			if (parse_disk(c, d, err, errlen))
				return -1;
		} else if (is(c, "memballoon")) {
			if (attrs_only(c, balloon_attrs, err, errlen) || attr_is(c, "model", virtio, true, err, errlen))
				return -1;
			if (c->children && children_checked(c, err, errlen))
				return -1;
			for (const xmlNode *k = c->children; k; k = k->next)
				if (k->type == XML_ELEMENT_NODE)
					return fail(err, errlen, k, "is not supported inside <memballoon>");
			d->memballoon = true;
		} else if (is(c, "interface")) {
			if (parse_interface(c, d, err, errlen))
				return -1;
		} else {
			return fail(err, errlen, c, "is not supported inside <devices> (docs/domxml.md lists the subset)");
		}
	}
	return 0;
}

/* The children of <domain>, each at most once. */
static int parse_domain(const xmlNode *root, struct domain_spec *d, char *err, size_t errlen)
{
	static const char *const attrs[] = { "type", NULL }, *const kvm[] = { "kvm", NULL };
	static const char *const once[] = { "name", "uuid", "memory", "currentMemory", "vcpu", "cputune", "os",
					    "devices", NULL };
	unsigned seen = 0;

	if (!is(root, "domain"))
		return fail(err, errlen, root, "the root element must be <domain>");
	if (attrs_only(root, attrs, err, errlen) || attr_is(root, "type", kvm, true, err, errlen) ||
	    children_checked(root, err, errlen))
		return -1;
	for (const xmlNode *c = root->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		int k = -1;
		for (int i = 0; once[i]; i++)
			if (is(c, once[i]))
				k = i;
		if (k < 0)
			return fail(err, errlen, c, "is not supported (docs/domxml.md lists the subset)");
		if (seen & (1u << k))
			return fail(err, errlen, c, "given twice");
		seen |= 1u << k;
		int rc = 0;
		char text[64];
		switch (k) {
		case 0:
			if (c->properties || text_of(c, d->name, sizeof(d->name), err, errlen))
				return c->properties ? fail(err, errlen, c, "takes no attributes") : -1;
			break;
		case 1:                 /* uuid: kept for round trips, not used */
			if (c->properties || text_of(c, d->uuid, sizeof(d->uuid), err, errlen))
				return c->properties ? fail(err, errlen, c, "takes no attributes") : -1;
			break;
		case 2: rc = parse_memory(c, &d->mem, err, errlen); break;
		case 3: rc = parse_memory(c, &d->current, err, errlen); break;
		case 4: {
			static const char *const vattrs[] = { "placement", NULL }, *const stat[] = { "static", NULL };
			if (attrs_only(c, vattrs, err, errlen) || attr_is(c, "placement", stat, false, err, errlen) ||
			    text_of(c, text, sizeof(text), err, errlen) ||
			    parse_small(c, "vcpu count", text, VCPUS_MAX, &d->vcpus, err, errlen))
				return -1;
			if (d->vcpus < 1)
				return fail(err, errlen, c, "needs at least 1 vCPU");
			break;
		}
		case 5: rc = parse_cputune(c, d, err, errlen); break;
		case 6: rc = parse_os(c, d, err, errlen); break;
		case 7: rc = parse_devices(c, d, err, errlen); break;
		}
		if (rc)
			return -1;
	}
	if (!(seen & (1u << 0)) || !(seen & (1u << 2)) || !(seen & (1u << 6)))
		return fail(err, errlen, root, "needs <name>, <memory> and <os><kernel>");
	if (!d->vcpus)
		d->vcpus = 1;           /* libvirt's default */
	for (int i = 0; i < VCPUS_MAX; i++)
		if ((d->pin_set & (1ULL << i)) && i >= d->vcpus)
			return fail(err, errlen, root, "<vcpupin vcpu='%d'> names a vCPU the domain does not have", i);
	if (d->pin_set && d->pin_set != (d->vcpus >= 64 ? ~0ULL : (1ULL << d->vcpus) - 1))
		return fail(err, errlen, root, "<cputune> must pin every vCPU or none (kvmlab's --pin takes one CPU per vCPU)");
	if ((seen & (1u << 3)) && (d->current > d->mem || (d->mem - d->current) % 4096))
		return fail(err, errlen, root, "<currentMemory> must not exceed <memory>");
	if ((seen & (1u << 3)) && d->current < d->mem && !d->memballoon)
		return fail(err, errlen, root, "<currentMemory> below <memory> needs <memballoon model='virtio'/>");
	if (!(seen & (1u << 3)))
		d->current = d->mem;
	return 0;
}

/* libxml2 prints parse errors itself unless told otherwise; kvmlab prints one line. */
static void xml_quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

int domxml_parse(const char *buf, size_t len, struct domain_spec *d, char *err, size_t errlen)
{
	memset(d, 0, sizeof(*d));
	if (len > DOMXML_FILE_MAX) {
		snprintf(err, errlen, "larger than %u KiB: not a domain document kvmlab reads", DOMXML_FILE_MAX >> 10);
		return -1;
	}
	pthread_once(&x_once, x_resolve);
	if (!X.ok) {
		snprintf(err, errlen, "%s", X.why);
		return -2;
	}
	X.set_generic_error(NULL, xml_quiet);
	/* No network, no DTD loading, no entity substitution: the file cannot make
	 * kvmlab fetch, include or expand anything (libxml2 parser options). */
	xmlDoc *doc = X.read_memory(buf, (int)len, "domain.xml", NULL,
				    XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR);
	if (!doc) {
		const xmlError *e = X.last_error();
		snprintf(err, errlen, "line %d: malformed XML: %s", e ? e->line : 0,
			 e && e->message ? e->message : "unreadable");
		for (char *p = err; *p; p++)
			if (*p == '\n')
				*p = *(p + 1) ? ' ' : '\0';
		X.reset_last_error();
		return -1;
	}
	int rc;
	if (doc->intSubset || doc->extSubset) {
		snprintf(err, errlen, "<!DOCTYPE>: not supported (no DTDs or entities in a domain document)");
		rc = -1;
	}
	else
		rc = parse_domain(X.root_element(doc), d, err, errlen);
	X.free_doc(doc);
	return rc;
}

/* XML-escaped text (the five predefined entities). */
static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':  fputs("&lt;", f); break;
		case '>':  fputs("&gt;", f); break;
		case '&':  fputs("&amp;", f); break;
		case '\'': fputs("&apos;", f); break;
		case '"':  fputs("&quot;", f); break;
		default:   fputc(*s, f);
		}
	}
}

void domxml_write(FILE *f, const struct domain_spec *d)
{
	fputs("<domain type='kvm'>\n  <name>", f);
	put_escaped(f, d->name);
	fputs("</name>\n", f);
	if (d->uuid[0]) {
		fputs("  <uuid>", f);
		put_escaped(f, d->uuid);
		fputs("</uuid>\n", f);
	}
	fprintf(f, "  <memory unit='KiB'>%" PRIu64 "</memory>\n", d->mem >> 10);
	if (d->current != d->mem)
		fprintf(f, "  <currentMemory unit='KiB'>%" PRIu64 "</currentMemory>\n", d->current >> 10);
	fprintf(f, "  <vcpu placement='static'>%d</vcpu>\n", d->vcpus);
	if (d->pin_set) {
		fputs("  <cputune>\n", f);
		for (int i = 0; i < d->vcpus; i++)
			fprintf(f, "    <vcpupin vcpu='%d' cpuset='%d'/>\n", i, d->pin[i]);
		fputs("  </cputune>\n", f);
	}
	fputs("  <os>\n    <type arch='x86_64'", f);
	if (d->machine[0]) {
		fputs(" machine='", f);
		put_escaped(f, d->machine);
		fputs("'", f);
	}
	fputs(">hvm</type>\n    <kernel>", f);
	put_escaped(f, d->kernel);
	fputs("</kernel>\n  </os>\n  <devices>\n", f);
	if (d->serial)
		fputs("    <serial type='pty'>\n      <target port='0'/>\n    </serial>\n", f);
	if (d->disk[0]) {
		fputs("    <disk type='file' device='disk'>\n      <driver name='qemu' type='raw'/>\n"
		      "      <source file='", f);
		put_escaped(f, d->disk);
		fputs("'/>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n", f);
	}
	if (d->net)
		fputs("    <interface type='ethernet'>\n      <model type='virtio'/>\n    </interface>\n", f);
	if (d->memballoon)
		fputs("    <memballoon model='virtio'/>\n", f);
	fputs("  </devices>\n</domain>\n", f);
}
