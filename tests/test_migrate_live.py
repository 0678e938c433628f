"""Live migration between two kvmlab processes (docs/migration.md):
`kvmlab receive --listen ADDR` and `kvmlab run PAYLOAD --migrate-to ADDR`.

The guests prove continuity themselves: payloads/mem/migrate-counter and
migrate-smp keep a checksum over memory they keep rewriting, so the
destination's final result must equal that of a run without migration.
migrate-dirty dirties its 4 MiB faster than a 32 MiB/s link carries it (a
whole pass over 1024 pages takes microseconds on hardware, milliseconds
under an instruction emulator, a round at that rate 125 ms), which makes
pre-copy fail to converge unless --auto-converge throttles it; it dirties
for its --arg ms and then while memctl's MIGRATION_PENDING says a migration
of it is still to come or under way."""
import os
import socket
import struct
import subprocess
import time

import pytest

from conftest import KVMLAB, PAYLOADS, XC, payload, run_kvmlab
from streamhelp import sections  # noqa: F401 (the other migration tests import it from here)
from test_mem_hotplug_backing import free_hugepages

COUNTER = "mem/migrate-counter"
# The payloads run their default rounds: however long pre-copy takes on a loaded
# host, the guest cannot end before it is stopped (MIGRATION_WAIT_AT, docs/migration.md).


def reports(doc):
    return {r["name"]: r["value"] for r in doc["reports"]}


_plain = {}


def plain_run(run, *opts):
    """The guest's run without a migration, for the result a migrated one must
    end with: the guests are deterministic, so one run a module for each set of
    options (and one check that it passed)."""
    if opts not in _plain:
        r = run(COUNTER, *opts)
        assert r.code == XC["OK"], r.err
        _plain[opts] = r
    return _plain[opts]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def address(tmp_path, transport):
    if transport == "unix":
        return f"unix:{tmp_path / 'mig.sock'}"
    return f"tcp:127.0.0.1:{free_port()}"


class Receiver:
    """`kvmlab receive --listen addr --json` in the background."""

    def __init__(self, addr, *opts):
        env = dict(os.environ, KVMLAB_PAYLOADS=PAYLOADS)
        self.proc = subprocess.Popen([KVMLAB, "receive", "--listen", addr, "--json", *map(str, opts)],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     stdin=subprocess.DEVNULL, env=env)
        deadline = time.monotonic() + 30
        while "listening on" not in self._peek_err() and time.monotonic() < deadline:
            time.sleep(0.02)

    def _peek_err(self):
        # stderr's first line says it listens; read it without blocking on the rest.
        if not hasattr(self, "_first"):
            self._first = ""
        if not self._first:
            import select
            if select.select([self.proc.stderr], [], [], 0.05)[0]:
                self._first = self.proc.stderr.readline()
        return self._first

    def finish(self):
        import json
        out, err = self.proc.communicate(timeout=120)
        self.code = self.proc.returncode
        self.err = self._first + err
        self.doc = json.loads(out) if out.strip() else None
        return self


def migrate(tmp_path, transport, name, *opts, recv_opts=()):
    addr = address(tmp_path, transport)
    recv = Receiver(addr, *recv_opts)
    src = run_kvmlab("run", payload(name), "--json", "--migrate-to", addr, *opts, json_out=True)
    return src, recv.finish()


@pytest.mark.parametrize("transport", ["unix", "tcp"])
def test_the_guest_ends_on_the_destination_as_without_migration(kvm, tmp_path, transport, run):
    plain = plain_run(run)
    src, dst = migrate(tmp_path, transport, COUNTER, "--migrate-at-report", "checkpoint")
    assert src.code == XC["OK"] and dst.code == XC["OK"], src.err + dst.err
    m = src.doc["migration"]
    assert m["completed"] and m["warning"] is None, m
    assert src.doc["result"]["end"] == "migrated"
    assert "result" not in reports(src.doc)            # the source never got there
    got = reports(dst.doc)
    assert got["result"] == reports(plain.doc)["result"]
    assert got["counter"] == reports(plain.doc)["counter"]
    # The console goes on at the destination from where the source stopped.
    text = dst.doc["console"]["text"]
    assert text.endswith("done\n") and "tick a" not in text, text
    # Round 0 is the whole RAM; the rest is what was dirtied meanwhile.
    ram_pages = src.doc["memory"]["slots"][0]["size"] // 4096
    assert m["rounds"][0]["pages"] == ram_pages
    assert m["ram_pages_sent"] == sum(r["pages"] for r in m["rounds"]) + m["stop_copy"]["pages"]
    assert 0 < m["downtime_seconds"] <= m["total_seconds"]
    assert m["model"]["budget_pages"] > 0


