"""What labs/three-ways-io.md, labs/pio-mmio-dma.md and
labs/device-attack-surface.md say about kvmlab's output, asserted by running
their commands (tests/test_labs.py checks their exit codes)."""
import os
import re

import pytest

import labtools as L

from conftest import XC, run_kvmlab
from iohelp import mmio_exits, port_exits, values

QUEUE_NOTIFY = 0xC0000050


def lines(r):
    return r.out.splitlines()


def has_line(r, text):
    assert any(l.strip() == text.strip() for l in lines(r)), f"no line {text!r} in:\n{r.out}"


# ---- three-ways-io.md ----

def test_three_ways_uart_step(kvm):
    r = run_kvmlab("run", "io/uart-hello", "--uart-input", "abc")
    assert r.code == XC["OK"], r.err
    assert r.out.startswith("Hello, COM1!\nabc\n")
    has_line(r, "uart:     16 bytes sent, 3 received, 47 register accesses")
    has_line(r, "exits:    50 to kvmlab  IO 49  HLT 1")


@pytest.mark.parametrize("mode,mmio,total", [("exit", 27, 31), ("ioeventfd", 26, 30), ("poll", 26, 30)])
def test_three_ways_virtio_steps(run, require_cap, mode, mmio, total):
    if mode == "ioeventfd":
        require_cap("IOEVENTFD")
    text = run_kvmlab("run", "io/virtio-hello", "--virtio-notify", mode)
    assert text.code == XC["OK"], text.err
    has_line(text, f"virtio:   notify={mode}, 1 chain, 19 bytes, status 0x0f")
    has_line(text, f"exits:    {total} to kvmlab  IO 3  HLT 1  MMIO {mmio}")
    r = run("io/virtio-hello", "--virtio-notify", mode)
    assert mmio_exits(r, QUEUE_NOTIFY) == (1 if mode == "exit" else 0)
    assert r.doc["io"]["virtio"]["notifies_seen"] == (1 if mode == "exit" else 0)
    assert values(r)["notifies"] == (0 if mode == "poll" else 1)


