/*
 * sensitive.c - the sensitive-instruction catalogue as data.
 *
 * Popek and Goldberg (CACM 17(7), 1974, Theorem 1): a machine can be
 * virtualized by trap-and-emulate if every *sensitive* instruction (one that
 * reads or changes the machine's control state, or behaves differently
 * depending on it) is *privileged* (traps when run outside the most
 * privileged mode).  Robin and Irvine (USENIX Security 2000) listed the x86
 * instructions that are sensitive but do not trap at CPL 3 - SGDT, SIDT,
 * SLDT, SMSW, PUSHF, POPF, LAR, LSL, VERR, VERW, PUSH/POP and MOV of segment
 * registers, CALL/JMP/INT n/RET through gates, STR - which is why x86 could
 * not be virtualized that way until VT-x and AMD-V added a mode (VMX
 * non-root / SVM guest mode) in which the VMM chooses what exits.
 *
 * Each row is an instruction; the catalogue runs it at CPL 0 and at CPL 3
 * (payloads/cpu/probe.asm has the rows in this order: probe id = 2 * row +
 * (CPL 3 ? 1 : 0)).  "expect" is what the guest sees under KVM on VT-x or
 * SVM - architectural behaviour, since KVM emulates what it intercepts -
 * and "vmx"/"svm" say what makes the instruction leave the guest there:
 *   SDM = Intel SDM Vol. 3C, chapter 26 "VMX Non-Root Operation" (chapter
 *         25 before the 2023 editions): 26.1.2 "Instructions That Cause VM
 *         Exits Unconditionally", 26.1.3 "... Conditionally", 26.3 "Changes
 *         to Instruction Behavior in VMX Non-Root Operation";
 *   APM = AMD64 APM Vol. 2, 15.9-15.14 (intercepts in the VMCB);
 *   privileged = SDM Vol. 3A 5.9 "Privileged Instructions"; IN/OUT/CLI/STI
 *         are IOPL-sensitive (SDM Vol. 1 19.5.1).
 */
#include "kvmlab.h"

#define GP0     "#GP(0)"

/* Values the guest must observe (mask, value) where the architecture fixes them. */
#define EV(v)           { true, ~0ULL, (uint64_t)(v) }
#define EVM(m, v)       { true, (m), (v) }
#define EV_NONE         { false, 0, 0 }
#define RFL_IF          (1ULL << 9)                     /* RFLAGS.IF (SDM Vol. 1 3.4.3) */
#define IF_IOPL         (RFL_IF | 3ULL << 12)              /* ... and IOPL */
#define EFER_LME_LMA    0x500ULL                        /* EFER.LME | LMA: long mode on */
#define KVM_ENOSYS_NEG  ((uint64_t)-1000)               /* -KVM_ENOSYS: unknown hypercall (kvm_para.h) */
#define KVM_EPERM_NEG   ((uint64_t)-1)                  /* -KVM_EPERM: hypercall from CPL > 0 */

