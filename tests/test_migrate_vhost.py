"""A guest whose virtio-blk is served by a vhost-user back-end, migrated (docs/migration.md,
"vhost-user-blk"; QEMU docs/interop/vhost-user.rst, "Migration").

payloads/mem/migrate-vhost writes one sector and reads one back every round, into read
buffers only the back-end writes (KVM's dirty log never sees them: the back-end's own log
must).  Migrated at round 64 - pre-copy with the back-end's dirty log, post-copy with the
ring handed over once every page is in - onto a second back-end on the same image (shared
storage, as with QEMU), it must end with the reports of a run without migration, the
image must hold the same bytes, and the two back-ends together must have served every
request exactly once.  A back-end that cannot log is refused before the first byte, one
line, and the source guest runs on; so does a source whose destination refuses the guest
after the ring stopped (the ring goes back to the source's back-end)."""
import filecmp
import json
import os
import struct

import pytest

from conftest import XC, run_kvmlab
from streamhelp import restore_refused, rewrite_section
from test_migrate_live import Receiver, address, migrate, postcopy, reports
from vhosthelp import own_backend, qsd_backend, require_qsd

GUEST = "mem/migrate-vhost"
ROUNDS = 1024                   # two requests a round (the payload's default is 4096); the guest
LIVE = ("--arg", str(ROUNDS))   # waits for a migration's stop after them (MIGRATION_WAIT)
SHORT_ROUNDS = 256              # a run in which no migration happens
SEC_VIRTIO = 10
V_WHICH, V_FLAGS = 4, 124       # struct mig_virtio offsets (vmm/migrate/migrate.h)
SLOW = ("--timeout", "120")     # a guest waiting on its disk is slow on a loaded host; measures nothing


@pytest.fixture
def vhost_ok(kvm, require_cap):
    require_cap("IOEVENTFD")    # QueueNotify is the back-end's kick ioeventfd


def stats(d):
    with open(os.path.join(d, "stats.json")) as f:
        return json.load(f)


_plain = {}


def plain_run(run, tmp_path, *opts):
    """The run without migration: its reports and its image, once per set of options
    (the guest is deterministic and starts on a fresh image; the image stays in the
    first test's tmp_path, which pytest keeps for the session)."""
    if opts not in _plain:
        disk = tmp_path / "plain.img"
        with own_backend(disk) as (proc, sock, d):
            r = run(GUEST, "--vhost-user-blk", sock, *SLOW, *opts)
            proc.wait(timeout=30)
        assert r.code == XC["OK"], r.err
        _plain[opts] = reports(r.doc), disk
    return _plain[opts]


def same_result(got, want):
    for key in ("rounds", "io_sum", "result"):
        assert got[key] == want[key], (key, got, want)


@pytest.mark.parametrize("mode", ["precopy", "postcopy"])
def test_a_vhost_guest_migrates_as_without_migration(run, tmp_path, vhost_ok, mode):
    want, plain_disk = plain_run(run, tmp_path, *LIVE)
    disk = tmp_path / "shared.img"
    how = migrate if mode == "precopy" else postcopy
    with own_backend(disk) as (sp, ssock, sd), own_backend(disk) as (dp, dsock, dd):
        src, dst = how(tmp_path, "unix", GUEST, "--vhost-user-blk", ssock, *SLOW, *LIVE,
                       "--migrate-at-report", "checkpoint", recv_opts=("--vhost-user-blk", dsock, *SLOW))
        sp.wait(timeout=30)
        dp.wait(timeout=30)
        s_stats, d_stats = stats(sd), stats(dd)
    assert src.code == XC["OK"] and dst.code == XC["OK"], src.err + dst.err
    assert src.doc["migration"]["completed"], src.doc["migration"]
    assert src.doc["result"]["end"] == "migrated"
    got = reports(dst.doc)
    assert "checkpoint" not in got
    same_result(got, want)
    assert filecmp.cmp(disk, plain_disk, shallow=False)     # the image as without migration
    # Every request once: the source's back-end served those before the stop
    # (at least the 64 rounds before the checkpoint), the destination's the rest.
    assert s_stats["requests"] >= 2 * 64
    assert s_stats["requests"] + d_stats["requests"] == 2 * ROUNDS
    # The source's ring stopped where the destination's began (GET_VRING_BASE -> SET_VRING_BASE).
    assert src.doc["io"]["blk"]["vhost_user"]["stop_base"] == s_stats["requests"]
    assert dst.doc["io"]["blk"]["vhost_user"]["stop_base"] == 2 * ROUNDS
    # What the back-end marked, kvmlab took (a page marked twice is taken once or twice).
    log_pages = src.doc["io"]["blk"]["vhost_user"]["log_pages"]
    assert log_pages <= s_stats["logged_pages"]
    if mode == "postcopy":
        assert s_stats["logged_pages"] == 0 and log_pages == 0  # nothing sent while it ran: no log asked for
    assert (sp.returncode, dp.returncode) == (0, 0)


