/*
 * calibrate.c - does this host run guest instructions natively?
 *
 * On VMX/SVM a guest loop runs on the CPU at native speed and KVM's
 * insn_emulation counter stays still.  On a host without hardware
 * virtualization for our guest (kvm_pvm running a non-PVM guest: shared/
 * HOST.md) KVM's x86 emulator executes every instruction, and the counter
 * grows by about 3 per iteration of a 3-instruction loop.  Every later
 * number must be read knowing which.
 */
#include <string.h>

#include "kvmlab.h"

#define CAL_ITERS_SMALL   100
#define CAL_ITERS_EMUL    1100          /* ~5 ms when emulated */
#define CAL_ITERS_NATIVE  2000000       /* ~1 ms when native */
#define CAL_RETRIES       3             /* re-runs of a short run the host preempted */

/* A real-mode payload: mov ecx, N; 1: nop; dec ecx; jnz 1b; hlt. */
static void cal_payload(uint8_t *buf, size_t len, uint32_t iters, struct payload *p)
{
	static const uint8_t code[] = {
		0x66, 0xB9, 0, 0, 0, 0,         /* mov ecx, imm32 */
		0x90,                           /* nop */
		0x66, 0x49,                     /* dec ecx */
		0x75, 0xFB,                     /* jnz -5: back to nop */
		0xF4,                           /* hlt */
	};
	struct payload_hdr h = {
		.magic = KVMLAB_MAGIC, .abi_version = KVMLAB_ABI_VERSION, .hdr_size = KVMLAB_HDR_SIZE,
		.mode = MODE_REAL, .load_addr = GPA_LOAD_MIN, .entry = KVMLAB_HDR_SIZE, .name = "calibrate",
	};
	char err[128];

	memset(buf, 0, len);
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + KVMLAB_HDR_SIZE, code, sizeof(code));
	memcpy(buf + KVMLAB_HDR_SIZE + 2, &iters, sizeof(iters));
	payload_parse(buf, KVMLAB_HDR_SIZE + sizeof(code), p, err, sizeof(err));
}

/* One run; returns guest cycles (the KVM_RUN that ended in hlt) and the stat delta. */
static int cal_run(struct kvm *k, uint32_t iters, uint64_t *cycles, uint64_t *emul, bool *have_stat,
		   uint64_t *tsc_khz)
{
	static struct run r;
	uint8_t buf[128];
	struct payload p;
	struct vm_config cfg = { .mem = MEM_DEFAULT, .timeout = 10 };
	char err[256];
	int ok = -1;

	cal_payload(buf, sizeof(buf), iters, &p);
	if (run_payload(&r, k, &p, &cfg, err, sizeof(err)) == XC_OK && r.vcpu.end == END_HLT) {
		const struct kvm_stat *s = kvmstats_find(&r.vcpu.stats, "insn_emulation");
		*cycles = r.vcpu.ctr.fig[KVM_EXIT_HLT].tsc_sum;
		*have_stat = s != NULL;
		*emul = s ? kvmstats_delta(s) : 0;
		*tsc_khz = r.tsc_khz;
		ok = 0;
	}
	run_teardown(&r);
	return ok;
}

void calibrate(struct kvm *k, struct calibration *c)
{
	uint64_t cyc_small, cyc_big, em_small, em_big, khz;
	bool have;

	memset(c, 0, sizeof(*c));
	if (cal_run(k, CAL_ITERS_SMALL, &cyc_small, &em_small, &have, &khz) != 0 ||
	    cal_run(k, CAL_ITERS_EMUL, &cyc_big, &em_big, &have, &khz) != 0) {
		snprintf(c->note, sizeof(c->note), "calibration payload did not run to hlt");
		return;
	}
	c->ran = true;
	c->tsc_khz = khz;
	c->have_stat = have;
	c->loop_iters = CAL_ITERS_EMUL - CAL_ITERS_SMALL;
	c->insn_emulation = em_big > em_small ? em_big - em_small : 0;
	/* Emulated: the emulator saw (nearly) every loop instruction. */
	c->emulated = have && c->insn_emulation >= c->loop_iters;
	if (!c->emulated) {
		/* Native loops are ~1000x faster: time a longer one for a usable figure. */
		if (cal_run(k, CAL_ITERS_NATIVE, &cyc_big, &em_big, &have, &khz) == 0) {
			c->loop_iters = CAL_ITERS_NATIVE - CAL_ITERS_SMALL;
			/* Report the stat over the same iterations as loop_iters. */
			c->insn_emulation = em_big > em_small ? em_big - em_small : 0;
		}
	}
	/* On a loaded host (parallel tests) a preempted short run can take longer
	 * than the long one; the short run is cheap, so measure it again. */
	for (int retry = 0; retry < CAL_RETRIES && cyc_big <= cyc_small; retry++)
		if (cal_run(k, CAL_ITERS_SMALL, &cyc_small, &em_small, &have, &khz) != 0)
			break;
	c->cycles_per_iter = cyc_big > cyc_small ? (double)(cyc_big - cyc_small) / (double)c->loop_iters : 0;
	if (!have)
		snprintf(c->note, sizeof(c->note),
			 "no insn_emulation stat (KVM_CAP_BINARY_STATS_FD absent): judged by speed only");
	else if (c->emulated)
		snprintf(c->note, sizeof(c->note),
			 "guest instructions run through KVM's instruction emulator: every cost includes emulation");
	else
		snprintf(c->note, sizeof(c->note), "guest instructions run natively (hardware virtualization)");
	if (!have)
		c->emulated = c->cycles_per_iter > 500;     /* native: ~1-3 cycles per iteration */
}
