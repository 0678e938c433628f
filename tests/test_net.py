"""virtio-net on a tap in kvmlab's own network namespace (docs/io.md, "virtio-net").

The guest (payloads/net/echo.asm) answers ARP and ICMP echo for 10.0.2.15;
the test pings it from the tap's side of the namespace kvmlab created, so
frames go both ways: host -> tap -> receiveq1 -> guest, guest -> transmitq1
-> tap -> host.  Needs root (a network namespace, a tap), /dev/net/tun,
nsenter (util-linux), ip (iproute2) and ping (iputils-ping); each missing
one skips, named.
"""
import os
import re
import shutil
import signal
import subprocess

import pytest

from conftest import KVMLAB, PAYLOADS, XC, payload, run_kvmlab
from iohelp import values

GUEST_IP = "10.0.2.15"                  # NET_GUEST_IP (vmm/abi.h), GUEST_IP (payloads/lib/net.inc)
GUEST_MAC = "52:54:00:12:34:56"         # net_mac (traps/devices/iodev.c)
NETNS = re.compile(r"network namespace (/proc/(\d+)/task/(\d+)/ns/net)")
ECHOES = 3


@pytest.fixture
def require_net(kvm):
    if os.geteuid() != 0:
        pytest.skip("requires root: a private network namespace needs CAP_SYS_ADMIN, a tap CAP_NET_ADMIN")
    if not os.path.exists("/dev/net/tun"):
        pytest.skip("requires /dev/net/tun (the tun module)")
    for tool, pkg in (("nsenter", "util-linux"), ("ip", "iproute2"), ("ping", "iputils-ping")):
        if not shutil.which(tool):
            pytest.skip(f"requires {tool} ({pkg}; scripts/deps.sh)")


