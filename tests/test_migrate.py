"""The migration stream (docs/migration.md): `kvmlab run --snapshot FILE
--snapshot-at-report NAME` and `kvmlab restore FILE`.  The guest
(payloads/mem/migrate-counter) proves continuity: its final checksum over
memory it keeps rewriting must equal that of a run without a snapshot."""
import re
import struct

from conftest import XC, payload, run_kvmlab
from streamhelp import restore_refused as refused

PAYLOAD = "mem/migrate-counter"


def reports(doc):
    return {r["name"]: r["value"] for r in doc["reports"]}


def snapshot(tmp_path, run, *opts):
    snap = tmp_path / "guest.kvm"
    r = run(PAYLOAD, "--snapshot", snap, "--snapshot-at-report", "checkpoint", *opts)
    assert r.code == XC["OK"], r.err
    assert re.search(r"snapshot: \d+ bytes to .* at report 'checkpoint'", r.err), r.err
    return snap, r


def test_restored_guest_ends_as_an_uninterrupted_run(tmp_path, run):
    plain = run(PAYLOAD)
    assert plain.code == XC["OK"], plain.err
    snap, snapped = snapshot(tmp_path, run)
    # The snapshot leaves the source's own run unchanged ...
    assert reports(snapped.doc)["result"] == reports(plain.doc)["result"]
    restored = run_kvmlab("restore", snap, "--json", json_out=True)
    assert restored.code == XC["OK"], restored.err
    got = reports(restored.doc)
    # ... and the restored guest goes on from the checkpoint to the same result.
    assert "checkpoint" not in got
    assert got["counter"] == reports(plain.doc)["counter"]
    assert got["result"] == reports(plain.doc)["result"]
    # Its console continues where the snapshot stopped it: the ticks after round 200.
    text = restored.doc["console"]["text"]
    assert text.startswith("tick h\n") and text.endswith("done\n"), text
    assert "tick g" not in text


def test_restore_of_the_same_snapshot_twice_agrees(tmp_path, run):
    snap, _ = snapshot(tmp_path, run, "--arg", "100")
    a = run_kvmlab("restore", snap, "--json", json_out=True)
    b = run_kvmlab("restore", snap, "--json", json_out=True)
    assert a.code == b.code == XC["OK"], a.err + b.err
    assert reports(a.doc)["result"] == reports(b.doc)["result"]


def test_another_stream_version_or_abi_is_refused(tmp_path, run):
    snap, _ = snapshot(tmp_path, run, "--arg", "50")
    data = bytearray(snap.read_bytes())
    version, abi = struct.unpack_from("<II", data, 8)
    refused(tmp_path, bytes(data[:8]) + struct.pack("<II", version + 1, abi) + bytes(data[16:]),
            f"stream version {version + 1}")
    refused(tmp_path, bytes(data[:8]) + struct.pack("<II", version, abi + 1) + bytes(data[16:]),
            "guest ABI version")