def test_a_vhost_guest_migrates_between_two_qemu_storage_daemons(run, tmp_path, vhost_ok):
    # qemu-storage-daemon's vhost-user-blk export offers VHOST_F_LOG_ALL and
    # VHOST_USER_PROTOCOL_F_LOG_SHMFD (libvhost-user): kvmlab reads its log as its own's.
    require_qsd()
    want, _ = plain_run(run, tmp_path, *LIVE)
    disk = tmp_path / "shared.img"
    disk.write_bytes(b"\0" * (2 << 20))
    with qsd_backend(disk, "raw", shared=True) as (_, ssock, _d1), \
            qsd_backend(disk, "raw", shared=True) as (_, dsock, _d2):
        src, dst = migrate(tmp_path, "unix", GUEST, "--vhost-user-blk", ssock, *SLOW, *LIVE,
                           "--migrate-at-report", "checkpoint", recv_opts=("--vhost-user-blk", dsock, *SLOW))
    assert src.code == XC["OK"] and dst.code == XC["OK"], src.err + dst.err
    assert src.doc["migration"]["completed"], src.doc["migration"]
    vh = src.doc["io"]["blk"]["vhost_user"]
    assert int(vh["features"], 16) & (1 << 26) and int(vh["protocol_features"], 16) & (1 << 1)
    same_result(reports(dst.doc), want)


def one_warning(err):
    lines = [line for line in err.splitlines() if "warning: migration" in line]
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("misbehave, text", [
    ("no-log", "does not offer VHOST_F_LOG_ALL"),
    ("log-no-shmfd", "does not offer VHOST_USER_PROTOCOL_F_LOG_SHMFD"),
    ("log-reply", "SET_LOG_BASE: a 4-byte answer, the spec gives 8"),
])
def test_a_back_end_that_cannot_log_is_refused_up_front(run, tmp_path, vhost_ok, misbehave, text):
    # No migration happens: 256 rounds are enough.
    short = ("--arg", str(SHORT_ROUNDS))
    want, _ = plain_run(run, tmp_path, *short)
    # Nobody listens at the address: the refusal comes before kvmlab would connect.
    addr = address(tmp_path, "unix")
    with own_backend(tmp_path / "d.img", misbehave=misbehave) as (proc, sock, d):
        src = run(GUEST, "--vhost-user-blk", sock, *SLOW, *short, "--migrate-to", addr,
                  "--migrate-at-report", "checkpoint")
        proc.wait(timeout=30)
        served = stats(d)["requests"]
    assert src.code == XC["OK"], src.err
    w = one_warning(src.err)
    assert "migration refused" in w and text in w and "the guest runs on here" in w, w
    assert src.doc["migration"]["completed"] is False
    same_result(reports(src.doc), want)                 # the ring went on serving the guest
    assert served == 2 * SHORT_ROUNDS


def test_a_back_end_that_hangs_up_at_the_log_leaves_a_broken_disk_said_so(run, tmp_path, vhost_ok):
    addr = address(tmp_path, "unix")
    with own_backend(tmp_path / "d.img", misbehave="log-close") as (proc, sock, d):
        src = run(GUEST, "--vhost-user-blk", sock, *SLOW, *LIVE, "--migrate-to", addr, "--migrate-at-report", "checkpoint")
    w = one_warning(src.err)
    assert "SET_LOG_BASE: the back-end closed the socket" in w, w
    # The guest runs on here, on a disk that is gone: DEVICE_NEEDS_RESET, not a hang.
    assert src.code == XC["GUEST_FAIL"], src.err
    assert "device_needs_reset" in [r["name"] for r in src.doc["reports"]]