def start(*opts):
    """kvmlab run --net in the background, once it has said where its namespace is."""
    env = dict(os.environ, KVMLAB_PAYLOADS=PAYLOADS)
    if "--sandbox" in opts and "ASAN_OPTIONS" in env:
        # make asan: LeakSanitizer's exit check clones a tracer, which the sandbox
        # forbids on purpose (tests/test_sandbox.py, boxed_env).
        env["ASAN_OPTIONS"] = env["ASAN_OPTIONS"].replace("detect_leaks=1", "detect_leaks=0")
    proc = subprocess.Popen([KVMLAB, "run", *map(str, opts), "--net", "--json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, stdin=subprocess.DEVNULL)
    line = proc.stderr.readline()
    m = NETNS.search(line)
    if not m:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"kvmlab did not name its namespace: {line}{err}")
    return proc, m.group(1)


def in_ns(ns, *cmd):
    return subprocess.run(["nsenter", f"--net={ns}", *map(str, cmd)], capture_output=True, text=True, timeout=60)


def finish(proc):
    import json
    out, err = proc.communicate(timeout=120)
    return proc.returncode, json.loads(out) if out.strip() else None, err


@pytest.mark.parametrize("notify,sandbox", [("exit", False), ("ioeventfd", False), ("ioeventfd", True)])
def test_ping_is_answered_through_the_tap(require_net, require_cap, notify, sandbox):
    """With --sandbox the tap's thread runs under the I/O thread's filter: the same answers."""
    if notify == "ioeventfd":
        require_cap("IOEVENTFD")
    # The guest halts after ECHOES + 1 replies: the last ping, after the looks
    # into the namespace, ends the run.
    proc, ns = start(payload("net/echo"), "--io-total", ECHOES + 1, "--virtio-notify", notify, "--timeout", 60,
                     *(["--sandbox"] if sandbox else []))
    try:
        addr = in_ns(ns, "ip", "-o", "-4", "addr", "show", "kvmtap0")
        ping = in_ns(ns, "ping", "-c", ECHOES, "-i", "0.2", "-W", "5", GUEST_IP)
        neigh = in_ns(ns, "ip", "neigh", "show", GUEST_IP)
        last = in_ns(ns, "ping", "-c", 1, "-W", "5", GUEST_IP)
    finally:
        code, doc, err = finish(proc)
    assert code == XC["OK"], err
    # guest -> host: every request has its reply, with a good checksum (ping checks it).
    # A loss says which side lost the frame: the device's counters and the guest's.
    assert f"{ECHOES} packets transmitted, {ECHOES} received" in ping.stdout, \
        ping.stdout + ping.stderr + f"\nio.net: {doc['io'].get('net')}\nreports: {values_of(doc)}"
    assert "BAD CHECKSUM" not in ping.stdout
    # The ARP reply taught the host the MAC from virtio_net_config.mac.
    assert GUEST_MAC in neigh.stdout, neigh.stdout
    assert "10.0.2.2/24" in addr.stdout
    assert last.returncode == 0, last.stdout + last.stderr
    got = values_of(doc)
    assert got["echo_replies"] == ECHOES + 1 and got["arp_replies"] >= 1
    net = doc["io"]["net"]
    assert net["present"] and net["error"] is None
    # host -> guest: the ARP request and the echo requests at least (IPv6 chatter is ignored);
    # the device may deliver a late frame after the guest stopped counting.
    assert got["frames"] == got["echo_replies"] + got["arp_replies"] + got["ignored"] >= ECHOES + 2
    assert net["rx_packets"] >= got["frames"]
    assert net["tx_packets"] == ECHOES + 1 + got["arp_replies"]
    assert net["rx_dropped"] == 0
    if notify == "ioeventfd":
        assert net["notifies_seen"] == 0 and net["thread_wakeups"] >= 1     # no doorbell exit
    else:
        assert net["notifies_seen"] >= 2 * ECHOES     # one per reply, one per recycled buffer


def values_of(doc):
    return {r["name"]: r["value"] for r in doc["reports"] if r["kind"] == "value"}


def test_namespace_and_tap_are_gone_after_sigint(require_net):
    """SIGINT while the guest waits: kvmlab ends as interrupted; its namespace and tap go with it."""
    proc, ns = start(payload("net/echo"), "--timeout", 60)
    inode = os.stat(ns).st_ino
    assert in_ns(ns, "ip", "link", "show", "kvmtap0").returncode == 0
    proc.send_signal(signal.SIGINT)
    code, doc, err = finish(proc)
    assert code == XC["INTERRUPTED"], err
    assert not os.path.exists(ns)
    lsns = subprocess.run(["lsns", "-t", "net", "-n", "-o", "NS"], capture_output=True, text=True)
    if lsns.returncode == 0:
        assert str(inode) not in lsns.stdout.split()
    # The host's own namespace never had the tap.
    assert "kvmtap0" not in subprocess.run(["ip", "link"], capture_output=True, text=True).stdout


def test_without_net_the_slot_is_empty(run):
    """Without --net, 0xC0000400 is virtio-mmio's placeholder (device id 0)."""
    r = run("net/echo")
    assert r.code == XC["GUEST_FAIL"]
    assert r.doc["io"]["net"]["present"] is False
    assert [x["name"] for x in r.reports("fail")] == ["virtio_probe"]


def test_net_without_privilege_names_it(kvm):
    """No CAP_SYS_ADMIN: a one-line error naming the requirement, exit code HOST."""
    if not shutil.which("setpriv"):
        pytest.skip("requires setpriv (util-linux)")
    if os.geteuid() != 0:
        r = run_kvmlab("run", payload("net/echo"), "--net")
    else:
        env = dict(os.environ, KVMLAB_PAYLOADS=PAYLOADS)
        proc = subprocess.run(["setpriv", "--bounding-set=-all", "--inh-caps=-all", KVMLAB, "run",
                               payload("net/echo"), "--net"], capture_output=True, text=True, env=env,
                              timeout=60, stdin=subprocess.DEVNULL)
        r = type("R", (), {"code": proc.returncode, "err": proc.stderr})
    assert r.code == XC["HOST"]
    assert "CAP_SYS_ADMIN" in r.err and r.err.count("\n") == 1


@pytest.mark.parametrize("name,error", [("net/hostile-oversize", "frame_size"),
                                        ("net/hostile-tx-writable", "request_format")])
def test_hostile_transmit_chain_breaks_the_device_only(require_net, run, name, error):
    r = run(name, "--net")
    assert r.code == XC["OK"], r.err
    got = values(r)
    assert got["status"] & 0x40 and got["used_idx"] == 0       # DEVICE_NEEDS_RESET, chain not used
    assert got["status_after_reset"] == 0
    net = r.doc["io"]["net"]
    assert net["error"] == error and net["error_detail"].startswith("transmitq1")
    assert net["tx_packets"] == 0


@pytest.mark.parametrize("path,notify_exits", [("net-exit", True), ("net-ioeventfd", False)])
def test_iobench_network_path(require_net, require_cap, path, notify_exits):
    if not notify_exits:
        require_cap("IOEVENTFD")
    total, chunk, batch = 4096, 256, 4
    r = run_kvmlab("iobench", "--path", path, "--total", total, "--chunk", chunk, "--batch", batch,
                   "--repeat", 1, "--json", json_out=True)
    assert r.code == XC["OK"], r.err
    (p,) = r.doc["paths"]
    frames = total // chunk
    assert p["stream_ok"] and p["bytes"] == total
    assert p["packets"] == frames
    assert p["data_exits"] == (frames // batch if notify_exits else 0)
    assert p["exits_per_packet"] == pytest.approx(p["exits"]["total"] / frames)
    assert p["packets_per_second"] > 0