@pytest.mark.parametrize("transport", ["unix", "tcp"])
def test_two_vcpus_migrate_together(kvm, tmp_path, transport, run):
    smp = ("--vcpus", "2", "--timeout", "120")     # each vCPU waits for the stop (MIGRATION_WAIT)
    plain = run("mem/migrate-smp", *smp)
    assert plain.code == XC["OK"], plain.err
    src, dst = migrate(tmp_path, transport, "mem/migrate-smp", *smp, "--migrate-at-report", "checkpoint",
                       recv_opts=("--timeout", "120"))
    assert src.code == XC["OK"] and dst.code == XC["OK"], src.err + dst.err
    assert src.doc["migration"]["completed"] and src.doc["migration"]["vcpus"] == 2
    assert [v["end"] for v in src.doc["vcpus"]] == ["migrated", "migrated"]
    got, want = reports(dst.doc), reports(plain.doc)
    assert (got["result0"], got["result1"]) == (want["result0"], want["result1"])
    assert len(dst.doc["vcpus"]) == 2


def test_a_dropped_connection_leaves_the_source_running(kvm, tmp_path, run):
    plain = plain_run(run, "--mem", "16M")
    # The receiver drops the connection after 1 MiB of round 0's 16 MiB.
    src, dst = migrate(tmp_path, "unix", COUNTER, "--mem", "16M", "--migrate-at-report", "checkpoint",
                       recv_opts=("--fail-after", "1M"))
    assert dst.code == XC["MIGRATION_STREAM"] and dst.doc is None, dst.err
    assert len(dst.err.strip().splitlines()) == 2 and "--fail-after" in dst.err   # listening + the one error
    assert src.code == XC["OK"], src.err
    warn = [line for line in src.err.splitlines() if "warning: migration" in line]
    assert len(warn) == 1 and "the guest runs on here" in warn[0], src.err
    assert src.doc["migration"]["completed"] is False
    assert src.doc["result"]["end"] == "exit_port"
    assert reports(src.doc)["result"] == reports(plain.doc)["result"]



# ---- the migration wait (docs/migration.md, "The guest waits for its migration") ----

SHORT = ("--arg", "2")          # the checkpoint at round 1, then one round: far less than pre-copy


def test_a_guest_with_no_work_left_waits_for_its_migration(kvm, tmp_path, run):
    """After its checkpoint the guest has one round to do, then asks MEMCTL_MIGRATION_WAIT:
    it cannot end before the migration stops it.  --bandwidth 16 paces round 0's 4 MiB
    to at least 250 ms, while the guest needs one exit to get to the wait, so the wait
    finds the migration running; without the wait the guest would end first."""
    plain = plain_run(run, *SHORT)
    assert plain.doc["memory"]["migration_waits"] == 0       # nothing to wait for: back at once
    src, dst = migrate(tmp_path, "unix", COUNTER, *SHORT, "--bandwidth", "16", "--migrate-at-report", "checkpoint")
    assert src.code == XC["OK"] and dst.code == XC["OK"], src.err + dst.err
    assert src.doc["migration"]["completed"] and src.doc["result"]["end"] == "migrated", src.doc["migration"]
    assert src.doc["memory"]["migration_waits"] == 1
    assert dst.doc["memory"]["migration_waits"] == 0         # the destination runs no migration of its own
    assert reports(dst.doc)["result"] == reports(plain.doc)["result"]


def test_a_failed_migration_lets_the_waiting_guest_end_here(kvm, tmp_path, run):
    """The destination hangs up after one byte (--fail-after 1): the migration fails
    (one warning), the slots thaw and a guest waiting for it goes on, on the source,
    to the result it has without migration."""
    plain = plain_run(run, *SHORT)
    src, dst = migrate(tmp_path, "unix", COUNTER, *SHORT, "--migrate-at-report", "checkpoint",
                       recv_opts=("--fail-after", "1"))
    assert dst.code == XC["MIGRATION_STREAM"], dst.err
    assert src.code == XC["OK"], src.err
    assert src.doc["migration"]["completed"] is False and "runs on here" in src.doc["migration"]["warning"]
    assert src.doc["result"]["end"] == "exit_port"
    assert reports(src.doc)["result"] == reports(plain.doc)["result"]


