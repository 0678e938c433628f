"""run --ktrace: KVM's own tracepoints for kvmlab's vCPU threads (docs/ktrace.md).

Each test names the payload and what the kernel must show for it; what differs
between hosts comes from the expectations table (vmm/core/expect.def, area
"ktrace" and "insn-emulation"), never from a backend name.  Every test checks
that no tracefs instance of the run is left behind.
"""
import fcntl
import json
import os
import signal
import subprocess
import tempfile
import time

import pytest

from conftest import KVMLAB, PAYLOADS, XC, payload, run_kvmlab

INSTANCES = "/sys/kernel/tracing/instances"


def instance(pid):
    return os.path.join(INSTANCES, f"kvmlab-{pid}")


def own_instances():
    if not os.path.isdir(INSTANCES):
        return []
    return [n for n in os.listdir(INSTANCES) if n.startswith("kvmlab-")]


# test_sigkill_leaves_an_instance_that_the_next_run_removes leaves one stale instance on
# purpose, for a moment; the same module may run in make test's other pass at that time.
# It names the pid here first, and stale_instances leaves that one out.
ON_PURPOSE = os.path.join(tempfile.gettempdir(), "kvmlab-ktrace-stale-on-purpose")


def stale_instances():
    """kvmlab instances whose process is gone: what a run must never leave (another
    kvmlab recording at the same time, e.g. a parallel test, owns a live one; the
    SIGKILL test's, left on purpose, is named in ON_PURPOSE)."""
    meant = set(os.listdir(ON_PURPOSE)) if os.path.isdir(ON_PURPOSE) else set()
    return [n for n in own_instances()
            if not os.path.exists(f"/proc/{n[len('kvmlab-'):]}") and n[len('kvmlab-'):] not in meant]


@pytest.fixture
def ktrace(require, kvm):
    require(ktrace=True)


def ktrace_run(name, *opts):
    r = run_kvmlab("run", payload(name), "--json", "--ktrace", *opts, json_out=True)
    assert r.doc is not None, r.err
    assert "--ktrace" not in r.err, r.err       # recorded, not skipped
    k = r.doc["ktrace"]
    assert k is not None
    return r, k


def test_hello_long_every_port_write_is_a_kvm_run_that_reaches_user_space(ktrace):
    r, k = ktrace_run("hello-long")
    assert r.code == XC["OK"], r.err
    # hello-long writes 22 bytes to port 0xE9, then hlt: 23 KVM_RUN calls, each ending in user space.
    assert r.exits("IO") == 22
    assert k["to_user_space"] == {"IO": 22, "HLT": 1}
    assert k["kvm_runs"] == 23 == r.doc["exits"]["kvm_run_calls"]
    assert k["events"]["kvm_pio"] == 22
    assert [run["to_user_space"] for run in k["runs"]] == ["IO"] * 22 + ["HLT"]
    assert k["lost_events"] == 0 and not k["lost_unknown"]
    assert k["clock"] in ("x86-tsc", "mono")
    assert all(run["kernel_ticks"] > 0 for run in k["runs"])
    # user time follows every KVM_RUN but the last
    assert [run["user_ticks"] is not None for run in k["runs"]] == [True] * 22 + [False]


def test_the_exit_of_an_out_is_named_from_the_facts(ktrace, expect):
    r, k = ktrace_run("hello-long")
    mode = expect("ktrace", "guest-mode")
    reason = expect("ktrace", "out-reason")
    assert k["guest_mode_observable"] == (mode.value == "observable"), mode.why
    if mode.value == "not-observable":
        assert k["events"]["kvm_exit"] == 0 and k["events"]["kvm_entry"] == 0, mode.why
        assert k["time"]["guest_ticks"] is None
        return
    if reason.value == "unknown":
        pytest.skip(f"no exit-reason expectation for this backend: {reason.why}")
    # Every OUT to 0xE9 is one VM exit, and it is the one that goes on to user space.
    assert k["exit_reasons"].get(reason.value, 0) >= 22, (k["exit_reasons"], reason.why)
    assert k["time"]["guest_ticks"] > 0