def test_truncated_and_garbage_streams_are_refused(tmp_path, run):
    snap, _ = snapshot(tmp_path, run, "--arg", "50")
    data = snap.read_bytes()
    refused(tmp_path, data[:len(data) // 2], "truncated")
    refused(tmp_path, data[:-16], "truncated")              # no END section
    refused(tmp_path, b"", "truncated")
    refused(tmp_path, open(payload("hello-long"), "rb").read(), "bad magic")


def test_snapshot_options_go_together(kvm):
    r = run_kvmlab("run", payload(PAYLOAD), "--snapshot", "/dev/null")
    assert r.code == XC["USAGE"]
    assert "--snapshot-at-report" in r.err


def test_a_report_that_never_comes_is_said(tmp_path, run):
    r = run(PAYLOAD, "--arg", "30", "--snapshot", tmp_path / "x.kvm", "--snapshot-at-report", "no-such")
    assert r.code == XC["HOST"]
    assert "never sent the report 'no-such'" in r.err


# ---- the --rom slot and hotplugged memory travel in the LAYOUT section ----

KVM_MEM_READONLY = 1 << 1               # linux/kvm.h, kvm_userspace_memory_region.flags
KVM_MEM_LOG_DIRTY_PAGES = 1 << 0
SLOT_ROM = 1                            # vmm/mem/mem.h
SLOT_HOTPLUG = 2
ROM_GPA, ROM_SIZE = 0xFFFF0000, 0x10000  # --rom's default (docs/guest-abi.md)


def rom_snapshot(tmp_path, run):
    snap = tmp_path / "rom.kvm"
    r = run("mem/rom", "--rom", "--snapshot", snap, "--snapshot-at-report", "rom-before")
    assert r.code == XC["OK"], r.err
    return snap


def test_a_rom_slot_is_restored_where_it_was(tmp_path, run):
    """mem/rom reads the ROM, tries to write it (an MMIO exit) and reads it again;
    restored after the first read, the second still sees the ROM's word."""
    plain = run("mem/rom", "--rom")
    restored = run_kvmlab("restore", rom_snapshot(tmp_path, run), "--json", json_out=True)
    assert restored.code == XC["OK"], restored.err
    assert reports(restored.doc) == {"rom-after": reports(plain.doc)["rom-after"]}
    slots = {s["name"]: (s["gpa"], s["size"], s["readonly"]) for s in restored.doc["memory"]["slots"]}
    assert slots["rom"] == (ROM_GPA, ROM_SIZE, True)


def test_a_stream_slot_that_is_no_rom_is_refused(tmp_path, run):
    data = rom_snapshot(tmp_path, run).read_bytes()
    rom = struct.pack("<IIQQ", SLOT_ROM, KVM_MEM_READONLY, ROM_GPA, ROM_SIZE)     # struct mig_slot
    i = data.index(rom)
    def with_slot(*slot):
        return data[:i] + struct.pack("<IIQQ", *slot) + data[i + len(rom):]
    refused(tmp_path, with_slot(SLOT_ROM, KVM_MEM_READONLY, 0x1000, ROM_SIZE), "slot 1 overlaps slot 0")
    refused(tmp_path, with_slot(SLOT_HOTPLUG, 0, ROM_GPA, ROM_SIZE),
            "slot 1: hotplugged memory at GPA 0xffff0000 of 0x10000 bytes; kvmlab hotplugs 1..512 MiB at GPA 0x80000000")
    refused(tmp_path, with_slot(SLOT_ROM, 0, ROM_GPA, ROM_SIZE), "neither the read-only ROM")    # writable
    refused(tmp_path, with_slot(5, KVM_MEM_READONLY, ROM_GPA, ROM_SIZE), "slot 1: id 5 with flags 0x2")
    refused(tmp_path, with_slot(SLOT_ROM, KVM_MEM_READONLY | KVM_MEM_LOG_DIRTY_PAGES, ROM_GPA, ROM_SIZE),
            "slot 1: unknown flags 0x3")            # a source-side setting: never in a stream


HOTPLUG = "mem/migrate-hotplug"
GPA_HOTPLUG = 0x80000000                # vmm/abi.h


def hotplug_reports_after(doc):
    """What the hotplug guest reports from its checkpoint on."""
    return {k: v for k, v in reports(doc).items() if k in ("result", "remove-status", "after-remove")}


def test_hotplugged_memory_is_restored_with_its_slot(tmp_path, run):
    """mem/migrate-hotplug keeps a checksum over RAM and over 2 MiB it hotplugged;
    restored from its checkpoint, the guest ends with the same checksum, and its
    unplug succeeds: the destination's slot table has the slot the source had."""
    plain = run(HOTPLUG)
    assert plain.code == XC["OK"], plain.err
    want = hotplug_reports_after(plain.doc)
    assert want["remove-status"] == 0 and want["after-remove"] == 2**64 - 1
    snap = tmp_path / "hp.kvm"
    snapped = run(HOTPLUG, "--snapshot", snap, "--snapshot-at-report", "checkpoint")
    assert snapped.code == XC["OK"], snapped.err
    data = snap.read_bytes()
    # The LAYOUT (struct mig_slot): RAM, then the hotplugged slot's id, flags 0, GPA and size.
    assert struct.pack("<IIQQ", SLOT_HOTPLUG, 0, GPA_HOTPLUG, 2 << 20) in data
    restored = run_kvmlab("restore", snap, "--json", json_out=True)
    assert restored.code == XC["OK"], restored.err
    assert hotplug_reports_after(restored.doc) == want
    assert restored.doc["memory"]["hotplug_removes"] == 1


def test_a_hotplugged_slot_that_overlaps_ram_is_refused(tmp_path, run):
    snap = tmp_path / "hp.kvm"
    assert run(HOTPLUG, "--arg", "20", "--snapshot", snap, "--snapshot-at-report", "checkpoint").code == XC["OK"]
    data = snap.read_bytes()
    hp = struct.pack("<IIQQ", SLOT_HOTPLUG, 0, GPA_HOTPLUG, 2 << 20)
    i = data.index(hp)
    def with_slot(*slot):
        return data[:i] + struct.pack("<IIQQ", *slot) + data[i + len(hp):]
    refused(tmp_path, with_slot(SLOT_HOTPLUG, 0, 0x200000, 2 << 20), "slot 1 overlaps slot 0")
    refused(tmp_path, with_slot(SLOT_HOTPLUG, 0, GPA_HOTPLUG, (2 << 20) + 4096), "kvmlab hotplugs 1..512 MiB")
    refused(tmp_path, with_slot(SLOT_HOTPLUG, 0, GPA_HOTPLUG, 513 << 20), "kvmlab hotplugs 1..512 MiB")
    refused(tmp_path, with_slot(SLOT_HOTPLUG, KVM_MEM_READONLY, GPA_HOTPLUG, 2 << 20), "neither the read-only ROM")