def test_three_ways_iobench_step(kvm, expect):
    r = run_kvmlab("iobench", "--total", "4K", "--repeat", "1", "--json", json_out=True)
    failed = [(p["name"], p["exit_code"], p["detail"]) for p in (r.doc or {}).get("paths", []) if p["exit_code"]]
    assert r.code == XC["OK"], (r.err, failed)        # a path's failure is in the report, not on stderr
    by = {p["name"]: p for p in r.doc["paths"]}
    assert by["uart"]["data_exits"] == 4359
    assert by["uart"]["data_exits_per_kib"] == pytest.approx(1089.75)
    # The lab's arithmetic: bytes + LSR checks (one per 16-byte FIFO load) + setup.
    lab = L.read(os.path.join(L.LABS, "three-ways-io.md"))
    m = re.search(r"([\d,]+) data-path exits over 4 KiB,\s+that is ([\d,]+) for the bytes \+ ([\d,]+) LSR checks"
                  r".*?\+ (\d+)\s+setup accesses", lab, re.S)
    assert m, "labs/three-ways-io.md: the UART exit arithmetic is missing"
    total, data, lsr, setup = (int(g.replace(",", "")) for g in m.groups())
    assert total == by["uart"]["data_exits"] == data + lsr + setup
    assert (data, lsr) == (4096, 4096 // 16)
    assert by["virtio-exit"]["data_exits"] == 2
    assert by["virtio-exit"]["data_exits_per_kib"] == 0.5
    assert by["virtio-ioeventfd"]["data_exits"] == by["virtio-poll"]["data_exits"] == 0
    assert by["mmio"]["data_exits_per_kib"] == 128.0
    assert by["coalesced-mmio"]["data_exits"] == 3
    assert all(p["stream_ok"] for p in r.doc["paths"])
    assert by["virtio-ioeventfd"]["kvm_exits"] > 0          # KVM still exits, kvmlab does not see it
    # "tens of thousands of cycles per byte" is this PVM host; "ten times less" holds anywhere:
    # one exit per byte against one per 2 KiB.  Each figure is one run (--repeat 1)
    # and host noise only inflates a run: compare the minimum of three.
    best = {n: by[n]["cycles_per_byte"] for n in ("uart", "virtio-exit")}
    for _ in range(2):
        again = run_kvmlab("iobench", "--total", "4K", "--repeat", "1", "--json", json_out=True)
        assert again.code == XC["OK"], again.err
        for p in again.doc["paths"]:
            if p["name"] in best:
                best[p["name"]] = min(best[p["name"]], p["cycles_per_byte"])
    assert best["uart"] > 10 * best["virtio-exit"], best
    if expect.value("ring0", "execution") == "emulated":
        # an emulated exit costs tens of thousands of cycles (labs/three-ways-io.md)
        assert best["uart"] > 10000


# ---- pio-mmio-dma.md ----

def test_pio_steps(run):
    r = run_kvmlab("run", "io/uart-hello", "--uart-input", "abc")
    has_line(r, "port 0x03f8 out 1-byte: 17 exits (uart16550)")
    has_line(r, "port 0x03fd in  1-byte: 20 exits (uart16550)")
    s = run("io/uart-string", "--uart-input", "ABCDEFGH")
    assert port_exits(s, 0x3F8, "out") == (19, 19)
    assert port_exits(s, 0x3F8, "in") == (1, 8)


@pytest.mark.parametrize("args,line", [
    (("--io-total", "1K"), "sink:     128 writes, 1024 bytes, 128 exits, 0 through the coalesced ring"),
    (("--io-total", "1K", "--coalesced-mmio"), "sink:     128 writes, 1024 bytes, 0 exits, 128 through the coalesced ring"),
    (("--io-total", "4K", "--coalesced-mmio"), "sink:     512 writes, 4096 bytes, 3 exits, 509 through the coalesced ring"),
])
def test_mmio_steps(kvm, require_cap, args, line):
    if "--coalesced-mmio" in args:
        require_cap("COALESCED_MMIO")
    r = run_kvmlab("run", "io/sink-bench", *args)
    assert r.code == XC["OK"], r.err
    has_line(r, line)


def test_dma_step(run):
    r = run("io/virtio-hello")
    # the 19 bytes cost no exit: the only write that reaches kvmlab after setup is the doorbell
    assert mmio_exits(r, QUEUE_NOTIFY) == 1
    assert r.doc["io"]["virtio"]["bytes"] == 19
    t = run_kvmlab("run", "io/hostile-mmio-buf")
    has_line(t, "virtio:   notify=exit, 0 chains, 0 bytes, status 0x00, error transmitq0: buffer_address")


# ---- device-attack-surface.md ----

def test_attack_loop_step(kvm):
    r = run_kvmlab("run", "io/hostile-loop")
    assert r.code == XC["OK"], r.err
    has_line(r, "virtio:   notify=exit, 0 chains, 0 bytes, status 0x00, error transmitq0: chain_loop")
    has_line(r, "report:   value status = 79 (0x4f)")
    has_line(r, "report:   value used_idx = 0 (0x0)")
    has_line(r, "report:   value status_after_reset = 0 (0x0)")


def test_attack_buf_addr_step(kvm):
    r = run_kvmlab("run", "io/hostile-buf-addr")
    has_line(r, "virtio:   notify=exit, 0 chains, 0 bytes, status 0x00, error transmitq0: buffer_address")


def test_disk_step(kvm, tmp_path):
    import os
    disk = tmp_path / "lab-disk.img"
    r = run_kvmlab("run", "io/blk-sparse", "--blk", str(disk), "--blk-size", "1G")
    assert r.code == XC["OK"], r.err
    has_line(r, "blk:      2097152 sectors, 1 reads, 2 writes, 1 I/O errors, status 0x0f")
    st = os.stat(disk)
    assert st.st_size == 1 << 30
    assert st.st_blocks * 512 <= 64 * 1024      # "a few KiB" (8 KiB on ext4 and tmpfs)