def test_emulated_instructions_match_kvms_own_stat(ktrace, expect):
    r, k = ktrace_run("hello-long")
    e = expect("insn-emulation", "hello-long")
    stat = r.vcpu_stat("insn_emulation")
    if stat is None:
        pytest.skip("requires KVM_CAP_BINARY_STATS_FD (insn_emulation) to compare with")
    # kvm_emulate_insn is traced once per x86_emulate_instruction, as the stat counts.
    assert k["emulated_instructions"] == stat, e.why
    if e.value == "0":
        assert k["emulated_instructions"] == 0, e.why
    else:
        assert k["emulated_instructions"] > 0, e.why


def test_first_touch_of_a_page_is_a_kvm_page_fault_where_the_facts_say(ktrace, expect):
    # mem/faults-4k stores to 64 pages nothing touched before.
    r, k = ktrace_run("mem/faults-4k")
    assert r.code == XC["OK"], r.err
    e = expect("ktrace", "first-touch")
    if e.value == "fault":
        assert k["page_faults"] >= 1, e.why
        assert sum(run["page_faults"] for run in k["runs"]) >= 1
    else:
        assert e.value == "none"
        assert k["page_faults"] == 0, e.why


def test_text_report_has_the_kernel_view(ktrace, kvm):
    r = run_kvmlab("run", payload("hello-long"), "--ktrace")
    assert r.code == XC["OK"], r.err
    assert "KVM_RUN calls seen from KVM's own events" in r.out
    assert "to user space (kvm_userspace_exit): IO 22 HLT 1" in r.out


def test_only_kvmlabs_vcpu_threads_are_recorded(ktrace):
    r, k = ktrace_run("cpu/smp-counter", "--vcpus", "2")
    assert r.code == XC["OK"], r.err
    # The trace's threads are exactly the vCPU threads kvmlab reports (not the I/O
    # thread, not another process), and each one's KVM_RUN count is kvmlab's own.
    per_tid = {}
    for run in k["runs"]:
        per_tid[run["tid"]] = per_tid.get(run["tid"], 0) + 1
    summary = {n: v for n, v in k.items() if not isinstance(v, (list, dict))}
    assert per_tid == {v["tid"]: v["exits"]["kvm_run_calls"] for v in r.doc["vcpus"]}, (summary, r.err)


def test_no_instance_is_left_after_a_run(ktrace):
    r, k = ktrace_run("hello-long")
    pid = r.doc["vcpus"][0]["tid"]          # one vCPU: it runs on the main thread, tid = pid
    assert not os.path.exists(instance(pid))


def recorded_something(path):
    """The instance's buffer holds an event: the vCPU thread entered KVM_RUN (the
    only ioctl the syscall events keep, and the kvm events happen inside it).
    A non-consuming read of the trace's first lines (ftrace.rst, "trace")."""
    try:
        with open(os.path.join(path, "trace")) as f:
            head = f.read(8192)
    except OSError:
        return False
    return any(line and not line.startswith("#") for line in head.splitlines())


def wait_for_instance(proc):
    """Blocks until kvmlab's instance exists and its vCPU is in KVM_RUN: the thread is
    in set_event_pid before its first KVM_RUN, so that alone leaves a window in which
    a signal finds the vCPU outside KVM_RUN (a loaded host widens it)."""
    path = instance(proc.pid)
    while proc.poll() is None:
        if os.path.isdir(path) and open(os.path.join(path, "set_event_pid")).read().strip() \
                and recorded_something(path):
            return path
        time.sleep(0.01)        # polling interval only, not a threshold
    pytest.fail(f"kvmlab ended before it recorded: {proc.stderr.read()}")


