"""Several threads, one guest: what no interleaving may break (issue 13 items 1, 2, 4).

kvmlab's threads (docs/cpu-threads.md, "Who locks what"): one per vCPU with
--vcpus, an I/O thread with --virtio-notify ioeventfd|poll, the main thread.
Each test is a payload that makes two of them meet on one structure: a slot
removal against a reader of guest memory, every console path against one
console, every vCPU against the coalesced ring, the dirty rings, memctl.
"""
import os
import subprocess

import pytest

from conftest import KVMLAB, XC, payload

MIB = 1 << 20
NOTIFY = ["exit", "ioeventfd", "poll"]


def assert_complete_run(r):
    """The whole JSON document is there and every vCPU ended as the guest meant."""
    assert r.doc is not None, f"no JSON document (exit {r.code}): {r.err[-500:]}"
    assert r.code == XC["OK"], (r.doc["result"], r.err[-500:])
    for v in r.doc.get("vcpus", []):
        assert v["end"] == "hlt", v


# ---- item 1: a slot removal never races a reader of guest memory ----

@pytest.mark.parametrize("sandbox", [False, True], ids=["plain", "sandbox"])
@pytest.mark.parametrize("vcpus", [None, 2], ids=["1vcpu", "2vcpus"])
@pytest.mark.parametrize("notify", NOTIFY)
def test_unplug_while_the_device_reads_the_slot(run, require_cap, notify, vcpus, sandbox):
    if notify == "ioeventfd":
        require_cap("IOEVENTFD")
    opts = ["--virtio-notify", notify, "--timeout", "30"]
    if vcpus:
        opts += ["--vcpus", str(vcpus)]
    env = {}
    if sandbox:
        opts.append("--sandbox")
        # LeakSanitizer's exit check ptraces the process, which the sandbox forbids
        # (docs/security.md): sandboxed runs under `make asan` check without it.
        asan = os.environ.get("ASAN_OPTIONS")
        if asan:
            env["ASAN_OPTIONS"] = asan.replace("detect_leaks=1", "detect_leaks=0")
    r = run("hostile/unplug-during-virtio", *opts, timeout=60, env=env)
    assert_complete_run(r)
    assert r.report("remove-status")["value"] == 0
    assert r.doc["memory"]["hotplug_removes"] == 1
    v = r.doc["io"]["virtio"]
    # a chain is read whole under the slot lock, or refused after the removal
    assert v["bytes"] == v["chains"] * MIB == r.report("used_idx")["value"] * MIB, v
    if v["chains"] < 64:
        assert v["error"] == "buffer_address", v


# ---- item 2: the virtio console is the console ----

def test_virtio_console_obeys_the_console_limit_in_json(run):
    r = run("io/hostile-console-flood", "--console-limit", "64K")
    assert_complete_run(r)
    assert r.doc["io"]["virtio"]["bytes"] == 8 * MIB
    con = r.doc["console"]
    assert (con["bytes"], con["limit"], con["dropped"]) == (8 * MIB, 65536, 8 * MIB - 65536)
    assert len(con["text"]) == 65536            # JSON-escaped on the way out, every byte kept
    assert r.err.count("passed --console-limit") == 1


def test_virtio_console_echo_stops_at_the_limit(kvm):
    # text mode echoes raw bytes (docs/security.md, "Console output"): read stdout as bytes
    p = subprocess.run([KVMLAB, "run", payload("io/hostile-console-flood"), "--console-limit", "64K"],
                       capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    assert p.returncode == XC["OK"], p.stderr[-300:]
    # the guest's first 64 KiB and the summary, not 8 MiB
    assert 65536 <= len(p.stdout) < 65536 + 8192
    assert b"console:  8388608 bytes, 8323072 dropped past --console-limit 65536" in p.stdout


# ---- item 4: --vcpus correctness ----

ALPHABETS = {   # payloads/cpu/smp-console.asm: (vCPU, port) -> its bytes
    (0, "e9"): "abcdefghijklmnopqrstuvwxyz", (0, "com1"): "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    (1, "e9"): "0123456789", (1, "com1"): "!\"#$%&'()*+,-./",
    (2, "e9"): ":;<=>?@", (2, "com1"): "[\\]^_`",
    (3, "e9"): "{|}~",
}
COUNT = 300


@pytest.mark.parametrize("vcpus", [1, 2, 4])
def test_every_vcpu_and_port_reaches_one_console_in_order(run, vcpus):
    r = run("cpu/smp-console", "--vcpus", str(vcpus))
    assert_complete_run(r)
    text = r.doc["console"]["text"]
    pairs = [k for k in ALPHABETS if k[0] < vcpus]
    assert r.doc["console"]["bytes"] == COUNT * len(pairs) == len(text)
    for k in pairs:
        alpha = ALPHABETS[k]
        mine = "".join(c for c in text if c in alpha)
        assert mine == "".join(alpha[i % len(alpha)] for i in range(COUNT)), k


def test_one_console_limit_for_all_vcpus(run):
    r = run("cpu/smp-console", "--vcpus", "2", "--console-limit", "1000")
    assert_complete_run(r)
    con = r.doc["console"]
    assert (con["bytes"], con["dropped"], len(con["text"])) == (1200, 200, 1000)


@pytest.mark.parametrize("vcpus", [2, 3])
def test_coalesced_ring_is_drained_once_per_entry(run, require_cap, vcpus):
    require_cap("COALESCED_MMIO")
    r = run("io/sink-smp", "--vcpus", str(vcpus), "--coalesced-mmio")
    assert_complete_run(r)
    s = r.doc["io"]["sink"]
    assert s["writes"] == 20000 * vcpus, s
    assert s["bytes"] == 4 * 20000 * vcpus
    assert s["exits"] + s["drained"] == s["writes"]


STACK_PAGE, PAYLOAD_PAGE, AREA = 0xF000, 0x10000, 0x100000


@pytest.mark.parametrize("mode", ["bitmap", "ring"])
def test_one_dirty_round_lists_every_vcpus_pages(run, require_cap, mode):
    if mode == "ring":
        require_cap("DIRTY_LOG_RING")
    r = run("mem/smp-dirty", "--vcpus", "2", "--dirty-log", mode)
    assert_complete_run(r)
    rounds = {x["round"]: x for x in r.doc["memory"]["dirty"]["rounds"]}
    got = set(rounds[1]["gpas"])
    targets = {AREA + i * 0x10000 + k * 0x1000 for i in (0, 1) for k in range(8)}
    # light writes: exact, the ring loses nothing here (docs/memory.md, "Known host behaviour")
    assert got == targets | {STACK_PAGE, PAYLOAD_PAGE}, sorted(hex(g) for g in got ^ (targets | {STACK_PAGE, PAYLOAD_PAGE}))


@pytest.mark.parametrize("vcpus", [None, 1, 2])
def test_translations_are_reported_with_vcpus(run, vcpus):
    opts = ["--translate", "0xFFFF800000200123", "--translate", "0xFFFF800000412345"]
    if vcpus:
        opts += ["--vcpus", str(vcpus)]
    r = run("mem/four-addresses", *opts)
    assert r.code == XC["OK"], r.err
    xl = r.doc["memory"]["translations"]
    # --translate at the end (vCPU 0's tables), then one request from each vCPU
    assert [(x["gva_hex"], x["gpa_hex"], x["asked_by"]) for x in xl] == [
        ("0xffff800000200123", "0x150123", "command line"),
        ("0xffff800000412345", "0x212345", "command line"),
    ] + [("0xffff8000002007f8", "0x1507f8", "guest")] * (vcpus or 1)
