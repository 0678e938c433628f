"""Payload files as untrusted input (issue 2, part 4; docs/guest-abi.md "The
payload header"): every defect is refused before any VM exists, with a
one-line message on stderr and its own exit code (vmm/core/core.h XC_*)."""
import os
import struct

import pytest

from conftest import PAYLOADS, XC, payload, run_kvmlab

MALFORMED_DIR = os.path.join(PAYLOADS, "malformed")

# payloads/malformed/NAME.asm -> the check it trips (its comment block) -> exit code.
MALFORMED = {
    "bad-desc": "PAYLOAD_FIELD",          # desc_offset == file size
    "bad-entry": "PAYLOAD_ENTRY",         # entry == file size
    "bad-hdr-size": "PAYLOAD_FIELD",      # hdr_size 32
    "bad-magic": "PAYLOAD_MAGIC",         # "KVMX"
    "bad-mode": "PAYLOAD_MODE",           # mode 7
    "bad-name": "PAYLOAD_FIELD",          # BEL in the name
    "bad-version": "PAYLOAD_VERSION",     # ABI 99
    "load-overlap": "PAYLOAD_LOAD",       # load_addr 0x8000
    "nonzero-flags": "PAYLOAD_FIELD",     # an unknown flag bit (31)
    "real-too-high": "PAYLOAD_LOAD",      # real-mode segment past 1 MiB
    "too-big": "PAYLOAD_SIZE",            # 300 KiB file, run with --mem 256K
    "sipi-no-lapic": "PAYLOAD_FIELD",     # KVMLAB_FLAG_AP_SIPI without a LAPIC in KVM
    "truncated": "PAYLOAD_TRUNC",         # 20 bytes
    "two-irq-models": "PAYLOAD_FIELD",    # KVMLAB_FLAG_IRQCHIP | KVMLAB_FLAG_SPLIT_IRQCHIP
    "unaligned-load": "PAYLOAD_LOAD",     # load_addr 0x10001
}
EXTRA_OPTS = {"too-big": ("--mem", "256K")}


def assert_one_line_error(r, code, starts="kvmlab: "):
    assert r.code == XC[code], r.err
    assert r.out == ""
    assert r.err.endswith("\n") and r.err.count("\n") == 1, r.err
    assert r.err.startswith(starts), r.err


def test_every_malformed_file_has_an_expectation():
    built = sorted(f[:-4] for f in os.listdir(MALFORMED_DIR) if f.endswith(".bin"))
    assert built == sorted(MALFORMED)


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_payload_is_refused(name):
    r = run_kvmlab("run", payload("malformed/" + name), "--json", *EXTRA_OPTS.get(name, ()))
    assert_one_line_error(r, MALFORMED[name], starts="kvmlab: payload header: ")


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_payload_never_reaches_kvm(name):
    # --verbose logs every ioctl; a refused payload makes none.
    r = run_kvmlab("run", payload("malformed/" + name), "--verbose", *EXTRA_OPTS.get(name, ()))
    assert r.code == XC[MALFORMED[name]]
    assert "KVM_CREATE_VM" not in r.err and "/dev/kvm" not in r.err


def test_too_big_runs_when_ram_is_large_enough(kvm):
    # 300 KiB at 0x10000 ends at 364 KiB = 0x5B000: that much RAM is enough.
    for mem in ("364K", "368K", "4M"):
        r = run_kvmlab("run", payload("malformed/too-big"), "--json", "--mem", mem, json_out=True)
        assert (r.code, r.end) == (XC["OK"], "hlt"), mem
    r = run_kvmlab("run", payload("malformed/too-big"), "--mem", "360K")
    assert_one_line_error(r, "PAYLOAD_SIZE", starts="kvmlab: payload header: ")
    assert "0x5b000" in r.err and "--mem" in r.err


# ---- files that are not payloads at all --------------------------------------

def test_missing_file(tmp_path):
    r = run_kvmlab("run", str(tmp_path / "nothing-here.bin"))
    assert_one_line_error(r, "PAYLOAD_IO")
    assert "No such file or directory" in r.err


def test_directory(tmp_path):
    r = run_kvmlab("run", str(tmp_path))
    assert_one_line_error(r, "PAYLOAD_IO")
    assert "not a regular file" in r.err


def test_dev_null_is_not_a_regular_file():
    r = run_kvmlab("run", "/dev/null")
    assert_one_line_error(r, "PAYLOAD_IO")
    assert "not a regular file" in r.err


def test_fifo_does_not_hang(tmp_path):
    fifo = tmp_path / "pipe.bin"
    os.mkfifo(fifo)
    # Nobody ever writes to it: kvmlab must refuse it, not block in open/read.
    r = run_kvmlab("run", str(fifo), timeout=10)
    assert_one_line_error(r, "PAYLOAD_IO")
    assert "not a regular file" in r.err


def test_empty_file_is_truncated(tmp_path):
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    r = run_kvmlab("run", str(empty))
    assert_one_line_error(r, "PAYLOAD_TRUNC", starts="kvmlab: payload header: ")
    assert "0 bytes" in r.err


# ---- header fields patched into a good payload -------------------------------

MIN_MEM_KIB_OFFSET = 24
NAME_OFFSET = 32


def patched(tmp_path, offset, value, fmt="<I", base="hello-long"):
    data = bytearray(open(payload(base), "rb").read())
    struct.pack_into(fmt, data, offset, value)
    path = tmp_path / f"patched-{offset}-{value}.bin"
    path.write_bytes(bytes(data))
    return str(path)


def test_min_mem_larger_than_mem_is_refused(kvm, tmp_path):
    p = patched(tmp_path, MIN_MEM_KIB_OFFSET, 1024)          # wants 1 MiB
    r = run_kvmlab("run", p, "--json", "--mem", "1M", json_out=True)
    assert (r.code, r.end) == (XC["OK"], "hlt")
    r = run_kvmlab("run", p, "--mem", "1020K")
    assert_one_line_error(r, "PAYLOAD_SIZE", starts="kvmlab: payload header: ")
    assert "1024 KiB" in r.err


def test_default_mem_grows_to_the_payload_minimum(kvm, tmp_path):
    p = patched(tmp_path, MIN_MEM_KIB_OFFSET, 8192)          # wants 8 MiB > the 4 MiB default
    r = run_kvmlab("run", p, "--json", json_out=True)
    assert r.code == XC["OK"]
    assert r.doc["config"]["mem"] == 8 << 20


def test_name_must_be_nul_padded(tmp_path):
    # guest-abi.md: 1-31 printable bytes, "then only NULs".
    p = patched(tmp_path, NAME_OFFSET + 20, ord("X"), fmt="<B")
    r = run_kvmlab("run", p)
    assert_one_line_error(r, "PAYLOAD_FIELD", starts="kvmlab: payload header: ")


def test_unknown_catalogue_name():
    # Not a file, and no build/payloads/NAME.bin: the name is reported as given.
    r = run_kvmlab("run", "no-such-payload")
    assert_one_line_error(r, "PAYLOAD_IO")
    assert "cannot open payload no-such-payload" in r.err
