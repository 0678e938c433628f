"""`kvmlab iobench`: one workload, every path, counts consistent with the design.

Exit counts are exact (they follow from the drivers); cycle figures are only
checked for presence and consistency, never against wall-clock thresholds.
"""
import pytest

from conftest import XC, run_kvmlab
from iohelp import fnv1a, pattern

TOTAL, CHUNK, BATCH = 2048, 256, 4
CHAINS = TOTAL // CHUNK
# Exits on each device's data path, from the drivers (payloads/io/*-bench.asm):
DATA_EXITS = {
    "uart": 6 + TOTAL + TOTAL // 16 + 1,        # init, one per byte, LSR per 16 (+ last check)
    "virtio-exit": CHAINS // BATCH,            # one QueueNotify exit per batch
    "virtio-ioeventfd": 0,                     # the doorbell completes inside KVM
    "virtio-poll": 0,                          # no doorbell at all
    "virtio-irq": 0,                           # ioeventfd doorbell; completion by irqfd interrupt
    "mmio": TOTAL // 8,                        # one exit per 8-byte store
    "coalesced-mmio": (TOTAL // 8) // 170,     # one per full coalesced ring
    "blk": 32,                                 # io/blk-verify: one QueueNotify exit per request
    "vhost-user-blk": 0,                       # the kick is the back-end's ioeventfd
}
BLK_PATHS = ("blk", "vhost-user-blk")
BLK_REQUESTS, BLK_BYTES = 32, 32 * 1024        # io/blk-verify: 16 writes + 16 reads of 1 KiB


@pytest.fixture(scope="module")
def bench(kvm):
    r = run_kvmlab("iobench", "--total", TOTAL, "--chunk", CHUNK, "--batch", BATCH,
                   "--repeat", 1, "--json", json_out=True)
    assert r.code == XC["OK"], r.err
    return r.doc


def test_document(bench):
    assert bench["command"] == "iobench"
    assert bench["config"] == {"total": TOTAL, "chunk": CHUNK, "batch": BATCH, "repeat": 1,
                               "expected_fnv1a": fnv1a(pattern(TOTAL, CHUNK))}
    assert [p["name"] for p in bench["paths"]] == list(DATA_EXITS)


def test_every_path_delivers_the_stream(bench):
    for p in bench["paths"]:
        want = BLK_BYTES if p["name"] in BLK_PATHS else TOTAL
        assert (p["name"], p["exit_code"], p["bytes"], p["stream_ok"]) == (p["name"], 0, want, True)


def test_block_paths_cost_per_request(bench):
    """The block workload: per-request cost on both; only vhost-user has a back-end's CPU."""
    by = {p["name"]: p for p in bench["paths"]}
    for name in BLK_PATHS:
        p = by[name]
        assert p["requests"] == BLK_REQUESTS
        assert p["cycles_per_request"] == pytest.approx(p["cycles_median"] / BLK_REQUESTS)
        assert p["vmm_cpu_seconds"] > 0
    assert by["blk"]["backend_cpu_seconds"] is None
    assert by["vhost-user-blk"]["backend_cpu_seconds"] is not None
    assert by["uart"]["requests"] is None


def test_data_path_exits_follow_the_design(bench, host_info):
    caps = host_info["capabilities"]
    for p in bench["paths"]:
        if p["name"] in ("virtio-ioeventfd", "virtio-irq") and not caps.get("IOEVENTFD"):
            continue
        assert (p["name"], p["data_exits"]) == (p["name"], DATA_EXITS[p["name"]])
        per = BLK_BYTES if p["name"] in BLK_PATHS else TOTAL
        assert p["data_exits_per_kib"] == pytest.approx(DATA_EXITS[p["name"]] * 1024 / per)


def test_uart_costs_about_1024_exits_per_kib(bench):
    uart = bench["paths"][0]
    assert 1024 <= uart["data_exits_per_kib"] <= 1024 * 17 / 16 + 4
    assert uart["ratio_to_uart"] == 1.0


def test_guest_notifications(bench):
    by = {p["name"]: p for p in bench["paths"]}
    assert by["virtio-exit"]["guest_notifies"] == CHAINS // BATCH
    assert by["virtio-ioeventfd"]["guest_notifies"] == CHAINS // BATCH
    assert by["virtio-poll"]["guest_notifies"] == 0
    # Interrupt completion: one doorbell per batch, and at least one interrupt woke the
    # guest (the device may finish several batches per interrupt; edges merge).
    assert by["virtio-irq"]["guest_notifies"] == CHAINS // BATCH
    assert 1 <= by["virtio-irq"]["guest_interrupts"] <= CHAINS // BATCH
    assert by["coalesced-mmio"]["coalesced_drained"] == TOTAL // 8 - DATA_EXITS["coalesced-mmio"]


def test_cycles_reported(bench):
    for p in bench["paths"]:
        assert p["cycles_min"] == p["cycles_median"] == p["cycles_max"] > 0
        per = BLK_BYTES if p["name"] in BLK_PATHS else TOTAL
        assert p["cycles_per_byte"] == pytest.approx(p["cycles_median"] / per)
        assert p["bytes_per_second"] > 0


def test_text_table(kvm):
    r = run_kvmlab("iobench", "--total", 512, "--repeat", 1, "--path", "uart", "--path", "virtio-exit")
    assert r.code == XC["OK"], r.err
    lines = r.out.splitlines()
    assert lines[1].split()[:4] == ["path", "exits", "data", "data/KiB"]
    assert lines[2].split()[0] == "uart" and lines[2].split()[-1] == "ok"
    assert lines[3].split()[0] == "virtio-exit"


@pytest.mark.parametrize("args", [("--path", "pigeon"), ("--repeat", "0"), ("--total", "0"),
                                  ("--chunk", "5000"), ("extra",)])
def test_usage_errors(kvm, args):
    r = run_kvmlab("iobench", *args)
    assert r.code == XC["USAGE"]
    assert r.err.count("\n") == 1


def test_plot_iobench_draws_the_chart(kvm, tmp_path):
    """scripts/plot-iobench turns `iobench --json` into an SVG (gnuplot)."""
    import os
    import shutil
    import subprocess
    from conftest import KVMLAB, ROOT
    if not shutil.which("gnuplot"):
        pytest.skip("gnuplot is not installed (scripts/deps.sh installs gnuplot-nox)")
    r = run_kvmlab("iobench", "--total", 512, "--repeat", 1, "--json", json_out=True)
    assert r.code == XC["OK"], r.err
    src = tmp_path / "iobench.json"
    src.write_text(r.out)
    out = tmp_path / "chart.svg"
    p = subprocess.run([os.path.join(ROOT, "scripts", "plot-iobench"), str(src), str(out)],
                       capture_output=True, text=True, env=dict(os.environ, KVMLAB=KVMLAB), timeout=60)
    assert p.returncode == 0, p.stderr
    svg = out.read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for name in ("uart", "virtio-ioeventfd", "coalesced-mmio"):
        assert name in svg
