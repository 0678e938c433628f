"""The virtio devices in the migration stream (docs/migration.md, section VIRTIO).

payloads/mem/migrate-virtio sends one byte a round through the virtio console
and folds each used entry into a checksum: migrated live in the middle (pre-copy, and post-copy, where the destination's
I/O thread faults the rings in like any other page), it must
end on the destination with the same reports, the same device counters and
hash, and the two consoles' text together must be the text of a run without
migration (no byte lost or sent twice).  payloads/io/blk-sparse, snapshotted
after its two writes and restored on the same --blk file, must read its data
back.  A VIRTIO section that lies, or a destination whose devices differ, is
refused with exit 19 before the guest runs."""
import struct

import pytest

from conftest import XC, run_kvmlab
from streamhelp import restore_refused as refused, rewrite_section
from test_migrate_live import migrate, postcopy, reports

CONSOLE_GUEST = "mem/migrate-virtio"
BLK_GUEST = "io/blk-sparse"
SEC_VIRTIO = 10
# struct mig_virtio (vmm/migrate/migrate.h): offsets the lying streams rewrite.
V_VERSION, V_STATUS, V_Q0 = 0, 12, 56
Q_SIZE, Q_NUM, Q_LAST_AVAIL, Q_DESC = 32, 0, 2, 8


# A guest that waits on a device is slow on a loaded host: a generous --timeout
# (the default 10 s) keeps load from ending the run; it measures nothing.
SLOW = ("--timeout", "120")


@pytest.mark.parametrize("mode,notify", [("precopy", "exit"), ("precopy", "ioeventfd"), ("postcopy", "ioeventfd")])
def test_a_virtio_console_guest_migrates_live_as_without_migration(kvm, tmp_path, mode, notify, run):
    plain = run(CONSOLE_GUEST, "--virtio-notify", notify, *SLOW)
    assert plain.code == XC["OK"], plain.err
    how = migrate if mode == "precopy" else postcopy
    src, dst = how(tmp_path, "unix", CONSOLE_GUEST, "--virtio-notify", notify, *SLOW,
                   "--migrate-at-report", "checkpoint", recv_opts=("--virtio-notify", notify, *SLOW))
    assert src.code == XC["OK"] and dst.code == XC["OK"], src.err + dst.err
    assert src.doc["migration"]["completed"], src.doc["migration"]
    assert src.doc["result"]["end"] == "migrated"
    got, want = reports(dst.doc), reports(plain.doc)
    assert "checkpoint" not in got
    assert (got["counter"], got["used_idx"], got["result"]) == (want["counter"], want["used_idx"], want["result"])
    # The device went on from the queue's place: every byte once, in order.
    dv, pv = dst.doc["io"]["virtio"], plain.doc["io"]["virtio"]
    assert (dv["chains"], dv["bytes"], dv["fnv1a"], dv["status"]) == \
           (pv["chains"], pv["bytes"], pv["fnv1a"], pv["status"])
    text = src.doc["console"]["text"] + dst.doc["console"]["text"]
    assert text == plain.doc["console"]["text"]
    assert src.doc["console"]["text"] and dst.doc["console"]["text"]     # the switch was mid-stream


def console_stream(tmp_path, run, *opts):
    snap = tmp_path / "virtio.kvm"
    r = run(CONSOLE_GUEST, "--arg", "100", "--snapshot", snap, "--snapshot-at-report", "checkpoint", *opts)
    assert r.code == XC["OK"], r.err
    return snap


def test_a_restored_console_guest_ends_as_without_snapshot(kvm, tmp_path, run):
    plain = run(CONSOLE_GUEST, "--arg", "100")
    snap = console_stream(tmp_path, run)
    r = run_kvmlab("restore", snap, "--json", json_out=True)
    assert r.code == XC["OK"], r.err
    assert reports(r.doc)["result"] == reports(plain.doc)["result"]
    assert r.doc["io"]["virtio"]["fnv1a"] == plain.doc["io"]["virtio"]["fnv1a"]
    assert plain.doc["console"]["text"].endswith(r.doc["console"]["text"])


