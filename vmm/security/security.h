/*
 * vmm/security/security.h - confinement: the seccomp-bpf allowlist of each kvmlab thread.
 */
#ifndef KVMLAB_SECURITY_H
#define KVMLAB_SECURITY_H

#include <stddef.h>

/* ---- sandbox.c: seccomp-bpf allowlist per thread (run --sandbox, docs/security.md) ---- */
struct vcpu;
struct sandbox_rule;
struct sandbox_thread {
	const char *name;               /* "vcpu" */
	const char *what;               /* what the thread does */
	const struct sandbox_rule *rules;
	size_t nrules;
};
/* The tables, for `kvmlab info` and the unit tests: every thread and its rules. */
const struct sandbox_thread *sandbox_threads(int *n);          /* *n = how many */
/* Rule i of thread t (its own rows, then the shared ones); NULL past nrules. */
const struct sandbox_rule *sandbox_rule_at(const struct sandbox_thread *t, size_t i);
/* "ioctl(vcpu fd, KVM_RUN)", "mmap(without PROT_EXEC)", ...: written into buf, returned. */
const char *sandbox_rule_text(const struct sandbox_rule *r, char *buf, size_t n);
const char *sandbox_rule_why(const struct sandbox_rule *r);    /* why the thread needs it */
size_t sandbox_thread_syscalls(const struct sandbox_thread *t); /* distinct calls, runtimes' not counted */
/* Installs the vCPU thread's filter (call after setup, before the first
 * KVM_RUN).  0, or -1 with err; a later forbidden call exits with XC_SANDBOX. */
int  sandbox_enter(struct vcpu *v, char *err, size_t errlen);
/* The same for the I/O thread (traps/devices/iodev.c), from its own table; its only KVM
 * ioctl is KVM_SIGNAL_MSI on vm_fd (interrupt model split; -1: none at all). */
int  sandbox_enter_io(int vm_fd, char *err, size_t errlen);
/* --vcpus: arm before starting the vCPU threads (their sandbox_enter then waits),
 * then filter the main thread (the vCPU table, pinned to all n vCPU fds), which
 * lets them run.  0, or -1 with err; the vCPU threads then fail too. */
struct vm;
void sandbox_gate_arm(void);
int  sandbox_enter_main(struct vm *vm, const int *vcpu_fds, int n, char *err, size_t errlen);

#endif
