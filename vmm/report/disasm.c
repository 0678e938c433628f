/*
 * disasm.c - instruction bytes to text, with Debian's libcapstone.
 *
 * Disassembly is a solved problem (STYLE.md 12); kvmlab only chooses the
 * decoding mode, which must be the guest's current one: the same bytes
 * mean different instructions in 16-, 32- and 64-bit code.
 */
#include <capstone/capstone.h>
#include <string.h>

#include "kvmlab.h"

int disasm_one(const uint8_t *bytes, size_t n, int bits, uint64_t addr, char *out, size_t outlen)
{
	csh h;
	cs_insn *insn;
	cs_mode mode = bits == 64 ? CS_MODE_64 : bits == 32 ? CS_MODE_32 : CS_MODE_16;
	int len = -1;

	if (outlen)
		out[0] = '\0';
	if (cs_open(CS_ARCH_X86, mode, &h) != CS_ERR_OK)
		return -1;
	if (cs_disasm(h, bytes, n, addr, 1, &insn) == 1) {
		snprintf(out, outlen, "%s%s%s", insn->mnemonic, insn->op_str[0] ? " " : "", insn->op_str);
		len = insn->size;
		cs_free(insn, 1);
	}
	cs_close(&h);
	return len;
}

int sregs_bits(const struct kvm_sregs *s)
{
	if ((s->efer & (1ULL << 10)) && s->cs.l)        /* EFER.LMA and CS.L: 64-bit code */
		return 64;
	return s->cs.db ? 32 : 16;
}