def test_a_refusing_destination_gives_the_ring_back_to_the_source(run, tmp_path, vhost_ok):
    # The destination has no --vhost-user-blk: it refuses the stream's blk after the
    # source stopped its ring; the source's back-end takes the ring back where it stopped.
    want, plain_disk = plain_run(run, tmp_path, *LIVE)
    disk = tmp_path / "d.img"
    with own_backend(disk) as (proc, sock, d):
        src, dst = migrate(tmp_path, "unix", GUEST, "--vhost-user-blk", sock, *SLOW, *LIVE,
                           "--migrate-at-report", "checkpoint", recv_opts=SLOW)
        proc.wait(timeout=30)
        served = stats(d)["requests"]
    assert dst.code == XC["MIGRATION_STREAM"] and dst.doc is None, dst.err
    assert "give --vhost-user-blk SOCKET" in dst.err
    assert src.code == XC["OK"], src.err
    assert "the guest runs on here" in one_warning(src.err)
    same_result(reports(src.doc), want)
    assert filecmp.cmp(disk, plain_disk, shallow=False)
    assert served == 2 * ROUNDS                         # none lost, none twice


# ---- snapshot / restore: the image is the back-end's; kvmlab stores the ring's index ----
SNAP_ROUNDS = "1000"            # each sector written once: later writes cannot change what a restore reads


def vhost_snapshot(run, tmp_path):
    disk, snap = tmp_path / "d.img", tmp_path / "vhost.kvm"
    with own_backend(disk) as (proc, sock, d):
        r = run(GUEST, "--arg", SNAP_ROUNDS, "--vhost-user-blk", sock, *SLOW,
                "--snapshot", snap, "--snapshot-at-report", "checkpoint")
        proc.wait(timeout=30)
    assert r.code == XC["OK"], r.err
    return r, disk, snap


def test_a_vhost_guest_restores_on_its_image(run, tmp_path, vhost_ok):
    want, _ = plain_run(run, tmp_path, "--arg", SNAP_ROUNDS)
    src, disk, snap = vhost_snapshot(run, tmp_path)
    same_result(reports(src.doc), want)                 # the snapshot gave the ring back
    with own_backend(disk) as (proc, sock, d):
        r = run_kvmlab("restore", snap, "--vhost-user-blk", sock, "--json", *SLOW, json_out=True)
    assert r.code == XC["OK"], r.err
    got = reports(r.doc)
    assert "checkpoint" not in got
    same_result(got, want)
    assert r.doc["io"]["blk"]["vhost_user"]["stop_base"] == 2 * int(SNAP_ROUNDS)


def rewrite_virtio(data, which, off, value):
    """The stream with field off of device which's VIRTIO section set to value."""
    return rewrite_section(data, SEC_VIRTIO, lambda b, o, _n: struct.pack_into("<I", b, o + off, value),
                           pick=lambda d, o: struct.unpack_from("<I", d, o + V_WHICH)[0] == which)


def test_a_vhost_stream_is_checked_before_the_guest_runs(run, tmp_path, vhost_ok):
    _, disk, snap = vhost_snapshot(run, tmp_path)
    data = snap.read_bytes()
    restore_refused(tmp_path, data, "give --vhost-user-blk SOCKET")
    restore_refused(tmp_path, rewrite_virtio(data, 1, V_FLAGS, 3), "blk: flags 0x3")
    with own_backend(tmp_path / "other.img", size="4M") as (_, sock, _d):
        restore_refused(tmp_path, data, "not the same image", "--vhost-user-blk", sock)
    # kvmlab's own blk on the same file is not the back-end's device the guest drove.
    restore_refused(tmp_path, data, "give --vhost-user-blk SOCKET", "--blk", disk)
    plain = tmp_path / "plain.kvm"
    plain.write_bytes(rewrite_virtio(data, 1, V_FLAGS, 0))
    with own_backend(disk) as (_, sock, _d):
        restore_refused(tmp_path, plain.read_bytes(), "the stream's device was kvmlab's", "--vhost-user-blk", sock)
