"""ROM and holes (docs/memory.md, labs/rom-holes-mmio.md).

A KVM_MEM_READONLY slot reads like memory and writes like MMIO; a GPA with
no slot is MMIO both ways.  The exits are exact: one per access KVM could
not complete, with its address, width and direction.
"""
from conftest import XC, run_kvmlab

ROM_WORD = 0xFFFF0100


def mmio(r):
    return sorted((m["gpa"], m["dir"], m["size"], m["exits"]) for m in r.doc["exits"]["mmio"])


def test_rom_reads_are_memory_and_the_write_is_one_mmio_exit(run, require_cap):
    require_cap("READONLY_MEM")
    r = run("mem/rom", "--rom")
    assert r.code == XC["OK"], r.err
    assert r.report("rom-before")["value"] == ROM_WORD      # each word holds its own GPA
    assert r.report("rom-after")["value"] == ROM_WORD       # the write changed nothing
    assert mmio(r) == [(ROM_WORD, "write", 8, 1)]
    assert r.exits("MMIO") == 1
    assert r.doc["memory"]["rom_writes"] == 1
    assert r.doc["memory"]["unmapped_accesses"] == 0
    rom = [s for s in r.doc["memory"]["slots"] if s["name"] == "rom"]
    assert rom == [dict(rom[0], id=1, gpa=0xFFFF0000, size=0x10000, readonly=True)]


def test_rom_write_fail_policy_ends_the_run(run, require_cap):
    require_cap("READONLY_MEM")
    r = run("mem/rom", "--rom", "--rom-write", "fail")
    assert r.code == XC["PROTOCOL"]
    assert r.end == "protocol_error"
    assert "write of 8 bytes to read-only slot 1 rom at GPA 0xffff0100 (--rom-write fail)" in r.doc["result"]["detail"]
    assert [x["name"] for x in r.reports()] == ["rom-before"]   # ended at the write


def test_without_rom_the_same_range_is_a_hole(run):
    r = run("mem/rom")
    assert r.code == XC["OK"], r.err
    assert r.report("rom-before")["value"] == 0xFFFFFFFFFFFFFFFF    # open bus
    assert mmio(r) == [(ROM_WORD, "read", 8, 2), (ROM_WORD, "write", 8, 1)]
    assert r.doc["memory"]["unmapped_accesses"] == 3


def test_hole_below_the_mmio_window(run):
    r = run("mem/hole")
    assert r.code == XC["OK"], r.err
    assert mmio(r) == [(0x10000000, "read", 4, 1), (0x10000000, "write", 4, 1)]
    assert r.report("hole-read")["value"] == 0xFFFFFFFF
    assert all(not m["claimed"] for m in r.doc["exits"]["mmio"])
    assert r.doc["memory"]["unmapped_policy"] == "ignore"


def test_unmapped_fail_policy_stops_at_the_first_access(run):
    r = run("mem/hole", "--unmapped", "fail")
    assert r.code == XC["PROTOCOL"]
    assert mmio(r) == [(0x10000000, "write", 4, 1)]
    assert "write of 4 bytes at GPA 0x10000000: no memory slot and no device (--unmapped fail)" \
        in r.doc["result"]["detail"]


def test_rom_may_live_in_the_mmio_window_but_not_over_ram(kvm):
    r = run_kvmlab("run", "mem/rom", "--rom=0x1000,64K")
    assert r.code == XC["USAGE"]
    assert "--rom: memory slot rom: [0x1000, 0x11000) overlaps slot 0 ram" in r.err
    r = run_kvmlab("run", "mem/rom", "--rom=0xFFFF0000,128K")
    assert r.code == XC["USAGE"] and "does not end by 4 GiB" in r.err


def test_bad_policy_is_a_usage_error(kvm):
    r = run_kvmlab("run", "mem/hole", "--unmapped", "maybe")
    assert r.code == XC["USAGE"]
    assert r.err == "kvmlab run: --unmapped: 'maybe' is not ignore or fail (see kvmlab run --help)\n"


def test_a_long_rom_value_is_read_whole(run, require_cap):
    """--rom's value is parsed as given: 60 leading zeros do not cut the size to 0 (no ROM)."""
    require_cap("READONLY_MEM")
    r = run("mem/rom", "--rom=0xFFFF0000," + "0" * 60 + "64K")
    assert r.code == XC["OK"], r.err
    rom = [s for s in r.doc["memory"]["slots"] if s["name"] == "rom"]
    assert [(s["gpa"], s["size"]) for s in rom] == [(0xFFFF0000, 0x10000)]
