/*
 * disasm.c - instruction bytes to text, with Debian's libcapstone.
 *
 * Disassembly is a solved problem (STYLE.md 12); kvmlab only chooses the
 * decoding mode, which must be the guest's current one: the same bytes
 * mean different instructions in 16-, 32- and 64-bit code.
 *
 * Most runs never disassemble anything, and loading the shared library costs
 * ~0.9 ms of relocations at every start (docs/measurement.md, "What creating
 * a VM costs"), so capstone is loaded on first use with dlopen.  kvmlab stays
 * a position-independent executable (its own code is randomised too); under
 * --sandbox, disasm_load runs before the filter, since nothing may be opened
 * after it (docs/security.md).
 */
#include <capstone/capstone.h>
#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

#include "kvmlab.h"

#define CS_STR_(x) #x
#define CS_STR(x) CS_STR_(x)
/* The ABI this file was compiled against (capstone.h's CS_API_MAJOR). */
#define CAPSTONE_SONAME "libcapstone.so." CS_STR(CS_API_MAJOR)

static struct {
	cs_err (*open)(cs_arch, cs_mode, csh *);
	size_t (*disasm)(csh, const uint8_t *, size_t, uint64_t, size_t, cs_insn **);
	void (*free)(cs_insn *, size_t);
	cs_err (*close)(csh *);
	bool ok;
} cs;
static pthread_once_t cs_once = PTHREAD_ONCE_INIT;     /* vCPU threads may disassemble at once */

static void cs_resolve(void)
{
	void *h = dlopen(CAPSTONE_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (!h)
		return;
	*(void **)&cs.open = dlsym(h, "cs_open");
	*(void **)&cs.disasm = dlsym(h, "cs_disasm");
	*(void **)&cs.free = dlsym(h, "cs_free");
	*(void **)&cs.close = dlsym(h, "cs_close");
	cs.ok = cs.open && cs.disasm && cs.free && cs.close;
}

bool disasm_load(void)
{
	pthread_once(&cs_once, cs_resolve);
	return cs.ok;
}

int disasm_one(const uint8_t *bytes, size_t n, int bits, uint64_t addr, char *out, size_t outlen)
{
	csh h;
	cs_insn *insn;
	cs_mode mode = bits == 64 ? CS_MODE_64 : bits == 32 ? CS_MODE_32 : CS_MODE_16;
	int len = -1;

	if (outlen)
		out[0] = '\0';
	if (!disasm_load() || cs.open(CS_ARCH_X86, mode, &h) != CS_ERR_OK)
		return -1;
	if (cs.disasm(h, bytes, n, addr, 1, &insn) == 1) {
		snprintf(out, outlen, "%s%s%s", insn->mnemonic, insn->op_str[0] ? " " : "", insn->op_str);
		len = insn->size;
		cs.free(insn, 1);
	}
	cs.close(&h);
	return len;
}

int sregs_bits(const struct kvm_sregs *s)
{
	if ((s->efer & (1ULL << 10)) && s->cs.l)        /* EFER.LMA and CS.L: 64-bit code */
		return 64;
	return s->cs.db ? 32 : 16;
}
