"""The claims the memory labs make about kvmlab's output, checked on the same commands.

labs/four-addresses.md, labs/shadow-paging-ept.md, labs/rom-holes-mmio.md and
labs/dirty-pages.md; exit codes of every lab command are checked by test_labs.py.
"""
import re

import pytest

from conftest import XC, run_kvmlab, host_fault_slack


def text(*args):
    r = run_kvmlab("run", *args)
    return r


def test_four_addresses_text(kvm):
    r = text("mem/four-addresses", "--translate", "0xFFFF800000412345", "--translate", "0xC0000000",
             "--translate", "0xFFFF800000600000")
    assert r.code == XC["OK"], r.err
    assert "-> GPA 0x212345 (2 MiB guest page) -> slot 0 ram -> HVA 0x" in r.out
    assert "-> GPA 0xc0000000 (2 MiB guest page) -> no slot: MMIO" in r.out
    assert "-> no mapping (PDE[3] not present: the guest would take #PF)" in r.out


def test_four_addresses_guest_request_text(kvm):
    r = text("mem/four-addresses")
    assert "translate GVA 0xffff8000002007f8 (asked by the guest)" in r.out
    assert "-> GPA 0x1507f8 (4 KiB guest page)" in r.out


def test_faults_lab_counters(run, emulated):
    for name in ("mem/faults-4k", "mem/faults-2m"):
        r = run(name)
        first, second = r.doc["memory"]["passes"]
        assert 64 <= first["host_minflt"] <= 64 + host_fault_slack()
        assert second["host_minflt"] <= host_fault_slack()
        if emulated:
            for p in (first, second):
                assert p["stats"]["pf_taken"] == 0 and p["stats"]["pf_fixed"] == 0
                assert p["stats"]["mmu_pte_write"] == 65
                assert p["stats"]["insn_emulation"] == 273


def test_faults_lab_text(kvm, emulated):
    r = text("mem/faults-4k")
    first = re.search(r"^pass 1:   host page faults \+(\d+), ", r.out, re.M)
    second = re.search(r"^pass 2:   host page faults \+(\d+), ", r.out, re.M)
    assert first and second, r.out
    assert 64 <= int(first[1]) <= 64 + host_fault_slack()     # as test_faults_lab_counters
    assert int(second[1]) <= host_fault_slack()
    if emulated:
        assert "mechanism: instruction emulation: KVM's emulator performs each guest access in software" in r.out


def test_rom_lab_text(kvm, require_cap):
    require_cap("READONLY_MEM")
    r = text("mem/rom", "--rom")
    assert "mmio 0xffff0100 write 8-byte: 1 exit" in r.out
    r = text("mem/rom", "--rom", "--rom-write", "fail")
    assert r.code == XC["PROTOCOL"]
    assert "write of 8 bytes to read-only slot 1 rom at GPA 0xffff0100 (--rom-write fail)" in r.out


def test_dirty_lab_text_and_baseline(run, emulated):
    r = text("mem/dirty-rounds", "--dirty-log", "bitmap")
    for n, pages in ((1, 10), (2, 18), (3, 4), (4, 2)):
        assert f"dirty:    round {n}: {pages} pages" in r.out
    if emulated:
        # Round 0: kvmlab's page tables (A/D bits set by the MMU) and the stack.
        j = run("mem/dirty-rounds", "--dirty-log", "bitmap")
        base = [x for x in j.doc["memory"]["dirty"]["rounds"] if x["round"] == 0][0]
        assert base["gpas"] == [0x3000, 0x4000, 0x5000, 0xF000]


@pytest.mark.parametrize("budget,line", [
    (256, "precopy:  256 pages/round, pending 1024 -> 778 -> 540 -> 288 -> 34: converged after 4 rounds, "
          "stop-and-copy 34 pages"),
    (8, "NOT converged after 30 rounds")])
def test_dirty_lab_precopy(kvm, budget, line):
    r = run_kvmlab("run", "mem/dirty-rounds", "--dirty-log", "bitmap", "--precopy-budget", budget)
    assert r.code == XC["OK"], r.err
    assert line in r.out


def test_faults_lab_no_leaf_mappings_when_emulated(run, emulated):
    if not emulated:
        pytest.skip("only an emulating host builds no EPT/NPT/shadow leaves")
    r = run("mem/faults-2m")
    for m in r.doc["memory"]["marks"]:
        assert (m["stats"]["pages_4k"], m["stats"]["pages_2m"]) == (0, 0)
