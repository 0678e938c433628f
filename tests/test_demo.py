"""`make demo` (scripts/demo.sh): after the tour, the instrument - a short bench with
where each exit was handled and the emulation note, an iobench summary, and the
pointers to the full commands and labs.  Structure only, never timing."""
import os
import subprocess

import pytest

from conftest import BUILD, ROOT

DEMO_CASES = ["cpuid", "pio-out", "pio-kernel", "mmio-write", "hlt", "touch-first"]


@pytest.fixture(scope="module")
def demo(kvm):
    env = dict(os.environ, KVMLAB_PAYLOADS=os.path.join(BUILD, "payloads"))
    r = subprocess.run(["sh", "scripts/demo.sh", BUILD], cwd=ROOT, capture_output=True, text=True,
                       timeout=300, env=env, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_demo_runs_the_tour_then_the_bench(demo):
    assert demo.index("hello-long") < demo.index("kvmlab bench on ") < demo.index("kvmlab iobench: ")


def test_demo_bench_shows_where_each_exit_was_handled(demo, emulated):
    rows = {l.split()[0]: l.split() for l in demo.splitlines() if l.split() and l.split()[0] in DEMO_CASES}
    assert sorted(rows) == sorted(DEMO_CASES)
    assert all(r[1] in ("none", "kernel", "kvmlab") for r in rows.values())
    assert rows["pio-out"][1] == "kvmlab" and rows["mmio-write"][1] == "kvmlab" and rows["hlt"][1] == "kvmlab"
    assert ("!! EMULATED" in demo) == emulated


def test_demo_iobench_lists_every_path(demo):
    paths = ["uart", "virtio-exit", "virtio-ioeventfd", "virtio-poll", "virtio-irq", "mmio", "coalesced-mmio"]
    start = demo.index("kvmlab iobench: ")
    listed = [l.split()[0] for l in demo[start:].splitlines()[2:9]]
    assert listed == paths


def test_demo_ends_with_where_to_go_next(demo):
    tail = demo[demo.index("The full instrument:"):]
    for ref in ("bench", "iobench", "make bench-overhead", "docs/measurement.md", "labs/README.md",
                "labs/price-of-an-exit.md"):
        assert ref in tail, ref
    for ref in ("docs/measurement.md", "labs/README.md", "labs/price-of-an-exit.md", "labs/three-ways-io.md"):
        assert os.path.exists(os.path.join(ROOT, ref)), ref
