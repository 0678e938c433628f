"""virtio-blk served by a vhost-user back-end (docs/io.md, "vhost-user").

The guest (io/blk-verify) writes 1 KiB at 16 places 64 KiB apart, reads every
KiB back and compares.  Whoever serves the disk - kvmlab itself (--blk), kvmlab's
own back-end program or qemu-storage-daemon (--vhost-user-blk) - the guest sees
the same disk, and the host finds the same bytes in the file.  On the vhost-user
path QueueNotify is the back-end's kick ioeventfd: no MMIO exit at it reaches kvmlab.
"""
import json
import os
import subprocess

import pytest

from conftest import XC, run_kvmlab
from iohelp import mmio_exits, values
from vhosthelp import own_backend, qsd_backend, require_qsd

GPA_VIRTIO_BLK = 0xC0000200
QUEUE_NOTIFY = GPA_VIRTIO_BLK + 0x50
NREQ, REQ, STRIDE = 16, 1024, 64 * 1024         # the payload's workload
DISK = 2 << 20


def check_disk(path):
    """Every request's KiB holds 0x41 + i at offset i * 64 KiB."""
    with open(path, "rb") as f:
        for i in range(NREQ):
            f.seek(i * STRIDE)
            assert f.read(REQ) == bytes([0x41 + i]) * REQ, f"request {i}"


