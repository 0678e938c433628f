"""The text reports say what the JSON says (docs/json-schema.md is the
reference for every value): a live migration's rounds, the balloon, a
vhost-user-blk session, a virtio-net tap, the vCPUs' mp_state, and iobench's
network lines and median over repeats.  Each expectation comes from the
options the test gave (RAM size, disk size, frame count) or from the JSON of
the same deterministic run; timed figures are only checked for their form."""
import os
import re
import subprocess

import pytest

from conftest import KVMLAB, PAYLOADS, PROCESS_TIMEOUT, XC, payload, run_kvmlab
from test_migrate_live import Receiver, address
from test_net import require_net  # noqa: F401 (a fixture)
from vhosthelp import own_backend

PAGE = 4096
NUM = r"\d+(?:\.\d+)?"


def lines_from(out, first):
    """The lines of out from the first one that matches the regex first."""
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if re.match(first, line):
            return lines[i:]
    raise AssertionError(f"no line matching {first!r} in:\n{out}")


def text_run(name, *opts, recv=None):
    """The text report of a run that ends with exit 0 (and, given the Receiver
    recv, whose destination does).  The guest's console is in it raw: bytes that
    are not UTF-8 (migrate-counter's later ticks) are replaced."""
    env = dict(os.environ, KVMLAB_PAYLOADS=PAYLOADS)
    r = subprocess.run([KVMLAB, "run", payload(name), *map(str, opts)], capture_output=True, env=env,
                       stdin=subprocess.DEVNULL, timeout=PROCESS_TIMEOUT)
    err = r.stderr.decode("utf-8", "replace")
    if recv is not None:
        recv.finish()
        err += recv.err
        assert recv.code == XC["OK"], (recv.code, err)
    assert r.returncode == XC["OK"], (r.returncode, err)
    return r.stdout.decode("utf-8", "replace")


@pytest.mark.parametrize("mode", ["precopy", "postcopy"])
def test_a_migration_prints_its_rounds_after_the_run(kvm, tmp_path, mode):
    """The source's text report ends with the migration: pre-copy lists one row
    per round (round 0 sends all RAM: --mem / 4 KiB pages) and the stop-and-copy
    row, post-copy the state sent first and the pages the destination faulted in."""
    # migrate-counter cannot end before the migration stops it (MIGRATION_WAIT).
    mem = 4 << 20
    addr = address(tmp_path, "unix")
    recv = Receiver(addr)
    out = text_run("mem/migrate-counter", "--mem", "4M", "--migrate-to", addr,
                   "--migrate-at-report", "checkpoint", "--migrate-mode", mode, recv=recv)
    checksum = rf"RAM checksum 0x[0-9a-f]{{8}}$"
    if mode == "postcopy":
        rest = lines_from(out, "migration to ")
        assert re.fullmatch(rf"migration to {re.escape(addr)} \(post-copy\): completed, \d+ bytes", rest[0])
        assert re.fullmatch(rf"  state first: \d+ bytes in {NUM} s with the vCPUs stopped", rest[1])
        m = re.fullmatch(rf"  post-copy: (\d+) pages asked for by the destination's faults, (\d+) pushed, "
                         rf"last after {NUM} s", rest[2])
        assert m and 0 < int(m.group(1)) + int(m.group(2)), rest[2]
        assert int(m.group(2)) <= mem // PAGE, "a page is pushed at most once"
        assert re.fullmatch(rf"  total {NUM} s, downtime {NUM} s, {checksum}", rest[3])
        assert len(rest) == 4
        return
    rest = lines_from(out, "migration to ")
    m = re.fullmatch(rf"migration to {re.escape(addr)}: completed, converged, (\d+) pre-copy rounds?, (\d+) bytes",
                     rest[0])
    assert m, rest[0]
    n, total = int(m.group(1)), int(m.group(2))
    assert rest[0].endswith("round, %d bytes" % total) == (n == 1)
    assert rest[1].split() == ["round", "pages", "bytes", "seconds", "dirty", "pages/s", "throttle", "model", "pages"]
    rows = [re.fullmatch(rf"\s+(\d+)\s+(\d+)\s+(\d+)\s+{NUM}\s+(\d+)\s+(\d+)%\s+(\d+)", line) for line in rest[2:2 + n]]
    assert all(rows), rest[2:2 + n]
    assert [int(r.group(1)) for r in rows] == list(range(n))
    assert int(rows[0].group(2)) == mem // PAGE, "round 0 sends every page of RAM"
    assert int(rows[0].group(4)) == 0, "no dirty rate before the first round"
    stop = re.fullmatch(rf"  stop\s+(\d+)\s+(\d+)\s+{NUM}  \(vCPUs stopped; the model predicts \d+ pages, converged\)",
                        rest[2 + n])
    assert stop, rest[2 + n]
    assert sum(int(r.group(3)) for r in rows) + int(stop.group(2)) <= total, "rounds and stop-and-copy are in the stream"
    assert re.fullmatch(rf"  total {NUM} s, downtime {NUM} s, bandwidth {NUM} MiB/s, {checksum}", rest[3 + n])
    assert len(rest) == 4 + n


