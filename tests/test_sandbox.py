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

XC_SANDBOX = "SANDBOX"          # XC[XC_SANDBOX]: kvmlab --exit-codes --json; 18 (INTERRUPTED): test_core_interrupt.py


def catalogue():
    """Every built payload except the deliberately malformed ones."""
    paths = sorted(glob.glob(os.path.join(PAYLOADS, "**", "*.bin"), recursive=True))
    names = [os.path.relpath(p, PAYLOADS)[:-4] for p in paths]
    return [n for n in names if not n.startswith("malformed/")]


# The same options with and without the sandbox.  Every payload is bounded to
# BOUND so that the comparison stays cheap as the catalogue grows (an exit limit
# is deterministic: both runs stop at the same exit); some need a tighter bound.
BOUND = ["--max-exits", "20000", "--timeout", "5"]
WATCHDOG = "0.3"            # seconds for the guests that only the watchdog ends (smp-spin reports first: 0.1 s was too short under load)
OPTS = {
    "hostile/rep-outsb-huge": ["--max-exits", "300"],
    "hostile/exit-storm": ["--max-exits", "100"],
    "loop-forever": ["--timeout", WATCHDOG],       # ends only by the watchdog
    "mem/migrate-dirty": ["--arg", "100"],      # dirties memory for --arg ms of guest time
    "vmcall": ["--timeout", WATCHDOG],             # may livelock KVM_RUN where ring 0 is emulated
    "bench/vmcall": ["--timeout", WATCHDOG],       # the same
    # Guests that run until the watchdog ends them (a storm, a spin, a halt with
    # everything masked): the end is "timeout" either way, so a short one will do.
    "hostile/timer-period-zero": ["--timeout", WATCHDOG],
    "hostile/irq-flood": ["--timeout", WATCHDOG],
    "hostile/mask-halt": ["--timeout", WATCHDOG],
    "cpu/smp-spin": ["--timeout", WATCHDOG],
    "mem/smp-dirty": ["--timeout", WATCHDOG],
    "mem/migrate-smp": ["--arg", "2", "--timeout", WATCHDOG],   # its checkpoint at round 1, then vCPU 1 never comes
    "hostile/ioapic-level-storm": ["--timeout", WATCHDOG],
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
    vcpu, io, main = r.doc["sandbox"]
    assert (vcpu["thread"], io["thread"], main["thread"]) == ("vcpu", "io", "main")
    assert main["rules"] == vcpu["rules"]       # --vcpus: main reports and tears down, as vCPU 0 alone does
    assert io["size"] == len(io["rules"])
    io_allowed = [x["allow"] for x in io["rules"] if "builds only" not in x["why"]]
    # The I/O thread's one KVM ioctl is KVM_SIGNAL_MSI (kvmlab's IOAPIC, split model only,
    # pinned to the VM fd); otherwise stdio's TCGETS; no open, no socket.
    assert sorted(a for a in io_allowed if a.startswith("ioctl")) == \
        ["ioctl(VM fd, KVM_SIGNAL_MSI)", "ioctl(stdio fd, TCGETS)"]
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
    assert f"thread vcpu (runs KVM_RUN and every exit handler): {vcpu['size']} rules, " in text.out


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
        timed = "cycles" in x["name"] or x["name"] in ("probe.baseline", "passes")   # passes: in a fixed guest time
        return (x["kind"], x["name"], None if timed else x["value"])
    assert [stable(x) for x in boxed.reports()] == [stable(x) for x in free.reports()]


def test_a_memory_hotplug_on_memfd_ram_ends_the_same_under_the_sandbox(run):
    """With --backing memfd the hotplugged slot is still anonymous memory (a memfd only
    for a vhost-user back-end, which never runs sandboxed): the vCPU thread's allowlist
    has mmap, not memfd_create, and the guest's checksum is the one without the filter."""
    free = run("mem/migrate-hotplug", "--backing", "memfd")
    boxed = run("mem/migrate-hotplug", "--backing", "memfd", "--sandbox", env=boxed_env())
    assert boxed.code == free.code == XC["OK"], boxed.err
    assert boxed.doc["memory"]["hotplug_adds"] == 1
    assert [(x["name"], x["value"]) for x in boxed.reports()] == [(x["name"], x["value"]) for x in free.reports()]


def test_text_output_works_under_the_sandbox(kvm):
    r = run_kvmlab("run", "triple-fault", "--sandbox", env=boxed_env())
    assert r.code == XC["GUEST_CRASH"]
    assert "ended:    shutdown" in r.out


def run_with_fd_limit(limit, *args, env=None):
    import resource
    import subprocess
    from conftest import KVMLAB, Result
    import json as _json

    def lower():
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
    proc = subprocess.run([KVMLAB, "run", *args, "--json"], capture_output=True, text=True, timeout=60,
                          preexec_fn=lower, stdin=subprocess.DEVNULL,
                          env={**os.environ, "KVMLAB_PAYLOADS": PAYLOADS, **(env or {})})
    return Result(proc, _json.loads(proc.stdout) if proc.stdout.strip() else None)


def test_a_guest_translate_after_an_fd_shortage_opens_nothing_under_the_filter(kvm):
    """The fewest fds kvmlab runs with leave none for /proc/self/pagemap and
    /proc/kpageflags (opened last, failure tolerated).  The guest's translate
    request must then do without them, not open(2) them inside the filter."""
    for limit in range(4, 64):
        free = run_with_fd_limit(limit, "mem/four-addresses")
        if free.code == XC["OK"]:
            break
    else:
        pytest.fail("mem/four-addresses never ran with up to 63 fds")
    boxed = run_with_fd_limit(limit, "mem/four-addresses", "--sandbox", env=boxed_env())
    assert boxed.code == XC["OK"], (limit, boxed.err)
    (t,) = boxed.doc["memory"]["translations"]
    assert t["asked_by"] == "guest" and t["gpa"] == free.doc["memory"]["translations"][0]["gpa"]


# ---- argument pins: each self-test makes one harmless call the pin forbids ----
# KVMLAB_SANDBOX_SELFTEST=NAME (vmm/security/sandbox.c sandbox_selftest) runs right after the
# filter goes in; each call would succeed or fail harmlessly without the filter.
PINS = [
    # (self-test, extra options, the call named, the thread)
    ("tgkill", [], "tgkill", "vCPU"),             # tgkill(1, 1, 0): another process (init)
    ("pwrite", [], "pwrite64", "vCPU"),           # no --blk: no pwrite64 at all
    ("pwrite", ["BLK"], "pwrite64", "vCPU"),      # --blk: pwrite64 to stderr, not the disk
    ("fsync", ["BLK"], "fsync", "vCPU"),          # fsync(stdout), not the disk
    ("ioctl-fd", [], "ioctl", "vCPU"),            # KVM_GET_REGS on stdin: not a kvmlab vCPU fd
    ("ioctl-vm", [], "ioctl", "vCPU"),            # KVM_GET_DIRTY_LOG on the vCPU fd: VM fd only
    ("ioctl-tty", [], "ioctl", "vCPU"),           # TCGETS on the VM fd: stdio only
    ("open", [], "openat", "vCPU"),               # nothing is opened after the filter
    ("1", ["--vcpus", "2"], "socket", "vCPU"),
    ("main", ["--vcpus", "2"], "socket", "main"), # --vcpus: the main thread is filtered too
    ("main-ioctl", ["--vcpus", "2"], "ioctl", "main"),  # ... and holds no unpinned ioctl
]


def builds_only_calls(thread):
    """Calls an instrumented build (make asan, make coverage, make test's build/inst)
    adds to a thread's table for its sanitizer or gcov runtime."""
    doc = run_kvmlab("info", "--sandbox", "--json", json_out=True).doc
    name = {"vCPU": "vcpu"}.get(thread, thread)
    return {r["allow"].split("(")[0] for t in doc["sandbox"] if t["thread"] == name
            for r in t["rules"] if "builds only" in r["why"]}


@pytest.mark.parametrize("selftest, extra, call, thread", PINS,
                         ids=[f"{p[0]}{'-' + '-'.join(p[1]) if p[1] else ''}" for p in PINS])
def test_each_pin_holds(kvm, tmp_path, selftest, extra, call, thread):
    if call in builds_only_calls(thread):
        pytest.skip(f"this build allows {call} in the {thread} thread for its runtime "
                    "(a 'builds only' row: gcov writes its .gcda files); the pin holds in the normal build")
    extra = [x for e in extra for x in (["--blk", str(tmp_path / "d.img"), "--blk-size", "1M"]
                                        if e == "BLK" else [e])]
    r = run_kvmlab("run", "hello-long", "--sandbox", "--json", *extra,
                   env={"KVMLAB_SANDBOX_SELFTEST": selftest, **boxed_env()})
    assert r.code == XC[XC_SANDBOX], (r.code, r.err)
    assert f"kvmlab: sandbox: forbidden system call {call} " in r.err and f"in the {thread} thread" in r.err, r.err


@pytest.mark.parametrize("extra", [[], ["--vcpus", "2"]])
def test_selftests_are_harmless_without_the_sandbox(run, extra):
    for selftest in sorted({p[0] for p in PINS}):
        r = run("hello-long", *extra, env={"KVMLAB_SANDBOX_SELFTEST": selftest})
        assert r.code == XC["OK"], (selftest, r.err)


def test_guest_facing_threads_allow_at_most_30_system_calls():
    r = run_kvmlab("info", "--sandbox", "--json", json_out=True)
    threads = {t["thread"]: t for t in r.doc["sandbox"]}
    assert set(threads) == {"vcpu", "io", "main"}
    for t in threads.values():
        calls = {x["allow"].split("(")[0] for x in t["rules"] if "builds only" not in x["why"]}
        assert t["syscalls"] == len(calls) <= 30, (t["thread"], sorted(calls))
        assert all(x["why"] for x in t["rules"])
        for x in t["rules"]:
            if x["allow"].startswith("ioctl"):      # every ioctl names its fd and request
                assert not x["allow"].startswith("ioctl(any fd"), x["allow"]
    allowed = {x["allow"] for x in threads["vcpu"]["rules"]}
    assert {"tgkill(own tgid)", "pwrite64(--blk fd)", "fsync(--blk fd)"} <= allowed
    text = run_kvmlab("info", "--sandbox").out
    assert f"{threads['vcpu']['syscalls']} system calls" in text
