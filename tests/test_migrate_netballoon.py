"""virtio-net and virtio-balloon guests migrate (docs/migration.md, sections VIRTIO and BALLOON).

payloads/mem/migrate-balloon keeps K - 1 of its --balloon K pages in the
balloon all run and swaps the last one with a page outside each round
(deflate, check it reads zero, write it, inflate the other) and folds what it
reads into a checksum; payloads/mem/migrate-net
sends one frame a round through virtio-net and folds each used entry.
Snapshotted and restored, or migrated live (pre-copy and post-copy) at their
checkpoint, each must end on the destination with the reports and the device
counters of a run without migration.  The balloon's pages must be given back
on the destination too: io.balloon.held_resident_bytes is 0 there (a
destination that kept the stream's copies of the K - 1 pages that never left
the balloon would hold them).
payloads/net/echo, migrated while it waits, must answer pings sent into the
destination's own namespace: its posted receive buffers travelled as RAM.
Net needs root, /dev/net/tun and (for the echo) nsenter and ping; each
missing one skips, named.  A BALLOON section that lies is refused, exit 19."""
import json
import os
import re
import select
import struct
import subprocess
import time

import pytest

from conftest import KVMLAB, PAYLOADS, XC, payload, run_kvmlab
from streamhelp import restore_refused as refused, rewrite_section, sections
from test_migrate_live import address, migrate, postcopy, reports
from test_net import in_ns, require_net  # noqa: F401 (a fixture)

BALLOON_GUEST = "mem/migrate-balloon"
NET_GUEST = "mem/migrate-net"
K = 64                                   # --balloon: the pages the guest keeps in the balloon
# 1000 rounds (the payload's default is 4000): the guest cannot end before a
# migration stops it, and runs its last eighth on the destination (MIGRATION_WAIT_AT).
BALLOON_ROUNDS = 1000
SEC_VIRTIO, SEC_BALLOON = 10, 13
SLOW = ("--timeout", "120")              # a loaded host is slow; this measures nothing
NET_LIVE = ("--arg", "1000")            # not the default 4000: the guest waits for the stop
GUEST_IP = "10.0.2.15"                  # NET_GUEST_IP (vmm/abi.h), GUEST_IP (payloads/lib/net.inc)
NETNS = re.compile(r"network namespace (/proc/\d+/task/\d+/ns/net)")


def balloon_of(doc):
    b = doc["io"]["balloon"]
    return {k: b[k] for k in ("held", "inflated", "deflated", "num_pages", "actual", "violation", "error")}


def net_of(doc):
    n = doc["io"]["net"]
    return {k: n[k] for k in ("tx_packets", "tx_bytes", "tx_errors", "fnv1a", "status", "error")}


# ---- balloon ----

@pytest.fixture
def balloon_plain(run):
    r = run(BALLOON_GUEST, "--balloon", K, "--arg", BALLOON_ROUNDS, *SLOW)
    assert r.code == XC["OK"], r.err
    assert reports(r.doc)["nonzero"] == 0 and r.doc["io"]["balloon"]["held_resident_bytes"] == 0
    return r


def same_balloon_run(dst, plain):
    got, want = reports(dst.doc), reports(plain.doc)
    assert "checkpoint" not in got
    assert (got["counter"], got["nonzero"], got["result"]) == (want["counter"], 0, want["result"])
    assert balloon_of(dst.doc) == balloon_of(plain.doc)
    assert balloon_of(dst.doc)["held"] == K and balloon_of(dst.doc)["violation"] is None


def balloon_snapshot(tmp_path, run, rounds):
    snap = tmp_path / "balloon.kvm"
    r = run(BALLOON_GUEST, "--balloon", K, "--arg", rounds, *SLOW, "--snapshot", snap, "--snapshot-at-report", "checkpoint")
    assert r.code == XC["OK"], r.err
    return snap


def test_a_restored_balloon_guest_ends_as_without_snapshot_and_gives_the_pages_back(kvm, tmp_path, run,
                                                                                    balloon_plain):
    r = run_kvmlab("restore", balloon_snapshot(tmp_path, run, BALLOON_ROUNDS), "--json", *SLOW, json_out=True)
    assert r.code == XC["OK"], r.err
    same_balloon_run(r, balloon_plain)
    # The destination gave them back as the source had: none of the balloon's pages is resident.
    assert r.doc["io"]["balloon"]["held_resident_bytes"] == 0


