"""Port and MMIO accesses nothing claims, and string I/O (issue 2, part 6;
docs/guest-abi.md "Unclaimed ports and MMIO")."""
import pytest

from conftest import XC


def entries(doc, kind):
    """(address, dir, size, exits, elements, claimed, device) in first-seen order."""
    key = "port" if kind == "ports" else "gpa"
    return [(e[key], e["dir"], e["size"], e["exits"], e["elements"], e["claimed"], e["device"])
            for e in doc["exits"][kind]]


# ---- unclaimed ports: OUT ignored, IN reads all ones ------------------------

def test_unclaimed_port_reads_all_ones_at_each_width(run):
    r = run("unclaimed-port")
    assert [(e["kind"], e["name"], e["value"]) for e in r.reports()] == [
        ("value", "port-0x200-read", 0xFF),
        ("value", "port-0x204-read16", 0xFFFF),
        ("value", "port-0x204-read32", 0xFFFFFFFF),
    ]


def test_unclaimed_port_entries_are_unclaimed(run):
    r = run("unclaimed-port")
    assert entries(r.doc, "ports") == [
        (0x200, "out", 1, 1, 1, False, None),
        (0x200, "in", 1, 1, 1, False, None),
        (0xF0, "out", 4, 3, 3, True, "report"),
        (0x204, "in", 2, 1, 1, False, None),
        (0x204, "in", 4, 1, 1, False, None),
    ]


def test_unclaimed_port_is_not_an_error(run):
    r = run("unclaimed-port")
    assert r.end == "hlt" and r.code == XC["OK"]
    assert {k: v["count"] for k, v in r.doc["exits"]["by_reason"].items()} == {"IO": 7, "HLT": 1}
    assert r.doc["exits"]["ports_overflow"] == 0
    assert r.doc["registers"]["mode"] == "real"


def test_unclaimed_port_is_logged_once_per_key(run):
    r = run("unclaimed-port")
    lines = r.err.splitlines()
    assert lines == [
        "kvmlab: unclaimed OUT to port 0x200 (1 byte): ignored",
        "kvmlab: unclaimed IN from port 0x200 (1 byte): returns all ones",
        "kvmlab: unclaimed IN from port 0x204 (2 bytes): returns all ones",
        "kvmlab: unclaimed IN from port 0x204 (4 bytes): returns all ones",
    ]


# ---- unclaimed MMIO: writes ignored, reads all ones -------------------------

def test_unclaimed_mmio_reads_all_ones(run):
    r = run("unclaimed-mmio")
    assert r.report("mmio-read32")["value"] == 0xFFFFFFFF
    assert r.report("mmio-read64")["value"] == 0xFFFFFFFFFFFFFFFF


def test_unclaimed_mmio_exits_address_width_direction(run):
    r = run("unclaimed-mmio")
    assert r.exits("MMIO") == 3
    assert entries(r.doc, "mmio") == [
        (0xD0000000, "write", 4, 1, 1, False, None),
        (0xD0000000, "read", 4, 1, 1, False, None),
        (0xD0000008, "read", 8, 1, 1, False, None),
    ]
    assert [e["gpa_hex"] for e in r.doc["exits"]["mmio"]] == ["0xd0000000", "0xd0000000", "0xd0000008"]
    assert r.doc["exits"]["mmio_overflow"] == 0


def test_unclaimed_mmio_is_not_an_error(run):
    r = run("unclaimed-mmio")
    assert r.end == "hlt" and r.code == XC["OK"]
    assert {k: v["count"] for k, v in r.doc["exits"]["by_reason"].items()} == {"IO": 2, "MMIO": 3, "HLT": 1}


def test_unclaimed_mmio_stderr_says_unclaimed(run):
    r = run("unclaimed-mmio")
    lines = r.err.splitlines()
    assert len(lines) == 3
    assert all(line.startswith("kvmlab: unclaimed MMIO ") for line in lines)
    assert "0xd0000008 (8 bytes): returns all ones" in lines[2]


# ---- rep outsb: one instruction, KVM's emulator, exits per element ----------

# KVM sends string I/O through its instruction emulator, whose em_out()
# hands user space one element per exit (arch/x86/kvm/emulate.c;
# expect.def "string-io"): 10 elements, 10 exits of count 1.
REP_OUTSB_ELEMENTS = 10


def test_rep_outsb_prints_exactly(run):
    r = run("rep-outsb")
    assert r.console == "string io\n"
    assert r.end == "hlt" and r.code == XC["OK"]


def test_rep_outsb_moves_ten_elements(run):
    r = run("rep-outsb")
    e9 = r.port(0xE9, "out")
    assert len(e9) == 1 and e9[0]["size"] == 1
    assert e9[0]["elements"] == 10
    assert 1 <= e9[0]["exits"] <= 10


def test_rep_outsb_exit_count_per_host(run, expect):
    row = expect("string-io", "outs")
    assert row.value == "per-element", row.why      # the only prediction written so far
    r = run("rep-outsb")
    assert r.port(0xE9, "out")[0]["exits"] == REP_OUTSB_ELEMENTS, row.why
    assert r.exits("IO") == REP_OUTSB_ELEMENTS
    assert r.exits("HLT") == 1
