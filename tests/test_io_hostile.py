"""Hostile virtio drivers: every class of broken virtqueue is refused.

Each payloads/io/hostile-*.asm initializes the console properly and then
breaks one rule of virtio 1.1 section 2.7.  kvmlab must: set
DEVICE_NEEDS_RESET (Status bit 0x40), record the class in io.virtio.error,
use no buffer, let a reset (Status = 0) bring the device back, and itself end
normally (exit code 0) - never crash, hang, or touch memory outside the guest.
"""
import pytest

from conftest import XC
from iohelp import values

NEEDS_RESET = 0x40
STATUS_BROKEN = 0x0F | NEEDS_RESET

HOSTILE = {
    "hostile-queue-size":  "queue_size",
    "hostile-ring-addr":   "ring_address",
    "hostile-avail-idx":   "avail_idx",
    "hostile-head-index":  "head_index",
    "hostile-next-index":  "next_index",
    "hostile-loop":        "chain_loop",
    "hostile-buf-addr":    "buffer_address",
    "hostile-mmio-buf":    "buffer_address",
    "hostile-indirect":    "indirect",
    "hostile-order":       "descriptor_order",
    "hostile-chain-bytes": "chain_bytes",
}
AT_QUEUE_READY = {"hostile-queue-size", "hostile-ring-addr"}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_chain_rejected(run, name):
    r = run("io/" + name, "--timeout", "10")
    assert r.code == XC["OK"], r.err
    assert r.end == "hlt"
    v = r.doc["io"]["virtio"]
    assert v["error"] == HOSTILE[name]
    assert v["errors"] == 1
    assert (v["chains"], v["bytes"], v["text"]) == (0, 0, "")
    got = values(r)
    assert got["status"] == STATUS_BROKEN
    assert got["used_idx"] == 0
    assert got["status_after_reset"] == 0
    assert v["status"] == 0                 # the driver reset it before halting
    if name in AT_QUEUE_READY:
        assert got["queue_ready"] == 0
        assert v["error_detail"] == "QueueReady: " + HOSTILE[name]
    else:
        assert v["error_detail"] == "transmitq0: " + HOSTILE[name]


@pytest.mark.parametrize("name", ["hostile-loop", "hostile-buf-addr", "hostile-avail-idx"])
def test_hostile_chain_rejected_by_the_io_thread(run, require_cap, name):
    """The same checks guard the ioeventfd path, where a kvmlab thread walks the ring."""
    require_cap("IOEVENTFD")
    r = run("io/" + name, "--virtio-notify", "ioeventfd", "--timeout", "10")
    assert r.code == XC["OK"], r.err
    assert r.doc["io"]["virtio"]["error"] == HOSTILE[name]
    assert values(r)["status"] == STATUS_BROKEN
