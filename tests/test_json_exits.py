"""One "exits" object in every command (docs/json-schema.md, "The exits object",
schema version 4): run, the vcpus entries of a run, trace, each bench case, each
sensitive probe and each iobench path write it through one function
(vmm/report/exits_json.c), so a reader parses one shape everywhere.
"""
import pytest

from conftest import XC, payload, run_kvmlab


def shape(value):
    """The type structure of a JSON value: the same keys and types give the same shape.
    A list's shape is its first element's (every element is written by one loop)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return ["list", shape(value[0]) if value else None]
    if value is None:
        return "null"
    return type(value).__name__


def top_shape(exits):
    """Keys and types of the object itself, with by_reason as {counter keys and types}."""
    out = {k: shape(v) for k, v in exits.items() if k not in ("by_reason", "ports", "mmio", "msrs")}
    out["by_reason"] = {k: shape(v) for c in exits["by_reason"].values()
                        for k, v in c.items() if k != "histogram_log2"}
    for k in ("ports", "mmio", "msrs"):
        out[k] = type(exits[k]).__name__
    return out


def nullable(a, b):
    """Shapes a and b agree, allowing null where the other side has a number
    (ns_* without a TSC rate, emulated_instructions without binary stats)."""
    if a == "null" or b == "null":
        return a in ("null", "int", "float") and b in ("null", "int", "float")
    if a in ("int", "float") and b in ("int", "float"):
        return True                       # json_double prints 10.0 as a float, counts are ints
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(nullable(a[k], b[k]) for k in a)
    return a == b


@pytest.fixture(scope="module")
def reference(kvm):
    """The run's exits: the shape every other command must have."""
    r = run_kvmlab("run", payload("hello-long"), "--json", json_out=True)
    assert r.code == XC["OK"]
    return r.doc["exits"]


def assert_same(exits, reference, where):
    assert isinstance(exits, dict), where
    got, want = top_shape(exits), top_shape(reference)
    assert got.keys() == want.keys(), (where, sorted(got.keys() ^ want.keys()))
    assert nullable(got, want), (where, got, want)
    for access in ("ports", "mmio"):
        for e in exits[access]:
            assert set(e) == {"port" if access == "ports" else "gpa",
                              "port_hex" if access == "ports" else "gpa_hex",
                              "dir", "size", "exits", "elements", "claimed", "device"}, where


def test_run_vcpus_have_the_runs_exits(reference):
    r = run_kvmlab("run", payload("cpu/smp-counter"), "--vcpus", "2", "--json", json_out=True)
    assert r.code == XC["OK"]
    for v in r.doc["vcpus"]:
        assert_same(v["exits"], reference, f"vcpus[{v['id']}]")
    assert r.doc["vcpus"][0]["exits"]["total"] == r.doc["exits"]["total"]


def test_trace_has_the_runs_exits(reference):
    r = run_kvmlab("trace", payload("hello-real"), "--json", json_out=True)
    assert r.code == XC["OK"]
    assert_same(r.doc["exits"], reference, "trace")
    # every step the trace took is one DEBUG exit in the run's accounting
    assert r.doc["exits"]["by_reason"]["DEBUG"]["count"] == r.doc["result"]["debug_exits"]


def test_bench_cases_have_the_runs_exits(reference):
    r = run_kvmlab("bench", "--filter", "pio-out", "--iters", 20, "--repeat", 2, "--json", json_out=True)
    assert r.code == XC["OK"]
    [case] = r.doc["cases"]
    assert case["status"] == "ok", case["detail"]
    assert_same(case["exits"], reference, "bench pio-out")
    assert case["exits"]["by_reason"]["IO"]["count"] >= 20 * 2     # one OUT per iteration


def test_sensitive_probes_have_the_runs_exits(reference):
    r = run_kvmlab("sensitive", "--only", "out dx", "--json", json_out=True)
    assert r.code == XC["OK"]
    for p in r.doc["probes"]:
        assert_same(p["exits"], reference, f"probe {p['id']}")
        # exits_to_kvmlab is the same accounting minus the payload's own ports
        assert p["exits"]["total"] >= p["exits_to_kvmlab"]


def test_iobench_paths_have_the_runs_exits(reference):
    r = run_kvmlab("iobench", "--path", "uart", "--total", "1K", "--repeat", 1, "--json", json_out=True)
    assert r.code == XC["OK"]
    [path] = r.doc["paths"]
    assert_same(path["exits"], reference, "iobench uart")
    assert path["exits"]["total"] >= path["data_exits"]