def check_guest(r):
    assert r.code == XC["OK"], r.err
    v = values(r)
    assert (v["capacity"], v["readback_ok"], v["mismatches"], v["requests"]) == (DISK // 512, NREQ, 0, 2 * NREQ)


def test_own_backend_serves_the_disk(run, tmp_path, require_cap):
    require_cap("IOEVENTFD")
    disk = tmp_path / "disk.img"
    with own_backend(disk) as (proc, sock, d):
        r = run("io/blk-verify", "--vhost-user-blk", sock)
        proc.wait(timeout=30)                   # it ends when kvmlab hangs up
        stats = json.load(open(os.path.join(d, "stats.json")))
    check_guest(r)
    vh = r.doc["io"]["blk"]["vhost_user"]
    assert vh["regions"] == 1 and vh["irqfd"] is False and vh["kicks_relayed"] == 0
    assert vh["stop_base"] == 2 * NREQ          # GET_VRING_BASE: where the back-end stopped
    assert vh["error_detail"] is None and r.doc["io"]["blk"]["error"] is None
    assert mmio_exits(r, QUEUE_NOTIFY) == 0     # the doorbell never reached kvmlab
    assert (stats["requests"], proc.returncode) == (2 * NREQ, 0)
    check_disk(disk)


def test_in_process_disk_exits_per_request(run, tmp_path):
    """The same payload on --blk: every doorbell is an MMIO exit kvmlab answers."""
    disk = tmp_path / "disk.img"
    r = run("io/blk-verify", "--blk", disk, "--blk-size", str(DISK))
    check_guest(r)
    assert mmio_exits(r, QUEUE_NOTIFY) == 2 * NREQ
    assert r.doc["io"]["blk"]["vhost_user"] is None
    check_disk(disk)


def test_completion_by_irqfd(run, tmp_path, require_cap):
    """--irqchip kernel: the call fd is a KVM irqfd; kvmlab reads none of the completions."""
    require_cap("IOEVENTFD")
    require_cap("IRQFD")
    disk = tmp_path / "disk.img"
    with own_backend(disk) as (proc, sock, d):
        r = run("io/blk-verify", "--vhost-user-blk", sock, "--irqchip", "kernel")
    check_guest(r)
    vh = r.doc["io"]["blk"]["vhost_user"]
    assert (vh["irqfd"], vh["calls_checked"]) == (True, 0)
    check_disk(disk)


@pytest.mark.parametrize("fmt", ["raw", "qcow2"])
def test_qemu_storage_daemon(run, tmp_path, require_cap, fmt):
    """A back-end nobody here wrote: qemu-storage-daemon's vhost-user-blk export."""
    require_qsd()
    require_cap("IOEVENTFD")
    image = tmp_path / f"disk.{fmt}"
    subprocess.run(["qemu-img", "create", "-q", "-f", fmt, str(image), str(DISK)], check=True)
    with qsd_backend(image, fmt) as (proc, sock, d):
        r = run("io/blk-verify", "--vhost-user-blk", sock)
    check_guest(r)
    assert mmio_exits(r, QUEUE_NOTIFY) == 0
    if fmt == "qcow2":                          # raw has no metadata to check (qemu-img exits 63)
        chk = subprocess.run(["qemu-img", "check", "-f", fmt, str(image)], capture_output=True, text=True)
        assert chk.returncode == 0, chk.stdout + chk.stderr
    m = json.loads(subprocess.run(["qemu-img", "map", "-f", fmt, "--output=json", str(image)],
                                  capture_output=True, text=True, check=True).stdout)

    def data_at(off):
        return any(e["start"] <= off < e["start"] + e["length"] and e["data"] for e in m)
    assert all(data_at(i * STRIDE) for i in range(NREQ))
    assert not data_at(DISK - 512)              # never written: no data (a hole, or no cluster)
    if fmt == "raw":
        check_disk(image)
    else:
        raw = tmp_path / "converted.raw"
        subprocess.run(["qemu-img", "convert", "-f", "qcow2", "-O", "raw", str(image), str(raw)], check=True)
        check_disk(raw)


# ---- memory hotplug while the back-end runs (docs/io.md, "Memory hotplug") ----

HOTPLUG_GUEST = "mem/hotplug-vhost"
HOTPLUG_REPORTS = {"add-status": 0, "hotplug-io": 512, "remove-status": 0, "after-unplug": 512}


def reported(r):
    """Every report, values and passes alike: name -> value."""
    return {x["name"]: x["value"] for x in r.doc["reports"]}


def test_hotplugged_memory_reaches_the_backend(run, tmp_path, require_cap):
    """A sector written from hotplugged memory and read back into it; after the unplug,
    read into RAM.  Each change of the map is one SET_MEM_TABLE: the start, the add,
    the remove; the back-end served the three requests."""
    require_cap("IOEVENTFD")
    with own_backend(tmp_path / "disk.img") as (proc, sock, d):
        r = run(HOTPLUG_GUEST, "--vhost-user-blk", sock)
        proc.wait(timeout=30)
        stats = json.load(open(os.path.join(d, "stats.json")))
    assert r.code == XC["OK"], r.err
    assert reported(r) == HOTPLUG_REPORTS
    vh = r.doc["io"]["blk"]["vhost_user"]
    assert (vh["mem_tables"], vh["regions"]) == (3, 1)      # RAM alone again after the unplug
    assert (r.doc["memory"]["hotplug_adds"], r.doc["memory"]["hotplug_removes"]) == (1, 1)
    assert (stats["requests"], proc.returncode) == (3, 0)


def test_hotplugged_memory_reaches_qemu_storage_daemon(run, tmp_path, require_cap):
    """libvhost-user maps a table sent while the ring runs, and its rings again."""
    require_qsd()
    require_cap("IOEVENTFD")
    image = tmp_path / "disk.raw"
    image.write_bytes(b"\0" * DISK)
    with qsd_backend(image, "raw") as (proc, sock, d):
        r = run(HOTPLUG_GUEST, "--vhost-user-blk", sock)
    assert r.code == XC["OK"], r.err
    assert reported(r) == HOTPLUG_REPORTS
    assert r.doc["io"]["blk"]["vhost_user"]["mem_tables"] == 3


def test_a_hotplug_without_reply_ack_is_refused(run, tmp_path, require_cap):
    """Without REPLY_ACK nothing says the table is in before the guest's next kick:
    the hotplug is refused (status 3), the slot taken out again, and one warning says why."""
    require_cap("IOEVENTFD")
    with own_backend(tmp_path / "disk.img", misbehave="no-ack") as (proc, sock, d):
        r = run(HOTPLUG_GUEST, "--vhost-user-blk", sock)
    assert r.code == XC["OK"], r.err
    assert reported(r) == {"add-status": 3}
    (warning,) = [line for line in r.err.splitlines() if "memctl: hotplug" in line]
    assert "REPLY_ACK" in warning and "taken out again" in warning
    assert r.doc["memory"]["hotplug_adds"] == 0
    assert [s["id"] for s in r.doc["memory"]["slots"]] == [0]
    assert r.doc["io"]["blk"]["vhost_user"]["mem_tables"] == 1


def test_kvmlabs_own_disk_needs_no_table(run, tmp_path):
    """--blk: kvmlab's device reads guest memory through its slots, hotplugged ones too."""
    r = run(HOTPLUG_GUEST, "--blk", tmp_path / "disk.img", "--blk-size", "1M")
    assert r.code == XC["OK"], r.err
    assert reported(r) == HOTPLUG_REPORTS


# ---- a back-end that lies, stalls or dies: a clear end, never a hang ----

def test_backend_lies_about_the_used_index(run, tmp_path, require_cap):
    require_cap("IOEVENTFD")
    with own_backend(tmp_path / "d.img", misbehave="used-idx") as (proc, sock, d):
        r = run("io/blk-verify", "--vhost-user-blk", sock)
    assert r.code == XC["GUEST_FAIL"]
    assert [x["name"] for x in r.reports("fail")] == ["device_needs_reset"]
    b = r.doc["io"]["blk"]
    assert b["error"] == "backend" and "used index" in b["vhost_user"]["error_detail"]
    assert b["status"] & 0x40                   # DEVICE_NEEDS_RESET (virtio 1.1 2.1.2)


def test_backend_lies_about_the_used_length(run, tmp_path, require_cap):
    """The length is past any chain: the guest's own check or kvmlab's watch catches it first."""
    require_cap("IOEVENTFD")
    with own_backend(tmp_path / "d.img", misbehave="used-len") as (proc, sock, d):
        r = run("io/blk-verify", "--vhost-user-blk", sock)
    assert r.code == XC["GUEST_FAIL"]
    fails = r.reports("fail")
    assert len(fails) == 1 and fails[0]["name"] in ("used_len", "device_needs_reset")
    if fails[0]["name"] == "used_len":
        assert fails[0]["value"] == 0x7FFFFFFF


def test_backend_short_config(tmp_path, kvm):
    with own_backend(tmp_path / "d.img", misbehave="config-size") as (proc, sock, d):
        r = run_kvmlab("run", "io/blk-verify", "--vhost-user-blk", sock)
    assert r.code == XC["HOST"]
    assert "GET_CONFIG" in r.err and r.err.count("\n") == 1


def test_backend_stalls(tmp_path, kvm, require_cap):
    require_cap("IOEVENTFD")
    with own_backend(tmp_path / "d.img", misbehave="stall") as (proc, sock, d):
        r = run_kvmlab("run", "io/blk-verify", "--vhost-user-blk", sock, "--timeout", "0.5")  # the back-end never answers
    assert r.code == XC["TIMEOUT"]


def test_backend_hangs_up_mid_request(run, tmp_path, require_cap):
    require_cap("IOEVENTFD")
    with own_backend(tmp_path / "d.img", misbehave="close") as (proc, sock, d):
        r = run("io/blk-verify", "--vhost-user-blk", sock)
    assert r.code == XC["GUEST_FAIL"]
    assert [x["name"] for x in r.reports("fail")] == ["device_needs_reset"]
    vh = r.doc["io"]["blk"]["vhost_user"]
    assert vh["hangups"] == 1 and "closed its socket" in vh["error_detail"]


def test_bad_vhost_options(kvm, tmp_path):
    r = run_kvmlab("run", "io/blk-verify", "--vhost-user-blk", tmp_path / "nobody.sock")
    assert r.code == XC["HOST"] and "connect" in r.err and r.err.count("\n") == 1
    r = run_kvmlab("run", "io/blk-verify", "--blk", tmp_path / "x.img", "--vhost-user-blk", tmp_path / "s")
    assert r.code == XC["USAGE"]
    with own_backend(tmp_path / "d.img") as (proc, sock, d):
        r = run_kvmlab("run", "io/blk-verify", "--vhost-user-blk", sock, "--backing", "anon")
    assert r.code == XC["HOST"] and "memfd" in r.err
