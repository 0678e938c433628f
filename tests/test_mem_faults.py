"""What a first touch costs (docs/memory.md, labs/shadow-paging-ept.md).

mem/faults-2m and mem/faults-4k write 64 fresh pages twice, marking each
pass on port 0xF8; kvmlab samples KVM's stats and the vCPU thread's host
page faults at each mark.  Counters, not timings, are asserted: the first
pass must cost host page faults and the second none.
"""
import re

import pytest

from conftest import XC, host_fault_slack

PAGES = 64


def thp_enabled():
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
            return "[never]" not in f.read()
    except OSError:
        return False


@pytest.fixture(params=["mem/faults-2m", "mem/faults-4k"])
def payload_name(request):
    return request.param


def passes(r):
    p = r.doc["memory"]["passes"]
    assert [x["pass"] for x in p] == [1, 2]
    return p


def test_first_touch_faults_second_does_not(run, payload_name):
    r = run(payload_name)
    assert r.code == XC["OK"], r.err
    first, second = passes(r)
    # Anonymous 4 KiB backing: one host fault per fresh page, none when touched again.
    slack = host_fault_slack()      # the vCPU thread's count; instrumented builds add a few
    assert PAGES <= first["host_minflt"] <= PAGES + slack
    assert second["host_minflt"] <= slack
    assert first["pages"] == second["pages"] == PAGES
    assert first["cycles_per_page"] == first["guest_cycles"] // PAGES


def test_kvm_stats_explain_the_pass_per_host(run, payload_name, expect, emulated):
    r = run(payload_name)
    first, second = passes(r)
    s1, s2 = first["stats"], second["stats"]
    if emulated:
        # Emulated ring 0 (the ring0_emulated fact): every instruction is emulated, so no guest
        # page fault reaches KVM's MMU; each emulated store is reported to the
        # shadow MMU as a possible page-table write (mmu_pte_write): 64 + 1 push.
        assert s1["pf_taken"] == s2["pf_taken"] == 0
        assert s1["mmu_pte_write"] == s2["mmu_pte_write"] == PAGES + 1
        assert s1["insn_emulation"] == s2["insn_emulation"] > 4 * PAGES
        assert "instruction emulation" in r.doc["memory"]["fault_mechanism"]
    else:
        # VMX/SVM: the first touch of each page faults into KVM (EPT/NPT violation or
        # shadow page fault) and is fixed; the second pass finds the mapping.
        assert s1["pf_fixed"] >= 1
        assert s2["pf_fixed"] < s1["pf_fixed"]
        paging = expect.value("paging", "mode")
        if paging != "shadow":
            assert r.doc["memory"]["fault_mechanism"].startswith(paging.upper())


def test_huge_host_pages_turn_64_faults_into_one(run):
    if not thp_enabled():
        pytest.skip("transparent huge pages are disabled on this host")
    r = run("mem/faults-2m", "--backing", "thp", "--translate", "0x200000")
    assert r.code == XC["OK"], r.err
    first, second = passes(r)
    host_page = r.doc["memory"]["translations"][0]["host_page_size"]
    # THP is best effort: the kernel may fall back to 4 KiB pages; kpageflags tells which.
    if host_page == 2 << 20:
        assert first["host_minflt"] == 1
    elif host_page == 4096:
        assert first["host_minflt"] == PAGES
    else:
        pytest.skip("host page size unknown (kpageflags needs root)")
    assert second["host_minflt"] == 0
    assert r.doc["memory"]["slots"][0]["backing"] == "thp"


def test_text_names_passes_and_mechanism(run):
    from conftest import run_kvmlab
    r = run_kvmlab("run", "mem/faults-4k")
    assert r.code == XC["OK"], r.err
    first = int(re.search(r"^pass 1:   host page faults \+(\d+),", r.out, re.M).group(1))
    second = int(re.search(r"^pass 2:   host page faults \+(\d+),", r.out, re.M).group(1))
    assert 64 <= first <= 64 + host_fault_slack() and second <= host_fault_slack()
    assert "mechanism: " in r.out
