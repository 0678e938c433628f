"""run --live SECS: KVM's per-vCPU counters while the guest runs, as kvm_stat
shows a VM (vmm/measure/live.c, docs/ktrace.md "A live view").

A monitor thread reads each vCPU's own binary stats fd (KVM_GET_STATS_FD,
api.rst 4.133) every SECS; the rows are rates on stderr, the samples are in
the JSON.  What must hold on every host: the counts only grow, the last
sample is the whole run (it equals the run's own KVM stats), and each rate
is the count over its interval.
"""
import pytest

from conftest import XC, run_kvmlab


def live_run(name, *opts):
    r = run_kvmlab("run", name, "--json", *opts, json_out=True)
    assert r.doc is not None, r.err
    if r.doc["kvm_stats"]["vcpu"] is None:
        pytest.skip("requires KVM_CAP_BINARY_STATS_FD (per-vCPU stats fd)")
    assert r.doc["live"] is not None, r.err
    return r, r.doc["live"]


def test_counts_grow_and_the_last_sample_is_the_whole_run(kvm):
    # exit-storm exits until the watchdog stops it: several intervals.
    r, live = live_run("hostile/exit-storm", "--timeout", "0.5", "--live", "0.1")
    assert r.end == "timeout"
    samples = live["samples"]
    assert len(samples) >= 2 and live["dropped"] == 0
    assert live["interval_s"] == 0.1 and live["vcpus"] == 1
    assert "exits" in live["stats"]
    for a, b in zip(samples, samples[1:]):
        assert b["t"] > a["t"] and b["dt"] > 0
        for name in live["stats"]:
            assert b["counts"][name] >= a["counts"][name], name
    last = samples[-1]["counts"]
    stats = r.doc["kvm_stats"]["vcpu"]
    assert {n: last[n] for n in live["stats"]} == {n: stats[n] for n in live["stats"]}
    assert last["exits"] >= r.doc["exits"]["total"] > 0


def test_each_rate_is_its_intervals_count(kvm):
    r, live = live_run("hostile/exit-storm", "--timeout", "0.3", "--live", "0.1")
    prev = {n: 0 for n in live["stats"]}
    for s in live["samples"]:
        for n in live["stats"]:
            assert s["per_second"][n] == pytest.approx((s["counts"][n] - prev[n]) / s["dt"], rel=1e-6, abs=1e-6)
        prev = s["counts"]


def test_every_vcpu_is_summed(kvm):
    r, live = live_run("cpu/smp-counter", "--vcpus", "2", "--live", "0.05")
    assert r.code == XC["OK"], r.err
    assert live["vcpus"] == 2
    # The monitor's counts start before any vCPU runs and end after all stopped.
    assert live["samples"][-1]["counts"]["insn_emulation"] == sum(v["insn_emulation"] for v in r.doc["vcpus"])


def test_rows_go_to_stderr_and_stdout_stays_one_document(kvm):
    r, live = live_run("hostile/exit-storm", "--timeout", "0.3", "--live", "0.1")
    rows = [l for l in r.err.splitlines() if l.startswith("live: ")]
    assert rows[0].startswith("live: KVM's per-vCPU stats (1 vCPU summed), per second over each 0.1 s")
    assert rows[1].split()[1:4] == ["t", "(s)", live["stats"][0]]
    assert len(rows) == 2 + len(live["samples"])


def test_without_live_the_report_has_null(run):
    assert run("hello-long").doc["live"] is None


@pytest.mark.parametrize("value", ["0", "-1", "abc", "0.001"])
def test_bad_interval_is_a_usage_error(kvm, value):
    r = run_kvmlab("run", "hello-long", "--live", value)
    assert r.code == XC["USAGE"]
    assert r.err.strip().splitlines() == [f"kvmlab run: --live: '{value}' is not a number of seconds from 0.01 to 86400 (see kvmlab run --help)"]


def test_live_and_sandbox_exclude_each_other(kvm):
    r = run_kvmlab("run", "hello-long", "--live", "1", "--sandbox")
    assert r.code == XC["USAGE"]
    assert "--live and --sandbox exclude each other" in r.err
