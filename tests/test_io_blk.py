"""virtio-blk on a sparse file (docs/io.md, "virtio-blk").

The guest writes sector 0 and the last sector of a 1 GiB disk: the backing
file is 1 GiB long but holds only the blocks of the two sectors written -
why raw and qcow2 images grow on demand.
"""
import os

from conftest import XC, run_kvmlab
from iohelp import values

SIZE = 1 << 30
SECTOR = 512


def test_sparse_disk_written_at_both_ends(run, tmp_path):
    disk = tmp_path / "disk.img"
    r = run("io/blk-sparse", "--blk", str(disk), "--blk-size", "1G")
    assert r.code == XC["OK"], r.err
    got = values(r)
    assert got["capacity"] == SIZE // SECTOR
    assert (got["status_write_first"], got["status_write_last"], got["status_read_first"]) == (0, 0, 0)
    assert got["readback_ok"] == 1
    assert got["status_past_end"] == 1              # VIRTIO_BLK_S_IOERR: past the end, file untouched
    assert got["status_get_id"] == 0
    assert got["id_first8"] == int.from_bytes(b"kvmlab-v", "little")
    b = r.doc["io"]["blk"]
    assert (b["present"], b["reads"], b["writes"], b["ioerr"], b["get_ids"], b["error"]) == \
        (True, 1, 2, 1, 1, None)
    assert (b["bytes_written"], b["bytes_read"]) == (2 * SECTOR, SECTOR)
    st = os.stat(disk)
    assert st.st_size == SIZE
    # Two 512-byte sectors written: a few file-system blocks, nowhere near 1 GiB.
    assert st.st_blocks * 512 <= 64 * 1024
    with open(disk, "rb") as f:
        assert f.read(SECTOR).rstrip(b"\0") == b"kvmlab: first sector\n"
        f.seek(SIZE - SECTOR)
        assert f.read(SECTOR).rstrip(b"\0") == b"kvmlab: last sector\n"


def test_no_disk_means_device_id_zero(run):
    """Without --blk the slot at 0xC0000200 is virtio-mmio's placeholder (device id 0)."""
    r = run("io/blk-sparse")
    assert r.code == XC["GUEST_FAIL"]
    assert r.doc["io"]["blk"]["present"] is False
    assert [x["name"] for x in r.reports("fail")] == ["virtio_probe"]


def test_bad_blk_options(kvm, tmp_path):
    r = run_kvmlab("run", "io/blk-sparse", "--blk", str(tmp_path / "empty.img"))
    assert r.code == XC["HOST"]
    assert "the disk is empty" in r.err and r.err.count("\n") == 1
    r = run_kvmlab("run", "io/blk-sparse", "--blk", str(tmp_path / "x.img"), "--blk-size", "1000")
    assert r.code == XC["USAGE"]
    r = run_kvmlab("run", "io/blk-sparse", "--blk", str(tmp_path / "no-such-dir" / "x.img"), "--blk-size", "1M")
    assert r.code == XC["HOST"]


def test_sparse_disk_under_the_sandbox(kvm, tmp_path):
    """--sandbox allows the device's pwrite64/pread64/fsync (vmm/security/sandbox.c): same result."""
    disk = tmp_path / "disk.img"
    from test_sandbox import boxed_env          # make asan: LSan cannot run under the sandbox
    r = run_kvmlab("run", "io/blk-sparse", "--blk", str(disk), "--blk-size", "1M", "--sandbox",
                   "--json", json_out=True, env=boxed_env())
    assert r.code == XC["OK"], r.err
    b = r.doc["io"]["blk"]
    assert (b["reads"], b["writes"], b["ioerr"]) == (1, 2, 1)