const struct sens_insn sens_table[] = {
	{ "nop", SC_REFERENCE, false, SV_NONE,
	  "no exit", "no intercept", { "ran", "ran" },
	  { EV_NONE, EV_NONE } },
	{ "hlt", SC_PRIVILEGED, false, SV_NONE,
	  "conditional: HLT exiting (SDM 26.1.3); KVM sets it", "HLT intercept (APM 15.9)",
	  { "exit:HLT", GP0 },
	  { EV_NONE, EV_NONE } },
	{ "in al, dx", SC_PRIVILEGED, false, SV_HEX,
	  "conditional: unconditional I/O exiting or the I/O bitmaps (SDM 26.1.3)", "IOIO intercept, I/O permission map (APM 15.10.1)",
	  { "exit:IO", GP0 },
	  { EV(CONSOLE_READBACK), EV_NONE } },
	{ "out dx, al", SC_PRIVILEGED, false, SV_NONE,
	  "conditional: unconditional I/O exiting or the I/O bitmaps (SDM 26.1.3)", "IOIO intercept, I/O permission map (APM 15.10.1)",
	  { "exit:IO", GP0 },
	  { EV_NONE, EV_NONE } },
	{ "rdmsr EFER", SC_PRIVILEGED, false, SV_HEX,
	  "conditional: MSR bitmaps (SDM 26.1.3); KVM intercepts EFER", "MSR permission map (APM 15.11)",
	  { "ran", GP0 },
	  { EVM(EFER_LME_LMA, EFER_LME_LMA), EV_NONE } },
	{ "wrmsr KERNEL_GS_BASE", SC_PRIVILEGED, false, SV_NONE,
	  "conditional: MSR bitmaps (SDM 26.1.3); KVM passes this MSR through", "MSR permission map (APM 15.11)",
	  { "ran", GP0 },
	  { EV_NONE, EV_NONE } },
	{ "mov rax, cr0", SC_PRIVILEGED, false, SV_HEX,
	  "no exit: reads the CR0 read shadow (SDM 26.3)", "CR0 read intercept (APM 15.8.1); KVM leaves it off",
	  { "ran", GP0 },
	  { EV(0x80010033), EV_NONE } },
	{ "mov cr0, rax", SC_PRIVILEGED, false, SV_NONE,
	  "conditional: CR0 guest/host mask and read shadow (SDM 26.1.3)", "CR0 write intercept (APM 15.8.1)",
	  { "ran", GP0 },
	  { EV_NONE, EV_NONE } },
	{ "mov rax, cr3", SC_PRIVILEGED, false, SV_HEX,
	  "conditional: CR3-store exiting (SDM 26.1.3); off with EPT", "CR3 read intercept (APM 15.8.1); off with NPT",
	  { "ran", GP0 },
	  { EV(0x3000), EV_NONE } },
	{ "mov cr3, rax", SC_PRIVILEGED, false, SV_NONE,
	  "conditional: CR3-load exiting, CR3-target values (SDM 26.1.3); off with EPT", "CR3 write intercept (APM 15.8.1); off with NPT",
	  { "ran", GP0 },
	  { EV_NONE, EV_NONE } },
	{ "mov rax, cr4", SC_PRIVILEGED, false, SV_HEX,
	  "no exit: reads the CR4 read shadow (SDM 26.3)", "CR4 read intercept (APM 15.8.1); KVM leaves it off",
	  { "ran", GP0 },
	  { EV(0x620), EV_NONE } },
	{ "mov cr4, rax", SC_PRIVILEGED, false, SV_NONE,
	  "conditional: CR4 guest/host mask and read shadow (SDM 26.1.3)", "CR4 write intercept (APM 15.8.1)",
	  { "ran", GP0 },
	  { EV_NONE, EV_NONE } },
	{ "mov rax, cr8", SC_PRIVILEGED, false, SV_HEX,
	  "conditional: CR8-store exiting unless the TPR shadow is used (SDM 26.1.3)", "CR8 read intercept; V_TPR (APM 15.21)",
	  { "ran", GP0 },
	  { EV(0), EV_NONE } },
	{ "invlpg", SC_PRIVILEGED, false, SV_NONE,
	  "conditional: INVLPG exiting (SDM 26.1.3); off with EPT", "INVLPG intercept (APM 15.9); off with NPT",
	  { "ran", GP0 },
	  { EV_NONE, EV_NONE } },
	{ "lgdt", SC_PRIVILEGED, false, SV_NONE,
	  "conditional: descriptor-table exiting (SDM 26.1.3)", "GDTR write intercept (APM 15.9)",
	  { "ran", GP0 },
	  { EV_NONE, EV_NONE } },
	{ "lidt", SC_PRIVILEGED, false, SV_NONE,
	  "conditional: descriptor-table exiting (SDM 26.1.3)", "IDTR write intercept (APM 15.9)",
	  { "ran", GP0 },
	  { EV_NONE, EV_NONE } },
	{ "cli", SC_PRIVILEGED, false, SV_NONE,
	  "no exit (SDM 26.3: IF is the guest's)", "no intercept",
	  { "ran", GP0 },
	  { EV_NONE, EV_NONE } },
	{ "sti", SC_PRIVILEGED, false, SV_NONE,
	  "no exit (SDM 26.3: IF is the guest's)", "no intercept",
	  { "ran", GP0 },
	  { EV_NONE, EV_NONE } },
	{ "wbinvd", SC_PRIVILEGED, false, SV_NONE,
	  "conditional: WBINVD exiting (SDM 26.1.3); KVM sets it", "WBINVD intercept (APM 15.9)",
	  { "ran", GP0 },
	  { EV_NONE, EV_NONE } },
	{ "mov rax, dr7", SC_PRIVILEGED, false, SV_HEX,
	  "conditional: MOV-DR exiting (SDM 26.1.3)", "DR7 read intercept (APM 15.9)",
	  { "ran", GP0 },
	  { EV(0x400), EV_NONE } },
	{ "mov dr7, rax", SC_PRIVILEGED, false, SV_NONE,
	  "conditional: MOV-DR exiting (SDM 26.1.3)", "DR7 write intercept (APM 15.9)",
	  { "ran", GP0 },
	  { EV_NONE, EV_NONE } },
	{ "cpuid", SC_ALWAYS_INTERCEPTED, false, SV_VENDOR,
	  "unconditional (SDM 26.1.2)", "CPUID intercept (APM 15.9); KVM always sets it",
	  { "ran", "ran" },
	  { EV_NONE, EV_NONE } },
	{ "invd", SC_ALWAYS_INTERCEPTED, false, SV_NONE,
	  "unconditional (SDM 26.1.2); privileged: #GP at CPL 3 comes first (SDM 26.1.1)", "INVD intercept (APM 15.9)",
	  { "ran", GP0 },
	  { EV_NONE, EV_NONE } },
	{ "xsetbv", SC_ALWAYS_INTERCEPTED, false, SV_NONE,
	  "unconditional (SDM 26.1.2); privileged: #GP at CPL 3 comes first (SDM 26.1.1)", "XSETBV intercept (APM 15.9)",
	  { "ran", GP0 },
	  { EV_NONE, EV_NONE } },
	{ "vmcall", SC_ALWAYS_INTERCEPTED, false, SV_HEX,
	  "unconditional (SDM 26.1.2); KVM answers -KVM_ENOSYS, or -KVM_EPERM at CPL>0", "#UD on AMD; KVM intercepts #UD and emulates it as VMMCALL",
	  { "ran", "ran" },
	  { EV(KVM_ENOSYS_NEG), EV(KVM_EPERM_NEG) } },
	{ "sgdt", SC_SENSITIVE_UNPRIV, true, SV_HEX,
	  "conditional: descriptor-table exiting (SDM 26.1.3); off unless KVM emulates UMIP", "GDTR read intercept (APM 15.9)",
	  { "ran", "ran" },
	  { EV_NONE, EV_NONE } },
	{ "sgdt (CR4.UMIP=1)", SC_SENSITIVE_UNPRIV, true, SV_HEX,
	  "UMIP (SDM Vol. 3A 2.5) makes it #GP at CPL>0; KVM emulates UMIP with descriptor-table exiting where the CPU lacks it",
	  "UMIP in hardware (APM Vol. 2 3.1.3); GDTR read intercept otherwise",
	  { "ran", GP0 },
	  { EV_NONE, EV_NONE } },
	{ "sidt", SC_SENSITIVE_UNPRIV, true, SV_HEX,
	  "conditional: descriptor-table exiting (SDM 26.1.3); off unless KVM emulates UMIP", "IDTR read intercept (APM 15.9)",
	  { "ran", "ran" },
	  { EV(0x2000), EV(0x2000) } },
	{ "sldt", SC_SENSITIVE_UNPRIV, true, SV_HEX,
	  "conditional: descriptor-table exiting (SDM 26.1.3)", "LDTR read intercept (APM 15.9)",
	  { "ran", "ran" },
	  { EV(0), EV(0) } },
	{ "str", SC_SENSITIVE_UNPRIV, true, SV_HEX,
	  "conditional: descriptor-table exiting (SDM 26.1.3)", "TR read intercept (APM 15.9)",
	  { "ran", "ran" },
	  { EV(0x38), EV(0x38) } },
	{ "smsw", SC_SENSITIVE_UNPRIV, true, SV_HEX,
	  "no exit: reads the CR0 read shadow (SDM 26.3)", "CR0 read intercept (APM 15.8.1); KVM leaves it off",
	  { "ran", "ran" },
	  { EV(0x33), EV(0x33) } },
	{ "pushf", SC_SENSITIVE_UNPRIV, true, SV_RFLAGS,
	  "no exit", "PUSHF intercept (APM 15.9); KVM leaves it off",
	  { "ran", "ran" },
	  { EVM(IF_IOPL, 0), EVM(IF_IOPL, 0) } },
	{ "popf (set IF)", SC_SENSITIVE_UNPRIV, true, SV_RFLAGS,
	  "no exit: at CPL 3 with IOPL 0 the IF change is silently dropped", "POPF intercept (APM 15.9); KVM leaves it off",
	  { "ran", "ran" },
	  { EVM(IF_IOPL, RFL_IF), EVM(IF_IOPL, 0) } },
	{ "lar", SC_SENSITIVE_UNPRIV, true, SV_ZF,
	  "no exit", "no intercept",
	  { "ran", "ran" },
	  { EV(1), EV(0) } },
	{ "lsl", SC_SENSITIVE_UNPRIV, true, SV_ZF,
	  "no exit", "no intercept",
	  { "ran", "ran" },
	  { EV(1), EV(0) } },
	{ "verr", SC_SENSITIVE_UNPRIV, true, SV_ZF,
	  "no exit", "no intercept",
	  { "ran", "ran" },
	  { EV(1), EV(0) } },
	{ "verw", SC_SENSITIVE_UNPRIV, true, SV_ZF,
	  "no exit", "no intercept",
	  { "ran", "ran" },
	  { EV(1), EV(0) } },
	{ "mov eax, cs", SC_SENSITIVE_UNPRIV, true, SV_HEX,
	  "no exit: CS.RPL shows the real CPL", "no intercept",
	  { "ran", "ran" },
	  { EV(0x18), EV(0x33) } },
	{ "push fs; pop fs", SC_SENSITIVE_UNPRIV, true, SV_HEX,
	  "no exit", "no intercept",
	  { "ran", "ran" },
	  { EV(0x10), EV(0) } },
	{ "call far via call gate", SC_SENSITIVE_UNPRIV, true, SV_HEX,
	  "no exit: the CPU checks the gate's DPL against CPL and switches to ring 0 itself",
	  "no intercept",
	  { "ran", "ran" },
	  { EV(0x18), EV(0x18) } },
	{ "int 0x80", SC_SENSITIVE_UNPRIV, true, SV_NONE,
	  "no exit for INT n itself; the #GP exits only if the exception bitmap asks (SDM 26.2)",
	  "INTn intercept (APM 15.9); KVM leaves it off",
	  { "#GP(0x402)", "#GP(0x402)" },
	  { EV_NONE, EV_NONE } },
};
const int sens_count = sizeof(sens_table) / sizeof(sens_table[0]);