@pytest.mark.parametrize("mode", ["precopy", "postcopy"])
def test_a_balloon_guest_migrates_live_as_without_migration(kvm, tmp_path, mode, balloon_plain):
    how = migrate if mode == "precopy" else postcopy
    src, dst = how(tmp_path, "unix", BALLOON_GUEST, "--balloon", K, "--arg", BALLOON_ROUNDS, *SLOW,
                   "--migrate-at-report", "checkpoint",
                   recv_opts=SLOW)
    assert src.code == XC["OK"] and dst.code == XC["OK"], src.err + dst.err
    m = src.doc["migration"]
    assert m["completed"] and src.doc["result"]["end"] == "migrated", m
    same_balloon_run(dst, balloon_plain)
    # Post-copy: the pager left the balloon's pages missing (no copy, no zero page).
    assert dst.doc["io"]["balloon"]["held_resident_bytes"] == 0
    if mode == "precopy":
        # Round 0 skips the pages in the balloon: they read zero and the destination
        # drops them.  The guest runs meanwhile: mid-round the balloon holds K - 1.
        ram_pages = src.doc["memory"]["slots"][0]["size"] // 4096
        assert ram_pages - K <= m["rounds"][0]["pages"] <= ram_pages - K + 1


def test_a_balloon_the_guest_never_touched_is_there_after_a_restore(kvm, tmp_path, run):
    # mem/migrate-counter knows no balloon: the device still moves, at power-on with
    # its target, so a guest that probed it later would find it on the destination.
    snap = tmp_path / "idle.kvm"
    r = run("mem/migrate-counter", "--arg", 50, "--balloon", 16, "--snapshot", snap, "--snapshot-at-report", "checkpoint")
    assert r.code == XC["OK"], r.err
    assert SEC_VIRTIO in [t for _, t, _ in sections(snap.read_bytes())]
    assert SEC_BALLOON not in [t for _, t, _ in sections(snap.read_bytes())]     # it holds no page
    d = run_kvmlab("restore", snap, "--json", json_out=True)
    assert d.code == XC["OK"], d.err
    b = d.doc["io"]["balloon"]
    assert b["present"] and (b["num_pages"], b["held"], b["status"]) == (16, 0, 0)


def lie(data, rewrite):
    return rewrite_section(data, SEC_BALLOON, rewrite)


def test_a_balloon_section_that_lies_is_refused_before_the_guest_runs(kvm, tmp_path, run):
    data = balloon_snapshot(tmp_path, run, 100).read_bytes()
    mem = 8 << 20                                        # the payload's RAM
    refused(tmp_path, lie(data, lambda b, o, n: struct.pack_into("<Q", b, o + 8, mem)), "outside the RAM slot")
    refused(tmp_path, lie(data, lambda b, o, n: struct.pack_into("<Q", b, o + 8, struct.unpack_from("<Q", b, o)[0])),
            "a duplicate")
    refused(tmp_path, lie(data, lambda b, o, n: struct.pack_into("<Q", b, o, 0x400123)), "not page aligned")
    # One page fewer than the balloon holds: the section's length and the count disagree.
    off, _, length = next(s for s in sections(data) if s[1] == SEC_BALLOON)
    short = bytearray(data[:off + 16 + length - 8] + data[off + 16 + length:])
    struct.pack_into("<Q", short, off + 8, length - 8)
    refused(tmp_path, bytes(short), f"{length // 8 - 1} pages, the balloon holds {length // 8}")
    # No BALLOON section at all while the balloon holds pages.
    refused(tmp_path, data[:off] + data[off + 16 + length:], "no BALLOON section names them")


# ---- net ----