def test_the_balloon_lines_say_what_the_json_says(kvm):
    opts = ("--mem", "16M", "--balloon", "2048", "--balloon-deflate", "1024")
    b = run_kvmlab("run", payload("io/balloon"), "--json", *opts, json_out=True).doc["io"]["balloon"]
    out = text_run("io/balloon", *opts)
    assert (f"balloon:  {b['inflated']} pages inflated, {b['deflated']} deflated, {b['held']} held "
            f"(num_pages {b['num_pages']}, actual {b['actual']})") in out.splitlines()
    rss = [line for line in out.splitlines() if line.startswith("balloon:  RSS ")]
    measured = all(b["rss_bytes"][k] is not None for k in ("before", "inflated", "deflated"))
    assert measured == bool(rss), (b["rss_bytes"], rss)
    if measured:
        assert re.fullmatch(rf"balloon:  RSS {NUM} MiB before, {NUM} MiB inflated, {NUM} MiB deflated", rss[0])


def test_the_vhost_user_blk_line_names_the_session(kvm, tmp_path, require_cap):
    """Without an irqfd kvmlab checks each completion; the back-end stops at
    avail 2 x 16 (the payload's requests: write then read back, test_io_vhost.py)."""
    require_cap("IOEVENTFD")
    with own_backend(tmp_path / "json.img") as (proc, sock, _):
        blk = run_kvmlab("run", payload("io/blk-verify"), "--json", "--vhost-user-blk", sock,
                         json_out=True).doc["io"]["blk"]
    with own_backend(tmp_path / "text.img") as (proc, sock, _):
        out = text_run("io/blk-verify", "--vhost-user-blk", sock)
    sectors = (2 << 20) // 512                   # own_backend's 2M disk
    assert blk["vhost_user"]["stop_base"] == 2 * 16
    assert (f"blk:      {sectors} sectors, served by vhost-user back-end: {blk['vhost_user']['messages']} messages, "
            f"completion checked by kvmlab, stopped at avail {2 * 16}, status 0x{blk['status']:02x}") in out.splitlines()


def test_the_net_line_counts_the_frames(require_net, kvm):
    opts = ("--net", "--io-total", "4096")
    n = run_kvmlab("run", payload("net/tx-bench"), "--json", *opts, json_out=True).doc["io"]["net"]
    out = text_run("net/tx-bench", *opts)
    assert n["tx_packets"] > 0 and n["tx_bytes"] == 4096
    assert (f"net:      tap {n['tap']}, {n['tx_packets']} frames sent, {n['rx_packets']} received, "
            f"{n['rx_dropped']} dropped, status 0x{n['status']:02x}") in out.splitlines()


