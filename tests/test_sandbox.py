"""run --sandbox: the vCPU thread runs under a seccomp allowlist (vmm/security/sandbox.c).

Specification: with --sandbox every payload ends exactly as without it; a
forbidden system call kills kvmlab with exit code 17 and a line naming the
call; `info --sandbox` lists the allowlist from the same table the filter is
built from.
"""
import os
import glob

import pytest

from conftest import PAYLOADS, XC, run_kvmlab

XC_SANDBOX = "SANDBOX"          # XC[XC_SANDBOX]: kvmlab --exit-codes --json


def catalogue():
    """Every built payload except the deliberately malformed ones."""
    paths = sorted(glob.glob(os.path.join(PAYLOADS, "**", "*.bin"), recursive=True))
    names = [os.path.relpath(p, PAYLOADS)[:-4] for p in paths]
    return [n for n in names if not n.startswith("malformed/")]


# The same options with and without the sandbox.  Every payload is bounded to
# BOUND so that the comparison stays cheap as the catalogue grows (an exit limit
# is deterministic: both runs stop at the same exit); some need a tighter bound.
BOUND = ["--max-exits", "20000", "--timeout", "5"]
OPTS = {
    "hostile/rep-outsb-huge": ["--max-exits", "300"],
    "hostile/exit-storm": ["--max-exits", "100"],
    "loop-forever": ["--timeout", "0.3"],       # ends only by the watchdog
    "vmcall": ["--timeout", "0.3"],             # may livelock KVM_RUN (shared/HOST.md)
}


def boxed_env():
    """LeakSanitizer (make asan) checks leaks at exit from a ptrace()ing clone,
    which the sandbox forbids on purpose; sandboxed runs skip that one check
    (the same payloads run unsandboxed, leak-checked, in every other test)."""
    asan = os.environ.get("ASAN_OPTIONS")
    return {"ASAN_OPTIONS": asan.replace("detect_leaks=1", "detect_leaks=0")} if asan else {}


def test_info_sandbox_lists_the_allowlist():
    r = run_kvmlab("info", "--sandbox", "--json", json_out=True)
    assert r.code == XC["OK"]
    vcpu, io = r.doc["sandbox"]
    assert (vcpu["thread"], io["thread"]) == ("vcpu", "io")
    assert io["size"] == len(io["rules"])
    io_allowed = [x["allow"] for x in io["rules"] if "builds only" not in x["why"]]
    # The I/O thread holds no KVM fd: no ioctl but stdio's TCGETS, no open, no socket.
    assert [a for a in io_allowed if a.startswith("ioctl")] == ["ioctl(any fd, TCGETS)"]
    for forbidden in ("openat", "execve", "socket", "clone", "ptrace"):
        assert forbidden not in io_allowed
    assert vcpu["thread"] == "vcpu"
    assert vcpu["size"] == len(vcpu["rules"])
    # make asan / make coverage builds add their runtimes' calls, marked "builds only".
    allowed = [x["allow"] for x in vcpu["rules"] if "builds only" not in x["why"]]
    assert "ioctl(vcpu fd, KVM_RUN)" in allowed
    assert "mmap(without PROT_EXEC)" in allowed
    for forbidden in ("openat", "execve", "socket", "clone", "ptrace", "ioctl"):
        assert forbidden not in allowed
    text = run_kvmlab("info", "--sandbox")
    assert f"thread vcpu (runs KVM_RUN and every exit handler): {vcpu['size']} rules" in text.out


def test_a_forbidden_syscall_kills_kvmlab_naming_it(kvm):
    r = run_kvmlab("run", "hello-long", "--sandbox", "--json",
                   env={"KVMLAB_SANDBOX_SELFTEST": "1", **boxed_env()})
    assert r.code == XC[XC_SANDBOX] == 17, r.err
    assert "kvmlab: sandbox: forbidden system call socket (nr 41) in the vCPU thread" in r.err
    assert r.out == ""                 # killed before the report


@pytest.mark.parametrize("notify", ["ioeventfd", "poll"])
def test_the_io_thread_is_sandboxed_too(kvm, notify):
    """The virtio back-end thread installs its own filter before it touches a ring."""
    r = run_kvmlab("run", "io/virtio-hello", "--virtio-notify", notify, "--sandbox", "--json",
                   env={"KVMLAB_SANDBOX_SELFTEST": "io", **boxed_env()})
    assert r.code == XC[XC_SANDBOX] == 17, r.err
    assert "kvmlab: sandbox: forbidden system call socket (nr 41) in the I/O thread" in r.err
    free = run_kvmlab("run", "io/virtio-hello", "--virtio-notify", notify, "--json", json_out=True)
    boxed = run_kvmlab("run", "io/virtio-hello", "--virtio-notify", notify, "--sandbox", "--json",
                       json_out=True, env=boxed_env())
    text = lambda r: r.doc["io"]["virtio"]["text"]
    assert (boxed.code, text(boxed)) == (free.code, text(free)) == (XC["OK"], "Hello from virtio!\n")
    assert boxed.doc["io"]["virtio"]["notify"] == notify


def test_selftest_hook_does_nothing_without_sandbox(run):
    r = run("hello-long", env={"KVMLAB_SANDBOX_SELFTEST": "1"})
    assert r.code == XC["OK"]


@pytest.mark.parametrize("name", catalogue())
def test_every_payload_ends_the_same_under_the_sandbox(run, name):
    opts = BOUND + OPTS.get(name, [])     # later options win: OPTS tightens BOUND
    free = run(name, *opts)
    boxed = run(name, *opts, "--sandbox", env=boxed_env())
    assert "sandbox" not in boxed.err, boxed.err
    assert (free.doc["config"]["sandbox"], boxed.doc["config"]["sandbox"]) == (False, True)
    assert boxed.code == free.code
    assert boxed.end == free.end
    assert boxed.console == free.console
    # Same reports in the same order; measured cycle counts (bench.*_cycles,
    # passN-cycles, probe.cycles/probe.baseline) differ from run to run, every
    # other value must be identical.
    def stable(x):
        timed = "cycles" in x["name"] or x["name"] == "probe.baseline"
        return (x["kind"], x["name"], None if timed else x["value"])
    assert [stable(x) for x in boxed.reports()] == [stable(x) for x in free.reports()]


def test_text_output_works_under_the_sandbox(kvm):
    r = run_kvmlab("run", "triple-fault", "--sandbox", env=boxed_env())
    assert r.code == XC["GUEST_CRASH"]
    assert "ended:    shutdown" in r.out