def test_a_net_guest_is_restored_only_with_its_own_tap(require_net, kvm, tmp_path, run):
    plain = run(NET_GUEST, "--net", "--arg", 200)
    assert plain.code == XC["OK"], plain.err
    snap = tmp_path / "net.kvm"
    r = run(NET_GUEST, "--net", "--arg", 200, "--snapshot", snap, "--snapshot-at-report", "checkpoint")
    assert r.code == XC["OK"], r.err
    refused(tmp_path, snap.read_bytes(), "the guest drives a virtio-net: give --net")
    r = run_kvmlab("restore", snap, "--net", "--json", json_out=True)
    assert r.code == XC["OK"], r.err
    got, want = reports(r.doc), reports(plain.doc)
    assert (got["counter"], got["result"]) == (want["counter"], want["result"])
    assert net_of(r.doc) == net_of(plain.doc)
    assert net_of(r.doc)["tx_packets"] == 200 and net_of(r.doc)["tx_bytes"] == 200 * 60


@pytest.mark.parametrize("mode,notify", [("precopy", "exit"), ("precopy", "ioeventfd"), ("postcopy", "exit")])
def test_a_net_guest_migrates_live_as_without_migration(require_net, require_cap, kvm, tmp_path, mode, notify, run):
    if notify == "ioeventfd":
        require_cap("IOEVENTFD")
    plain = run(NET_GUEST, "--net", "--virtio-notify", notify, *NET_LIVE, *SLOW)
    assert plain.code == XC["OK"], plain.err
    how = migrate if mode == "precopy" else postcopy
    src, dst = how(tmp_path, "unix", NET_GUEST, "--net", "--virtio-notify", notify, *NET_LIVE, *SLOW,
                   "--migrate-at-report", "checkpoint", recv_opts=("--net", "--virtio-notify", notify, *SLOW))
    assert src.code == XC["OK"] and dst.code == XC["OK"], src.err + dst.err
    assert src.doc["migration"]["completed"] and src.doc["result"]["end"] == "migrated"
    got, want = reports(dst.doc), reports(plain.doc)
    assert (got["counter"], got["result"]) == (want["counter"], want["result"])
    # Every frame went out once, in order: the counters and the hash over the bytes sent.
    assert net_of(dst.doc) == net_of(plain.doc)
    # Some went out through the source's tap, the rest through the destination's.
    assert 0 < src.doc["io"]["net"]["tx_packets"] < dst.doc["io"]["net"]["tx_packets"]


def test_an_echo_guest_answers_through_the_destinations_tap(require_net, kvm, tmp_path):
    """Migrated while it waits for frames, the guest answers pings on the destination."""
    echoes = 3
    addr = address(tmp_path, "unix")
    env = dict(os.environ, KVMLAB_PAYLOADS=PAYLOADS)
    recv = subprocess.Popen([KVMLAB, "receive", "--listen", addr, "--net", "--json", *SLOW],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL, env=env)
    err, ns = "", None
    try:
        while "listening on" not in err:
            err += recv.stderr.readline()
        src = subprocess.Popen([KVMLAB, "run", payload("net/echo"), "--net", "--io-total", str(echoes), "--json",
                                "--migrate-to", addr, "--migrate-after", "0.2", *SLOW],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               stdin=subprocess.DEVNULL, env=env)
        src_out, src_err = src.communicate(timeout=120)
        assert src.returncode == XC["OK"], src_err
        assert json.loads(src_out)["migration"]["completed"], src_err
        # The destination's namespace: said once it built the VM, before the guest ran there.
        deadline = time.monotonic() + 60
        while ns is None and time.monotonic() < deadline:
            if select.select([recv.stderr], [], [], 1)[0]:
                line = recv.stderr.readline()
                err += line
                m = NETNS.search(line)
                ns = m.group(1) if m else None
        assert ns, err
        ping = in_ns(ns, "ping", "-c", echoes, "-i", "0.2", "-W", "5", GUEST_IP)
    finally:
        out, rest = recv.communicate(timeout=120)
    err += rest
    assert recv.returncode == XC["OK"], err
    assert f"{echoes} packets transmitted, {echoes} received" in ping.stdout, ping.stdout + ping.stderr
    doc = json.loads(out)
    got = reports(doc)
    assert got["echo_replies"] == echoes and got["arp_replies"] >= 1     # the destination's host side asked
    assert doc["io"]["net"]["rx_packets"] >= echoes + 1

