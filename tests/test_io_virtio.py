"""The virtio console over virtio-mmio, through each doorbell path.

The guest driver is the same binary on every path; what changes is who
answers QueueNotify (docs/io.md): an MMIO exit to kvmlab ("exit"), KVM itself
through an ioeventfd while kvmlab's I/O thread does the work ("ioeventfd"),
or nobody, because the device polls and told the driver not to ring ("poll").
"""
import pytest

from conftest import XC
from iohelp import fnv1a, mmio_exits, pattern, values

QUEUE_NOTIFY = 0xC0000000 + 0x50
STATUS_LIVE = 0x0F                      # ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK
VERSION_1 = 1 << 32

PATHS = ["exit", "ioeventfd", "poll"]
# Doorbells the guest rings, and how many of them reach kvmlab as exits.
HELLO_NOTIFIES = {"exit": 1, "ioeventfd": 1, "poll": 0}
HELLO_NOTIFY_EXITS = {"exit": 1, "ioeventfd": 0, "poll": 0}


def need(require_cap, path):
    if path == "ioeventfd":
        require_cap("IOEVENTFD")


@pytest.mark.parametrize("path", PATHS)
def test_virtio_driver_output_exact(run, require_cap, path):
    need(require_cap, path)
    r = run("io/virtio-hello", "--virtio-notify", path)
    assert r.code == XC["OK"], r.err
    v = r.doc["io"]["virtio"]
    assert v["text"] == "Hello from virtio!\n"
    assert (v["chains"], v["bytes"], v["status"], v["error"]) == (1, 19, STATUS_LIVE, None)
    assert v["driver_features"] == VERSION_1
    assert v["notify"] == path
    assert values(r) == {"notifies": HELLO_NOTIFIES[path], "used_idx": 1,
                         "virtio_status": STATUS_LIVE}
    assert mmio_exits(r, QUEUE_NOTIFY) == HELLO_NOTIFY_EXITS[path]
    assert v["thread_wakeups"] == (1 if path == "ioeventfd" else 0)
    assert r.console == "Hello from virtio!\n"   # the virtio console writes to the one console


@pytest.mark.parametrize("path", PATHS)
def test_virtio_workload_one_doorbell_per_batch(run, require_cap, path):
    need(require_cap, path)
    total, chunk, batch = 4096, 256, 4
    r = run("io/virtio-bench", "--virtio-notify", path, "--io-total", total,
            "--io-chunk", chunk, "--io-batch", batch)
    assert r.code == XC["OK"], r.err
    v = r.doc["io"]["virtio"]
    chains = total // chunk
    assert (v["bytes"], v["chains"], v["error"]) == (total, chains, None)
    assert v["fnv1a"] == fnv1a(pattern(total, chunk))
    doorbells = chains // batch
    assert values(r)["notifies"] == {"exit": doorbells, "ioeventfd": doorbells, "poll": 0}[path]
    assert mmio_exits(r, QUEUE_NOTIFY) == {"exit": doorbells, "ioeventfd": 0, "poll": 0}[path]
    if path == "ioeventfd":             # doorbells may merge into fewer wakeups, never more
        assert 1 <= v["thread_wakeups"] <= doorbells


def test_virtio_text_is_echoed_without_json(kvm):
    from conftest import run_kvmlab
    r = run_kvmlab("run", "io/virtio-hello", "--quiet")
    assert r.code == XC["OK"], r.err
    assert r.out == "Hello from virtio!\n"


def test_coalesced_mmio_makes_exits_fall(run, require_cap):
    require_cap("COALESCED_MMIO")
    total = 4096
    plain = run("io/sink-bench", "--io-total", total)
    coal = run("io/sink-bench", "--io-total", total, "--coalesced-mmio")
    assert plain.code == coal.code == XC["OK"]
    stores = total // 8
    want = fnv1a(pattern(total, 256))
    p, c = plain.doc["io"]["sink"], coal.doc["io"]["sink"]
    assert (p["bytes"], p["writes"], p["exits"], p["drained"], p["fnv1a"]) == (total, stores, stores, 0, want)
    # KVM's ring holds KVM_COALESCED_MMIO_MAX - 1 = 169 stores (4 KiB page,
    # 24-byte entries, one slot kept free); the 170th exits, kvmlab drains
    # the 169 first, then handles it: one exit per 170 stores (generic KVM code).
    assert (c["bytes"], c["writes"], c["fnv1a"]) == (total, stores, want)
    assert c["exits"] == stores // 170
    assert c["drained"] == stores - stores // 170