def test_each_vcpu_says_its_mp_state_when_the_lapic_is_kvms(kvm, require_cap):
    """api.rst KVM_GET_MP_STATE, read when each vCPU is created and at the end."""
    require_cap("IRQCHIP")
    require_cap("MP_STATE")
    opts = ("--vcpus", "2", "--irqchip", "kernel")
    vcpus = run_kvmlab("run", payload("irq/ap-sipi"), "--json", *opts, json_out=True).doc["vcpus"]
    out = text_run("irq/ap-sipi", *opts)
    said = [line.strip() for line in out.splitlines() if line.strip().startswith("mp_state ")]
    assert said == [f"mp_state {v['mp_state_created']} when created, {v['mp_state_final']} at the end"
                    for v in vcpus]


@pytest.mark.parametrize("path, per_packet", [("net-exit", "0.25"), ("net-ioeventfd", "0.00")])
def test_iobench_prints_the_frames_of_a_network_path(require_net, require_cap, kvm, path, per_packet):
    """--total 4K in --chunk 256 frames, --batch 4: 16 frames, one QueueNotify
    exit per 4 frames when the notify exits, none through an ioeventfd."""
    if path == "net-ioeventfd":
        require_cap("IOEVENTFD")
    r = run_kvmlab("iobench", "--path", path, "--total", 4096, "--chunk", 256, "--batch", 4, "--repeat", 1)
    assert r.code == XC["OK"], r.err
    (line,) = [x for x in r.out.splitlines() if "frames:" in x]
    assert re.fullmatch(rf"\s+16 frames: {NUM} packets/s, {NUM} exits per packet \({per_packet} on QueueNotify\)",
                        line), line


def test_iobench_cycles_are_the_median_of_the_repeats(kvm):
    """--repeat N: the path's cycles are the median of N runs, between their min and max;
    with one run all three are that run."""
    def cycles(repeat):
        r = run_kvmlab("iobench", "--path", "uart", "--total", 256, "--repeat", repeat, "--json", json_out=True)
        assert r.code == XC["OK"], r.err
        (p,) = r.doc["paths"]
        return p["cycles_min"], p["cycles_median"], p["cycles_max"]
    lo, med, hi = cycles(3)
    assert 0 < lo <= med <= hi
    one = cycles(1)
    assert one[0] == one[1] == one[2] > 0


def test_a_migration_that_failed_in_its_first_round_prints_no_rounds(kvm, tmp_path):
    """The destination hangs up after its first byte (--fail-after 1): one warning
    line, the guest runs on here to its end, and the text report has no
    migration section (docs/migration.md, "When it fails")."""
    addr = address(tmp_path, "unix")
    recv = Receiver(addr, "--fail-after", "1")
    r = run_kvmlab("run", payload("mem/migrate-counter"), "--migrate-to", addr, "--migrate-at-report", "checkpoint")
    assert recv.finish().code == XC["MIGRATION_STREAM"], recv.err
    assert r.code == XC["OK"], r.err
    (warning,) = r.err.strip().splitlines()
    assert warning.startswith(f"kvmlab: warning: migration to {addr}: ") and warning.endswith("the guest runs on here")
    assert "migration to" not in r.out and r.out.rstrip().endswith("result:   exit code 0 (ok)")


def test_kvmlabs_ioapic_line_counts_its_messages(kvm, require_cap):
    """--irqchip split: the IOAPIC is kvmlab's, each delivery one KVM_SIGNAL_MSI."""
    require_cap("SPLIT_IRQCHIP")
    opts = ("--uart-input", "ok", "--irqchip", "split")
    a = run_kvmlab("run", payload("io/uart-irq"), "--json", *opts, json_out=True).doc["io"]["ioapic"]
    out = text_run("io/uart-irq", *opts)
    assert a["messages"] > 0
    plural = lambda n, word: f"{n} {word}" + ("" if n == 1 else "s")
    assert (f"ioapic:   kvmlab's: {plural(a['messages'], 'message')} (KVM_SIGNAL_MSI), {plural(a['eois'], 'EOI')} "
            f"from KVM, {a['masked'] + a['undeliverable']} dropped (masked edge, undeliverable), "
            f"{plural(a['route_updates'], 'route update')}") in out.splitlines()
