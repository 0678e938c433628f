"""Shared helpers of the tests/test_migrate*.py files: reading and rewriting a
migration stream's sections (docs/migration.md, "Stream format"), and the one
way a restore of a bad stream must end."""
import struct

from conftest import XC, run_kvmlab

SEC_HDR = 16                    # struct mig_sec_hdr: type, reserved, len


def sections(data):
    """(offset, type, length) of each section of a stream (docs/migration.md)."""
    off, out = 24, []
    while off + SEC_HDR <= len(data):
        typ, _, length = struct.unpack_from("<IIQ", data, off)
        out.append((off, typ, length))
        off += SEC_HDR + length
        if typ == 0:
            break
    return out


def rewrite_section(data, typ, rewrite, pick=None):
    """The stream with the first section of type typ (for which pick(data, payload
    offset) holds, if given) passed through rewrite(bytearray, payload offset, length)."""
    out = bytearray(data)
    for off, t, length in sections(data):
        if t == typ and (pick is None or pick(data, off + SEC_HDR)):
            rewrite(out, off + SEC_HDR, length)
            return bytes(out)
    raise AssertionError(f"no section {typ}")


def without_section(data, typ):
    """The stream with its first section of type typ left out."""
    for off, t, length in sections(data):
        if t == typ:
            return data[:off] + data[off + SEC_HDR + length:]
    raise AssertionError(f"no section {typ}")


def restore_refused(tmp_path, data, text, *opts):
    """`kvmlab restore` of data (with opts) ends with exit 19 and one error line
    containing text, before the guest runs."""
    bad = tmp_path / "bad.kvm"
    bad.write_bytes(data)
    r = run_kvmlab("restore", bad, "--json", *opts, json_out=True)
    assert r.code == XC["MIGRATION_STREAM"], (r.code, r.err)
    assert r.doc is None or not r.doc.get("reports")     # the guest never ran
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and text in lines[0], r.err