static const char *const class_names[SC_COUNT] = {
	[SC_REFERENCE]          = "reference",
	[SC_PRIVILEGED]         = "privileged",
	[SC_SENSITIVE_UNPRIV]   = "sensitive-unprivileged",
	[SC_ALWAYS_INTERCEPTED] = "always-intercepted",
};

const char *sens_class_name(enum sens_class c)
{
	return (unsigned)c < SC_COUNT ? class_names[c] : "?";
}

/* Mnemonics of the exception vectors (SDM Vol. 3A Table 6-1). */
const char *exc_name(uint64_t vector)
{
	static const char *const names[32] = {
		"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#CSO", "#TS", "#NP",
		"#SS", "#GP", "#PF", NULL, "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
	};
	return vector < 32 && names[vector] ? names[vector] : "#?";
}

/* Outcome vocabulary shared by "expect" and what the host did:
 * "ran", "exit:REASON", "#XX(error)" (#UD/#DE/#BP... without an error code), or how the VM died. */
void sens_fault_outcome(char *out, size_t n, uint64_t vector, uint64_t error)
{
	/* Exceptions that push an error code (SDM Vol. 3A Table 6-1). */
	static const uint32_t has_error = (1u << 8) | (1u << 10) | (1u << 11) | (1u << 12) |
					  (1u << 13) | (1u << 14) | (1u << 17) | (1u << 21);

	if (vector < 32 && (has_error >> vector & 1))
		snprintf(out, n, "%s(%#llx)", exc_name(vector), (unsigned long long)error);
	else
		snprintf(out, n, "%s", exc_name(vector));
}
