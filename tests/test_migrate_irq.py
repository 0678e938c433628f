"""The interrupt controllers in the migration stream (docs/migration.md, sections
IRQCHIP and IOAPIC): a guest that keeps taking interrupts moves with them.

payloads/mem/migrate-irq runs its LAPIC timer periodic and a level-triggered
IOAPIC pin (the UART's IRQ 4); the snapshot or migration happens inside the
UART handler, with Remote IRR set, the vector in service and the line
asserted.  Its reports must equal those of the same run without migration: a
destination that lost the IOAPIC's entries, the GSI routes of the split model
(the EOI would never come back), the line's level (the EOI would re-send
forever) or a LAPIC timer stops the guest or changes its result.  Model kernel
keeps the PICs and the IOAPIC in KVM (KVM_GET/SET_IRQCHIP); model split keeps
the IOAPIC in kvmlab (traps/devices/ioapic.c)."""
import struct

import pytest

from conftest import XC, payload, run_kvmlab
from streamhelp import restore_refused as refused, sections, without_section
from test_migrate_live import Receiver, address, migrate, postcopy, reports

IRQ = "mem/migrate-irq"
CAP = {"kernel": "IRQCHIP", "split": "SPLIT_IRQCHIP"}
SEC_CONFIG, SEC_VCPU, SEC_IRQCHIP, SEC_IOAPIC = 1, 5, 11, 12
KEYS = ("irq.uart", "irq.remote_irr", "result", "result1")


@pytest.fixture(params=["kernel", "split"])
def model(request, kvm, require_cap):
    require_cap(CAP[request.param])
    return request.param


# 320 rounds of 1 ms (the payload's default is 160): on an idle host the stop mostly
# comes while the guest still takes interrupts; on a loaded one the guest waits for
# it after its ticks (MIGRATION_WAIT), so it never ends first.
ROUNDS = 320


def opts_for(model, vcpus):
    return ("--irqchip", model, "--arg", str(ROUNDS)) + (("--vcpus", "2") if vcpus > 1 else ())


_plain = {}


def plain_run(run, opts):
    """The run without migration, once per model and vCPU count."""
    if opts not in _plain:
        _plain[opts] = run(IRQ, *opts)
    return _plain[opts]


def same_as_plain(plain, got):
    assert plain.code == XC["OK"], plain.err
    want = reports(plain.doc)
    assert want["irq.uart"] == want["irq.remote_irr"] == ROUNDS + 1   # one THR-empty interrupt more than rounds
    for key in KEYS:
        assert got.get(key) == want.get(key), key


def test_snapshot_and_restore_keep_the_interrupts(model, tmp_path, run):
    opts = opts_for(model, 1)                       # --snapshot takes one vCPU
    plain = plain_run(run, opts)
    snap = tmp_path / "guest.kvm"
    src = run(IRQ, *opts, "--snapshot", snap, "--snapshot-at-report", "checkpoint")
    assert src.code == XC["OK"], src.err
    kinds = [t for _, t, _ in sections(snap.read_bytes())]
    assert kinds.count(SEC_IRQCHIP) == (model == "kernel")
    assert kinds.count(SEC_IOAPIC) == (model == "split")
    r = run_kvmlab("restore", snap, "--json", json_out=True)
    assert r.code == XC["OK"], r.err
    assert "checkpoint" not in reports(r.doc)
    same_as_plain(plain, reports(r.doc))


@pytest.mark.parametrize("vcpus", [1, 2])
def test_precopy_keeps_the_interrupts(model, vcpus, tmp_path, run):
    opts = opts_for(model, vcpus)
    plain = plain_run(run, opts)
    src, dst = migrate(tmp_path, "unix", IRQ, *opts, "--migrate-at-report", "checkpoint")
    assert src.code == XC["OK"] and dst.code == XC["OK"], src.err + dst.err
    assert src.doc["migration"]["completed"]
    assert [v["end"] for v in src.doc["vcpus"]] == ["migrated"] * vcpus
    same_as_plain(plain, reports(dst.doc))


@pytest.mark.parametrize("vcpus", [1, 2])
def test_postcopy_keeps_the_interrupts(model, vcpus, tmp_path, run):
    opts = opts_for(model, vcpus)
    plain = plain_run(run, opts)
    src, dst = postcopy(tmp_path, "unix", IRQ, *opts, "--migrate-at-report", "checkpoint")
    assert src.code == XC["OK"] and dst.code == XC["OK"], src.err + dst.err
    assert src.doc["migration"]["mode"] == "postcopy" and src.doc["migration"]["completed"]
    same_as_plain(plain, reports(dst.doc))


# ---- a stream that lies about the interrupt controllers is refused; the guest never runs ----

@pytest.fixture
def snapshot(model, tmp_path, run):
    snap = tmp_path / "guest.kvm"
    r = run(IRQ, "--irqchip", model, "--arg", "4", "--snapshot", snap, "--snapshot-at-report", "checkpoint")
    assert r.code == XC["OK"], r.err
    return model, snap.read_bytes()


def test_a_missing_controller_section_is_refused(snapshot, tmp_path):
    model, data = snapshot
    typ, name = (SEC_IRQCHIP, "IRQCHIP") if model == "kernel" else (SEC_IOAPIC, "IOAPIC")
    refused(tmp_path, without_section(data, typ), f"interrupt model {model} without an {name} section")


def test_a_model_the_stream_does_not_match_is_refused(snapshot, tmp_path):
    model, data = snapshot
    cfg = [off for off, t, _ in sections(data) if t == SEC_CONFIG][0] + 16
    other = 2 if model == "kernel" else 1            # the other model: its section is the wrong one
    lie = bytearray(data)
    struct.pack_into("<I", lie, cfg + 4, other)
    name = "IRQCHIP" if model == "kernel" else "IOAPIC"
    refused(tmp_path, bytes(lie), f"{name} section: twice, of")
    struct.pack_into("<I", lie, cfg + 4, 3)
    refused(tmp_path, bytes(lie), "irqchip is 3")
    struct.pack_into("<I", lie, cfg + 4, 0)          # none: the VCPU's LAPIC has no home
    refused(tmp_path, bytes(lie), "LAPIC state without an in-kernel irqchip")


def test_hostile_controller_fields_are_refused(snapshot, tmp_path):
    model, data = snapshot
    typ = SEC_IRQCHIP if model == "kernel" else SEC_IOAPIC
    at = [off for off, t, _ in sections(data) if t == typ][0] + 16
    lie = bytearray(data)
    if model == "kernel":
        # chip 2 (the IOAPIC) at 8 + 2 * 520: chip_id, pad, then kvm_ioapic_state.base_address
        struct.pack_into("<Q", lie, at + 8 + 2 * 520 + 8, 0xFED00000)
        refused(tmp_path, bytes(lie), "IOAPIC at 0xfed00000")
        lie = bytearray(data)
        struct.pack_into("<I", lie, at + 8 + 520, 0)     # chip 1 says it is chip 0
        refused(tmp_path, bytes(lie), "chip 1 has id 0")
    else:
        # rte[4] (the UART's pin) at 24 + 4 * 8: bit 17 is reserved (82093AA 3.2.4)
        rte = struct.unpack_from("<Q", lie, at + 24 + 32)[0]
        struct.pack_into("<Q", lie, at + 24 + 32, rte | 1 << 17)
        refused(tmp_path, bytes(lie), "redirection entry 4 has reserved bits")
        lie = bytearray(data)
        struct.pack_into("<I", lie, at + 4, 23)
        refused(tmp_path, bytes(lie), "23 pins")