def lie(data, rewrite):
    """The stream with its console VIRTIO section passed through rewrite(bytearray, offset)."""
    return rewrite_section(data, SEC_VIRTIO, lambda b, o, _n: rewrite(b, o))


def test_a_virtio_section_that_lies_is_refused_before_the_guest_runs(kvm, tmp_path, run):
    data = console_stream(tmp_path, run).read_bytes()
    q1 = V_Q0 + Q_SIZE                                   # transmitq0: the live queue
    mem = 4 << 20                                        # the default --mem
    refused(tmp_path, lie(data, lambda b, o: struct.pack_into("<Q", b, o + q1 + Q_DESC, mem - 16)),
            "not wholly inside guest RAM")
    refused(tmp_path, lie(data, lambda b, o: struct.pack_into("<H", b, o + q1 + Q_NUM, 6)),
            "not a power of two")
    refused(tmp_path, lie(data, lambda b, o: struct.pack_into("<H", b, o + q1 + Q_NUM, 512)),
            "not a power of two up to 256")
    refused(tmp_path, lie(data, lambda b, o: struct.pack_into("<H", b, o + q1 + Q_LAST_AVAIL, 7)),
            "differ")
    refused(tmp_path, lie(data, lambda b, o: struct.pack_into("<I", b, o + V_STATUS, 0x2F)),
            "Status 0x2f")
    refused(tmp_path, lie(data, lambda b, o: struct.pack_into("<I", b, o + V_VERSION, 3)),
            "VIRTIO section: version 3")


def test_a_polled_console_restores_only_where_the_device_polls(kvm, tmp_path, run):
    # Its driver was told not to notify (VIRTQ_USED_F_NO_NOTIFY, in RAM): a device
    # that waits for doorbells would leave it waiting forever.
    plain = run(CONSOLE_GUEST, "--arg", "100", "--virtio-notify", "poll", *SLOW)
    snap = console_stream(tmp_path, run, "--virtio-notify", "poll", *SLOW)
    refused(tmp_path, snap.read_bytes(), "give the source's --virtio-notify (poll)")
    r = run_kvmlab("restore", snap, "--virtio-notify", "poll", "--json", *SLOW, json_out=True)
    assert r.code == XC["OK"], r.err
    assert reports(r.doc)["result"] == reports(plain.doc)["result"]
    assert r.doc["io"]["virtio"]["fnv1a"] == plain.doc["io"]["virtio"]["fnv1a"]


def blk_stream(tmp_path, run):
    disk, snap = tmp_path / "disk.img", tmp_path / "blk.kvm"
    r = run(BLK_GUEST, "--blk", disk, "--blk-size", "1M", "--snapshot", snap,
            "--snapshot-at-report", "status_write_last")
    assert r.code == XC["OK"], r.err
    return disk, snap


def test_a_restored_blk_guest_reads_back_what_it_wrote_before(kvm, tmp_path, run):
    disk, snap = blk_stream(tmp_path, run)
    r = run_kvmlab("restore", snap, "--blk", disk, "--json", json_out=True)
    assert r.code == XC["OK"], r.err
    got = reports(r.doc)
    assert "status_write_last" not in got                # the writes were the source's
    assert got["status_read_first"] == 0 and got["readback_ok"] == 1
    assert got["status_past_end"] == 1 and got["status_get_id"] == 0
    blk = r.doc["io"]["blk"]
    assert (blk["writes"], blk["reads"], blk["ioerr"]) == (2, 1, 1)


def test_a_blk_guest_is_not_restored_on_another_disk(kvm, tmp_path, run):
    disk, snap = blk_stream(tmp_path, run)
    data = snap.read_bytes()
    refused(tmp_path, data, "give --blk with that file")
    other = tmp_path / "other.img"
    other.write_bytes(b"\0" * (1 << 20))                  # the same size, another file
    refused(tmp_path, data, "st_dev/st_ino differ", "--blk", other)
    other.write_bytes(b"\0" * (2 << 20))
    refused(tmp_path, data, "not the same disk", "--blk", other)