def test_a_stop_signal_ends_a_guest_waiting_for_its_migration_at_once(kvm, tmp_path):
    """Ctrl-C while the guest waits in MEMCTL_MIGRATION_WAIT and a 1 MiB/s link
    is still carrying round 0 (16 MiB: ~16 s): the run ends as interrupted, with
    its whole report, not when the round or the --timeout is over, and the
    migration says it sent nothing that counts (the receiver sees the stream
    cut).  No timing threshold: a wait that ignored the signal would end at the
    --timeout, exit code 4, not 18."""
    import json
    import signal
    addr = address(tmp_path, "unix")
    recv = Receiver(addr)
    src = subprocess.Popen([KVMLAB, "run", payload(COUNTER), "--json", "--verbose", "--migrate-to", addr,
                            "--bandwidth", "1", "--mem", "16M", "--timeout", "60"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                           env=dict(os.environ, KVMLAB_PAYLOADS=PAYLOADS))
    try:
        err = []
        for line in src.stderr:                 # --verbose says when the guest starts to wait
            err.append(line)
            if "waits for its migration" in line:
                break
        assert any("waits for its migration" in l for l in err), "".join(err)
        src.send_signal(signal.SIGINT)
        out, rest = src.communicate(timeout=60)
    finally:
        src.kill()
    dst = recv.finish()
    assert src.returncode == XC["INTERRUPTED"], "".join(err) + rest
    doc = json.loads(out)
    assert doc["result"]["end"] == "interrupted" and "SIGINT" in doc["result"]["detail"]
    m = doc["migration"]
    assert m["completed"] is False and "the run ended during pre-copy" in m["warning"], m
    assert doc["memory"]["migration_waits"] == 1
    assert dst.code == XC["MIGRATION_STREAM"], dst.err   # the stream stopped short of its END section


DIRTY = "mem/migrate-dirty"


def test_a_busy_guest_is_told_whether_its_migration_is_pending(kvm, tmp_path, run):
    """MEMCTL_MIGRATION_PENDING answers at once: 0 without a migration, so
    migrate-dirty ends after its --arg 1 ms with one request; with a migration
    that fails (the destination hangs up after one byte), "pending" until the
    migration thread is done, then 0, and the guest ends on the source."""
    plain = run(DIRTY, "--arg", "1", "--mem", "8M")
    assert plain.code == XC["OK"], plain.err
    assert plain.doc["memory"]["memctl_requests"] == 1
    src, dst = migrate(tmp_path, "unix", DIRTY, "--arg", "1", "--mem", "8M", recv_opts=("--fail-after", "1"))
    assert dst.code == XC["MIGRATION_STREAM"], dst.err
    assert src.code == XC["OK"], src.err
    assert src.doc["migration"]["completed"] is False and "runs on here" in src.doc["migration"]["warning"]
    assert src.doc["result"]["end"] == "exit_port"
    assert src.doc["memory"]["memctl_requests"] >= 1


def read_to_end_and_hang_up(path, ready):
    """Plays a destination that takes the whole pre-copy stream, END included,
    and closes without the acknowledgement."""
    def exactly(conn, n):
        buf = b""
        while len(buf) < n:
            got = conn.recv(n - len(buf))
            if not got:
                raise EOFError(f"the source closed after {len(buf)} of {n} bytes")
            buf += got
        return buf
    with socket.socket(socket.AF_UNIX) as lsock:
        lsock.bind(path)
        lsock.listen(1)
        lsock.settimeout(60)
        ready.set()
        conn, _ = lsock.accept()
        with conn:
            conn.settimeout(60)
            exactly(conn, 24)                               # the stream header
            while True:
                typ, _, length = struct.unpack("<IIQ", exactly(conn, 16))
                exactly(conn, length)
                if typ == 0:                                # END: the source waits for the answer now
                    return


def test_a_destination_that_hangs_up_without_answering_is_said_to(kvm, tmp_path, run):
    """The destination reads the whole stream and closes without MIG_ACK_MAGIC:
    the source's warning says why there was no acknowledgement, and the guest
    runs on here to the result it has without migration."""
    import threading
    plain = plain_run(run)
    path = str(tmp_path / "mig.sock")
    ready, failed = threading.Event(), []

    def destination():
        try:
            read_to_end_and_hang_up(path, ready)
        except Exception as e:      # said by the assertion below, not lost in the thread
            failed.append(repr(e))
            ready.set()
    t = threading.Thread(target=destination)
    t.start()
    assert ready.wait(30)
    src = run_kvmlab("run", payload(COUNTER), "--json", "--migrate-to", f"unix:{path}",
                     "--migrate-at-report", "checkpoint", json_out=True)
    t.join(60)
    assert not failed, failed
    assert src.code == XC["OK"], src.err
    m = src.doc["migration"]
    assert m["completed"] is False
    assert ("no acknowledgement: it closed the connection without answering" in m["warning"]
            and "runs on here" in m["warning"]), m["warning"]
    assert src.doc["result"]["end"] == "exit_port"
    assert reports(src.doc)["result"] == reports(plain.doc)["result"]


def send_stream(addr, data):
    """Plays the source: connects (the receiver is listening) and sends data."""
    path = addr[len("unix:"):]
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(path)
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            s.recv(8)
        except OSError:
            pass                # the receiver may refuse before it has read everything


def refused(tmp_path, data, text):
    addr = address(tmp_path, "unix")
    recv = Receiver(addr)
    send_stream(addr, data)
    r = recv.finish()
    assert r.code == XC["MIGRATION_STREAM"], (r.code, r.err)
    assert r.doc is None                                 # the guest never ran
    lines = r.err.strip().splitlines()
    assert len(lines) == 2 and text in lines[1], r.err   # "listening on", then the one error


@pytest.fixture
def stream(kvm, tmp_path, run):
    snap = tmp_path / "guest.kvm"
    r = run(COUNTER, "--arg", "50", "--snapshot", snap, "--snapshot-at-report", "checkpoint")
    assert r.code == XC["OK"], r.err
    return snap.read_bytes()


def test_the_destination_refuses_another_version_abi_or_cpuid(tmp_path, stream):
    version, abi = struct.unpack_from("<II", stream, 8)
    refused(tmp_path, stream[:8] + struct.pack("<II", version + 1, abi) + stream[16:], "stream version")
    refused(tmp_path, stream[:8] + struct.pack("<II", version, abi + 1) + stream[16:], "guest ABI version")
    # CPUID leaf 7.0 EDX with every bit set: no host supports the reserved ones.
    data = bytearray(stream)
    off, _, length = next(s for s in sections(stream) if s[1] == 4)
    for e in range(off + 16, off + 16 + length, 40):     # struct kvm_cpuid_entry2
        function, index = struct.unpack_from("<II", data, e)
        if function == 7 and index == 0:
            struct.pack_into("<I", data, e + 24, 0xFFFFFFFF)
    refused(tmp_path, bytes(data), "incompatible CPUID")


def test_a_truncated_or_corrupt_live_stream_never_runs(tmp_path, stream):
    refused(tmp_path, stream[:len(stream) // 2], "truncated")
    refused(tmp_path, stream[:-16], "truncated")
    refused(tmp_path, open(payload("hello-long"), "rb").read(), "bad magic")


LOAD_TRIES = 3


def until_the_premise_holds(attempt, premise):
    """The busy-guest tests stand on a premise the host's load can break: that
    the guest's vCPU ran, dirtying its 1024 pages every few ms, all through pre-
    copy.  attempt(k) runs once (k = 0, 1, ...), checks what must hold either
    way, and returns True when the premise held and it checked the rest, False
    when the load broke it.  Up to LOAD_TRIES attempts; then a skip that names
    the premise and what the runs showed instead."""
    for k in range(LOAD_TRIES):
        if attempt(k):
            return
    pytest.skip(f"the host's load broke the premise in all {LOAD_TRIES} tries: {premise}")


def dirty_migration(tmp_path, k, *opts):
    tries = tmp_path / str(k)
    tries.mkdir()
    src, dst = migrate(tries, "unix", "mem/migrate-dirty", "--arg", "100", "--mem", "8M",
                       "--bandwidth", "32", "--max-downtime", "50", *opts)
    assert src.code == XC["OK"] and dst.code == XC["OK"], src.err + dst.err
    m = src.doc["migration"]
    assert m["completed"] and reports(dst.doc)["passes"] > 0
    # Its 100 ms were over long before pre-copy (at least 0.6 s here): it went
    # on because MEMCTL_MIGRATION_PENDING said so, once a pass.
    assert src.doc["memory"]["memctl_requests"] > 0
    return m


def test_a_slow_link_does_not_converge(kvm, tmp_path):
    """The guest dirties its 1024 pages every few ms; 32 MiB/s carries 409 of them
    in 50 ms (the report's model.budget_pages), so no round's dirty set fits and
    the round limit ends pre-copy.  That premise is a fact of the run: a host so
    loaded that the guest's vCPU did not run for a whole 125 ms round leaves a
    dirty set that fits, and then kvmlab must converge there; the test checks
    that decision and tries again."""
    def attempt(k):
        m = dirty_migration(tmp_path, k, "--migrate-max-rounds", "4")
        budget = m["model"]["budget_pages"]
        assert all(r["throttle_pct"] == 0 for r in m["rounds"])
        if m["converged"]:      # the premise failed: the last dirty set fit the budget
            assert m["stop_copy"]["pages"] <= budget, m
            return False
        assert len(m["rounds"]) == 4, m                   # the round limit ended it
        assert all(r["pages"] > budget for r in m["rounds"][1:]), m
        assert m["stop_copy"]["pages"] > budget, m
        return True
    until_the_premise_holds(attempt, "a round's dirty set fit the budget, so the link was not slow for the guest")


def test_auto_converge_throttles_until_it_converges(kvm, tmp_path):
    """The same guest and link, with --auto-converge: each round that does not
    converge throttles the vCPU harder, until the dirty set fits.  A host so
    loaded that the guest hardly ran converges without a throttle; kvmlab's
    decision must still be right there (the stop-copy set fit), and the test
    tries again."""
    def attempt(k):
        m = dirty_migration(tmp_path, k, "--auto-converge")
        assert m["converged"], m
        assert m["stop_copy"]["pages"] <= m["model"]["budget_pages"], m
        return max(r["throttle_pct"] for r in m["rounds"]) > 0
    until_the_premise_holds(attempt, "pre-copy converged before any round throttled the guest")


def test_migration_options_are_checked(kvm):
    r = run_kvmlab("run", payload(COUNTER), "--migrate-after", "1")
    assert r.code == XC["USAGE"] and "need --migrate-to" in r.err
    r = run_kvmlab("run", payload(COUNTER), "--migrate-to", "udp:1")
    assert r.code == XC["USAGE"] and "unix:PATH or tcp:HOST:PORT" in r.err
    r = run_kvmlab("run", payload(COUNTER), "--migrate-to", "tcp:localhost:1")
    assert r.code == XC["USAGE"] and "numeric IPv4" in r.err
    r = run_kvmlab("receive")
    assert r.code == XC["USAGE"] and "--listen" in r.err


# ---- post-copy: the state first, RAM on demand through userfaultfd on the destination ----

def postcopy(tmp_path, transport, name, *opts, recv_opts=()):
    src, dst = migrate(tmp_path, transport, name, "--migrate-mode", "postcopy", *opts, recv_opts=recv_opts)
    if dst.code == XC["HOST"] and "userfaultfd" in dst.err:
        pytest.skip("post-copy needs userfaultfd(2) on this host: " + dst.err.strip().splitlines()[-1])
    return src, dst


@pytest.mark.parametrize("transport", ["unix", "tcp"])
@pytest.mark.parametrize("name,vcpus", [(COUNTER, 1), ("mem/migrate-smp", 2)])
def test_postcopy_guest_ends_as_without_migration(kvm, tmp_path, transport, name, vcpus, run):
    opts = ("--vcpus", "2") if vcpus > 1 else ()
    plain = run(name, *opts)
    src, dst = postcopy(tmp_path, transport, name, *opts, "--migrate-at-report", "checkpoint")
    assert src.code == XC["OK"] and dst.code == XC["OK"], src.err + dst.err
    m = src.doc["migration"]
    assert m["mode"] == "postcopy" and m["completed"] and m["rounds"] == [], m
    assert [v["end"] for v in src.doc["vcpus"]] == ["migrated"] * vcpus
    got, want = reports(dst.doc), reports(plain.doc)
    for key in ("result", "counter", "result0", "result1"):
        assert got.get(key) == want.get(key)
    # Every page went exactly once: pushed, or sent because a fault on the destination
    # asked first (which of the two is a race between the push and the faults).
    ram_pages = src.doc["memory"]["slots"][0]["size"] // 4096
    line = [x for x in dst.err.splitlines() if "post-copy:" in x]
    assert len(line) == 1 and f"post-copy: {ram_pages} pages, " in line[0], dst.err
    pc = m["postcopy"]
    assert pc["pushed_pages"] + pc["demand_pages"] == ram_pages
    assert pc["demand_pages"] <= pc["requests"]


def test_postcopy_connection_loss_ends_both_sides(kvm, tmp_path):
    # 1 MiB: past the state (which the destination takes and runs), inside the pages.
    src, dst = postcopy(tmp_path, "unix", COUNTER, "--mem", "16M", "--migrate-at-report", "checkpoint",
                        recv_opts=("--fail-after", "1M"))
    assert dst.code == XC["MIGRATION_STREAM"] and dst.doc is None, dst.err
    assert "the guest cannot continue on either side" in dst.err.strip().splitlines()[-1]
    assert src.code == XC["HOST"], src.err
    warn = [line for line in src.err.splitlines() if "warning: migration" in line]
    assert len(warn) == 1 and "cannot continue on either side" in warn[0], src.err
    assert src.doc["result"]["end"] == "host_error"


def test_a_postcopy_stream_is_not_restored_from_a_file(kvm, tmp_path, stream):
    # A snapshot with a POSTCOPY section after LAYOUT: its RAM would have to follow live.
    off = next(s for s in sections(stream) if s[1] == 2)
    cut = off[0] + 16 + off[2]
    npages = struct.unpack_from("<Q", stream, 24 + 16 + 8)[0] // 4096   # CONFIG.mem / 4 KiB
    post = struct.pack("<IIQQ", 9, 0, 8, npages)
    rest = b"".join(stream[o:o + 16 + n] for o, t, n in sections(stream) if t not in (1, 2, 3))
    bad = tmp_path / "post.kvm"
    bad.write_bytes(stream[:cut] + post + rest)
    r = run_kvmlab("restore", bad)
    assert r.code == XC["MIGRATION_STREAM"], r.err
    assert "cannot be restored from a file" in r.err


# ---- the chart of pages per round (scripts/plot-migration) ----

PLOT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts", "plot-migration")


@pytest.fixture
def gnuplot():
    import shutil
    if not shutil.which("gnuplot"):
        pytest.skip("requires gnuplot (Debian gnuplot-nox; scripts/deps.sh installs it)")


@pytest.mark.parametrize("ext, magic", [("png", b"\x89PNG"), ("svg", b"<?xml")])
def test_plot_migration_charts_the_rounds(kvm, tmp_path, gnuplot, ext, magic):
    import json
    src, dst = migrate(tmp_path, "unix", COUNTER, "--migrate-at-report", "checkpoint")
    assert src.code == XC["OK"] and dst.code == XC["OK"], src.err + dst.err
    doc = tmp_path / "run.json"
    doc.write_text(json.dumps(src.doc))
    out = tmp_path / f"rounds.{ext}"
    p = subprocess.run([PLOT, str(doc), str(out)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout == f"plot-migration: wrote {out}\n"
    assert out.read_bytes().startswith(magic)
    if ext == "svg":            # one bar pair per round and stop-and-copy, labelled as in the JSON
        svg = out.read_text()
        assert f'{len(src.doc["migration"]["rounds"])} rounds' in svg and "stop" in svg


def test_plot_migration_refuses_a_run_without_migration(tmp_path, gnuplot, run):
    import json
    doc = tmp_path / "plain.json"
    doc.write_text(json.dumps(run("hello-long").doc))
    p = subprocess.run([PLOT, str(doc), str(tmp_path / "x.png")], capture_output=True, text=True, timeout=60)
    assert p.returncode == 1
    assert p.stderr == "plot-migration: the document has no migration section (run with --migrate-to)\n"
    assert not (tmp_path / "x.png").exists()
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    p = subprocess.run([PLOT, str(bad), str(tmp_path / "x.png")], capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and p.stderr.startswith(f"plot-migration: {bad}: not a kvmlab JSON document")


def test_a_rom_slot_migrates_with_the_guest(kvm, tmp_path, run):
    """The --rom slot is in the stream's LAYOUT and its pages go whole in stop-and-copy
    (the guest cannot write it; a device's DMA may have): the destination has it where
    the source had it, and the guest ends as without migration."""
    # The timeouts leave a loaded host room; this measures nothing.
    plain = plain_run(run, "--rom", "--timeout", "120")
    src, dst = migrate(tmp_path, "unix", COUNTER, "--rom", "--timeout", "120",
                       "--migrate-at-report", "checkpoint", recv_opts=("--timeout", "120"))
    assert src.code == XC["OK"] and dst.code == XC["OK"], src.err + dst.err
    m = src.doc["migration"]
    assert m["completed"], m
    rom_pages = 0x10000 // 4096
    assert m["stop_copy"]["pages"] >= rom_pages
    assert reports(dst.doc)["result"] == reports(plain.doc)["result"]
    slots = {s["name"]: (s["gpa"], s["size"], s["readonly"]) for s in dst.doc["memory"]["slots"]}
    assert slots["rom"] == (0xFFFF0000, 0x10000, True)


def test_postcopy_takes_a_rom_with_the_state(kvm, tmp_path, run):
    """Post-copy: the --rom slot cannot change, so it goes whole before END with the
    state, and the pager pages only RAM: the guest ends as without migration, the
    destination has the ROM where the source had it, every RAM page came once."""
    plain = plain_run(run, "--rom")
    src, dst = postcopy(tmp_path, "unix", COUNTER, "--rom", "--migrate-at-report", "checkpoint")
    assert src.code == XC["OK"] and dst.code == XC["OK"], src.err + dst.err
    assert src.doc["migration"]["mode"] == "postcopy" and src.doc["migration"]["completed"]
    assert reports(dst.doc)["result"] == reports(plain.doc)["result"]
    slots = {s["name"]: (s["gpa"], s["size"], s["readonly"]) for s in dst.doc["memory"]["slots"]}
    assert slots["rom"] == (0xFFFF0000, 0x10000, True)
    m = src.doc["migration"]
    assert m["stop_copy"]["pages"] == 0x10000 // 4096                  # the ROM, with the state
    assert m["postcopy"]["pushed_pages"] + m["postcopy"]["demand_pages"] == src.doc["memory"]["slots"][0]["size"] // 4096


# ---- the destination's own backing (kvmlab receive --backing) ----

# Pre-copy into a memfd (shared page cache) and huge pages, post-copy into THP
# (userfaultfd on a madvise(MADV_HUGEPAGE) mapping); post-copy into a memfd is
# the vhost-user tests' (tests/test_migrate_vhost.py), anon everyone else's.
@pytest.mark.parametrize("mode,backing", [("precopy", "memfd"), ("precopy", "hugetlb"), ("postcopy", "thp")])
def test_the_destination_puts_the_guest_in_its_own_backing(kvm, tmp_path, run, mode, backing):
    """Guest RAM's backing is the destination host's choice, not the stream's:
    the guest ends as without migration, in the memory the destination asked for.
    (Post-copy into huge pages is refused: below.)"""
    if backing == "hugetlb" and free_hugepages() < 2:
        pytest.skip("needs 2 free huge pages of 2 MiB (as root: echo 2 > /proc/sys/vm/nr_hugepages)")
    plain = plain_run(run)
    how = postcopy if mode == "postcopy" else migrate
    src, dst = how(tmp_path, "unix", COUNTER, "--migrate-at-report", "checkpoint",
                   recv_opts=("--backing", backing))
    assert src.code == XC["OK"] and dst.code == XC["OK"], src.err + dst.err
    assert src.doc["migration"]["completed"]
    assert src.doc["memory"]["slots"][0]["backing"] == "anon"
    assert dst.doc["memory"]["slots"][0]["backing"] == backing
    assert reports(dst.doc)["result"] == reports(plain.doc)["result"]


def refused_and_ran_on(src, dst, plain, why):
    """The destination refused before the guest ran there (one line naming why,
    exit 7, no report), so the migration failed and the guest ended on the
    source as without one."""
    assert dst.code == XC["HOST"] and dst.doc is None, dst.err
    assert why in dst.err.strip().splitlines()[-1], dst.err
    assert src.code == XC["OK"], src.err
    m = src.doc["migration"]
    assert m["completed"] is False and "runs on here" in m["warning"], m
    assert reports(src.doc)["result"] == reports(plain.doc)["result"]


def test_a_destination_without_its_huge_pages_refuses_and_the_guest_runs_on(kvm, tmp_path, run):
    """receive --backing hugetlb with no huge pages reserved: the destination says
    how to reserve them, in one line, exit 7, before the guest runs there; the
    source's migration fails and the guest ends on the source as without it."""
    if free_hugepages() >= 2:
        pytest.skip("this host has huge pages reserved")
    src, dst = migrate(tmp_path, "unix", COUNTER, "--migrate-at-report", "checkpoint",
                       recv_opts=("--backing", "hugetlb"))
    refused_and_ran_on(src, dst, plain_run(run), "reserve them as root with")


def test_post_copy_into_huge_pages_is_refused_before_the_guest_runs(kvm, tmp_path, run):
    """Post-copy places 4 KiB pages with UFFDIO_COPY, which a hugetlbfs mapping
    takes only whole: the destination refuses in one line, exit 7, before it
    answers, and the guest runs on at the source."""
    if free_hugepages() < 2:
        pytest.skip("needs 2 free huge pages of 2 MiB (as root: echo 2 > /proc/sys/vm/nr_hugepages)")
    src, dst = postcopy(tmp_path, "unix", COUNTER, "--migrate-at-report", "checkpoint",
                        recv_opts=("--backing", "hugetlb"))
    refused_and_ran_on(src, dst, plain_run(run), "post-copy places 4 KiB pages")


# ---- hotplugged memory (docs/migration.md, "Hotplugged memory") ----

HOTPLUG = "mem/migrate-hotplug"
HOTPLUG_PAGES = (2 << 20) // 4096       # the 2 MiB the guest hotplugs


def hotplug_after(doc):
    return {k: v for k, v in reports(doc).items() if k in ("result", "remove-status", "after-remove")}


_hotplug_plain = []


def hotplug_plain(run):
    """What the hotplug guest ends with without a migration: one run for the module."""
    if not _hotplug_plain:
        _hotplug_plain.append(hotplug_after(run(HOTPLUG).doc))
    return _hotplug_plain[0]


def test_hotplugged_memory_migrates_live(kvm, tmp_path, run):
    """Pre-copy: the hotplugged slot is in LAYOUT, round 0 sends its pages with RAM's,
    and its dirty log is read each round (KVM_MEM_LOG_DIRTY_PAGES on it too): the
    guest rewrites 32 of its pages, whose last values only the log can carry."""
    src, dst = migrate(tmp_path, "unix", HOTPLUG, "--migrate-at-report", "checkpoint")
    assert src.code == XC["OK"] and dst.code == XC["OK"], src.err + dst.err
    m = src.doc["migration"]
    assert m["completed"], m
    ram_pages = src.doc["memory"]["slots"][0]["size"] // 4096
    assert m["rounds"][0]["pages"] == ram_pages + HOTPLUG_PAGES
    assert hotplug_after(dst.doc) == hotplug_plain(run)
    assert reports(dst.doc)["remove-status"] == 0      # the destination has the slot, as the source had
    slots = {s["name"] for s in src.doc["memory"]["slots"]}
    assert "hotplug" in slots                           # the source never unplugged: it stopped first


@pytest.mark.parametrize("transport", ["unix", "tcp"])
def test_hotplugged_memory_migrates_in_postcopy(kvm, tmp_path, transport, run):
    """Post-copy: the destination registers the hotplugged slot with its userfaultfd
    too, and every one of its pages comes once, pushed or asked for."""
    src, dst = postcopy(tmp_path, transport, HOTPLUG, "--migrate-at-report", "checkpoint")
    assert src.code == XC["OK"] and dst.code == XC["OK"], src.err + dst.err
    assert hotplug_after(dst.doc) == hotplug_plain(run)
    pages = src.doc["memory"]["slots"][0]["size"] // 4096 + HOTPLUG_PAGES
    line = [x for x in dst.err.splitlines() if "post-copy:" in x]
    assert len(line) == 1 and f"post-copy: {pages} pages, " in line[0], dst.err
    pc = src.doc["migration"]["postcopy"]
    assert pc["pushed_pages"] + pc["demand_pages"] == pages


@pytest.mark.parametrize("mode", ["precopy", "postcopy"])
def test_a_hotplug_request_during_migration_is_refused_and_retried(kvm, tmp_path, mode, run):
    """While a migration runs no slot may change: the source answers a hotplug request
    MEMCTL_EMIGRATING (4) and changes nothing, as QEMU refuses memory hotplug during
    migration; so does a post-copy destination until its last page is in.  The guest
    asks again and, once the migration is over, gets its slot on the destination."""
    plain = run("mem/migrate-hotplug-busy")
    want = reports(plain.doc)
    assert (want["first-status"], want["busy"], want["add-status"]) == (0, 0, 0)
    opts = ("--migrate-mode", "postcopy") if mode == "postcopy" else ()
    src, dst = migrate(tmp_path, "unix", "mem/migrate-hotplug-busy", "--migrate-at-report", "checkpoint", *opts)
    if mode == "postcopy" and dst.code == XC["HOST"] and "userfaultfd" in dst.err:
        pytest.skip("post-copy needs userfaultfd(2) on this host: " + dst.err.strip().splitlines()[-1])
    assert src.code == XC["OK"] and dst.code == XC["OK"], src.err + dst.err
    assert src.doc["migration"]["completed"]
    got = {**reports(src.doc), **reports(dst.doc)}
    sm, dm = src.doc["memory"], dst.doc["memory"]
    # The source served every request after the trigger with 4: no slot changed there.
    assert sm["hotplug_adds"] == 0 and sm["hotplug_busy"] == sm["memctl_requests"]
    if sm["memctl_requests"]:           # the guest asked before the source stopped it
        assert got["first-status"] == 4
    assert got["busy"] == sm["hotplug_busy"] + dm["hotplug_busy"]
    # The request that took, on the destination, and the rest of the run as without migration.
    assert (got["add-status"], got["readback"], got["remove-status"]) == (0, 0x600DF00D, 0)
    assert (dm["hotplug_adds"], dm["hotplug_removes"]) == (1, 1)
    assert got["result"] == want["result"]
    if mode == "precopy":               # the destination's slots never froze
        assert dm["hotplug_busy"] == 0