def start_long_run():
    return subprocess.Popen([KVMLAB, "run", payload("loop-forever"), "--json", "--ktrace", "--timeout", "120"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            text=True, env={**os.environ, "KVMLAB_PAYLOADS": PAYLOADS})


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_ends_the_run_and_removes_the_instance(ktrace, sig):
    proc = start_long_run()
    try:
        path = wait_for_instance(proc)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == XC["INTERRUPTED"], err
    assert not os.path.exists(path)
    k = json.loads(out)["ktrace"]
    assert k is not None
    # The last KVM_RUN ended with EINTR, and the trace shows it, unless the guest's
    # emulated loop overflowed the trace buffer (a loaded host reads it late): then
    # the report must say that events were lost.
    assert k["interrupted"] >= 1 or k["lost_events"] > 0 or k["lost_unknown"], k


def test_sigkill_leaves_an_instance_that_the_next_run_removes(ktrace):
    proc = start_long_run()
    # Cleaners lock the instances directory (vmm/measure/ktrace.c): hold it so that no
    # other kvmlab removes the stale instance before this test has seen it.
    lock = marker = None
    try:
        path = wait_for_instance(proc)  # tracefs is mounted by now (kvmlab mounts it if need be)
        lock = os.open(INSTANCES, os.O_RDONLY | os.O_DIRECTORY)
        fcntl.flock(lock, fcntl.LOCK_EX)
        os.makedirs(ON_PURPOSE, exist_ok=True)
        marker = os.path.join(ON_PURPOSE, str(proc.pid))
        open(marker, "w").close()
        proc.kill()
        proc.wait(timeout=30)
        assert os.path.isdir(path)      # nothing can clean up after SIGKILL ...
    finally:
        proc.kill()
        if lock is not None:
            os.close(lock)
    try:
        r, k = ktrace_run("hello-long")
        assert r.code == XC["OK"], r.err
        assert not os.path.exists(path)     # ... but the next --ktrace run's start does
    finally:
        if marker is not None:
            os.unlink(marker)


def test_without_root_ktrace_says_what_is_missing_and_the_run_goes_on(kvm, facts):
    if facts.get("root"):
        pytest.skip("requires a non-root user with /dev/kvm access (this run is root)")
    r = run_kvmlab("run", payload("hello-long"), "--json", "--ktrace", json_out=True)
    assert r.code == XC["OK"], r.err
    lines = [l for l in r.err.splitlines() if "--ktrace" in l]
    assert lines == ["kvmlab: --ktrace: needs root (tracefs and KVM's tracepoints are root-only); running without it"]
    assert r.doc["ktrace"] is None and r.exits("IO") == 22


def test_without_ktrace_the_report_has_null(kvm):
    r = run_kvmlab("run", payload("hello-long"), "--json", json_out=True)
    assert r.code == XC["OK"], r.err
    assert r.doc["ktrace"] is None


def test_bench_where_handled_from_the_trace(ktrace):
    """bench --ktrace: an `out` kvmlab serves reaches user space on every host; one KVM
    answers through an ioeventfd (pio-kernel) is handled in the kernel and traced as
    kvm_pio.  Both derivations must say so, and agree."""
    r = run_kvmlab("bench", "--filter", "pio-out,pio-kernel", "--repeat", "3", "--iters", "100",
                   "--ktrace", "--json", json_out=True)
    assert r.code == XC["OK"], r.err
    cases = {c["name"]: c for c in r.doc["cases"]}
    assert cases["pio-out"]["where_trace"] == "kvmlab"
    assert "trace.to_user_space" in cases["pio-out"]["where_trace_evidence"]
    assert cases["pio-kernel"]["where_trace"] == "kernel"
    assert all(c["where_agree"] is True for c in cases.values())


def test_bench_without_ktrace_has_no_trace_verdict(kvm):
    r = run_kvmlab("bench", "--filter", "pio-out", "--repeat", "2", "--iters", "50", "--json", json_out=True)
    assert r.code == XC["OK"], r.err
    c = r.doc["cases"][0]
    assert c["where_trace"] is None and c["where_agree"] is None


def test_plot_ktrace_writes_a_png(ktrace, require, tmp_path):
    require(tool="gnuplot")
    r = run_kvmlab("run", payload("hello-long"), "--ktrace", "--json")
    src = tmp_path / "run.json"
    src.write_text(r.out)
    png = tmp_path / "run.png"
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    p = subprocess.run([os.path.join(root, "scripts", "plot-ktrace"), str(src), str(png)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_ktrace_refuses_a_run_without_ktrace(kvm, tmp_path):
    r = run_kvmlab("run", payload("hello-long"), "--json")
    src = tmp_path / "run.json"
    src.write_text(r.out)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    p = subprocess.run([os.path.join(root, "scripts", "plot-ktrace"), str(src), str(tmp_path / "x.png")],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode != 0 and "no ktrace section" in p.stderr


def test_trace_ktrace_sees_every_step_exit_and_the_lost_one(ktrace):
    """trace --ktrace: each KVM_EXIT_DEBUG kvmlab counted is a KVM_RUN that KVM ended with
    KVM_EXIT_DEBUG, and each other exit kvmlab saw is one too; a step KVM completes without a
    step exit (docs/trace.md) is a KVM_RUN that the immediate exit ended with EINTR."""
    r = run_kvmlab("trace", payload("cpu/trace-short"), "--json", "--ktrace", json_out=True)
    assert r.code == XC["OK"], r.err
    k = r.doc["ktrace"]
    assert k is not None, r.err
    counts = {reason: e["count"] for reason, e in r.doc["exits"]["by_reason"].items()}
    assert k["to_user_space"] == counts
    assert k["kvm_runs"] == sum(counts.values()) + k["interrupted"]


def test_ktrace_with_sandbox_is_a_usage_error(kvm):
    # The sandbox forbids open(2), which reading the trace needs (docs/ktrace.md).
    r = run_kvmlab("run", payload("hello-long"), "--ktrace", "--sandbox")
    assert r.code == XC["USAGE"]
    assert "--ktrace and --sandbox exclude each other" in r.err


def sensitive_ktrace(*opts):
    r = run_kvmlab("sensitive", "--json", "--ktrace", *opts, json_out=True)
    assert r.code == XC["OK"], r.err
    assert r.doc["ktrace"]["recorded"], r.doc["ktrace"]
    return r.doc


def test_sensitive_traces_every_probe_and_counts_emulation_as_the_stat_does(ktrace, expect):
    """sensitive --ktrace: each probe's KVM_RUNs from KVM's own events.  KVM fires
    kvm_emulate_insn where it counts insn_emulation (x86_decode_emulated_instruction),
    so the two agree probe by probe; guest-mode exits are counted only where the
    facts say guest mode is traced."""
    doc = sensitive_ktrace("--only", "cpuid")
    mode = expect("ktrace", "guest-mode")
    assert doc["ktrace"]["guest_mode_observable"] == (mode.value == "observable"), mode.why
    assert [p["instruction"] for p in doc["probes"]] == ["nop", "nop", "cpuid", "cpuid"]
    for p in doc["probes"]:
        t = p["ktrace"]
        assert t is not None, p
        assert t["kvm_runs"] == p["exits"]["kvm_run_calls"]
        assert t["to_user_space"] == p["exits"]["total"]
        if p["kvm"] is not None:
            assert t["emulated_instructions"] == p["kvm"]["insn_emulation"]
            assert t["agrees_with_stats"] is True
        if mode.value == "not-observable":
            assert t["kvm_exits"] is None and t["kernel_exits_vs_nop"] is None, mode.why
        else:
            assert t["kvm_exits"] >= t["to_user_space"]
    assert not stale_instances()


def test_sensitive_text_shows_the_trace_columns(ktrace, kvm):
    r = run_kvmlab("sensitive", "--ktrace", "--only", "cpuid")
    assert r.code == XC["OK"], r.err
    assert "t.emul t.kexits" in r.out
    assert "--ktrace: KVM's kvm_emulate_insn events and its insn_emulation stat agree for 4 of 4 probes" in r.out
    assert not stale_instances()


def test_failed_emulations_are_not_counted_as_instructions(ktrace):
    """kvm_emulate_insn with failed=1 reports an emulation that failed, not a new
    instruction: emulated_instructions still equals insn_emulation."""
    r, k = ktrace_run("mem/faults-4k")
    stat = r.vcpu_stat("insn_emulation")
    if stat is None:
        pytest.skip("requires KVM_CAP_BINARY_STATS_FD (insn_emulation) to compare with")
    assert k["emulated_instructions"] == stat
    assert k["events"]["kvm_emulate_insn"] == stat
