"""Dirty logging (docs/memory.md, labs/dirty-pages.md).

mem/dirty-rounds writes known page sets inside REGION between harvests.
Inside the region the dirty set must equal what the guest wrote, exactly.
Outside it, exactly two more pages are dirty each round, and the test
names them: the stack page (the MEMCTL macro pushes RAX) and the payload's
own page (each report macro stores its value into the inline record).
"""
import pytest

from conftest import XC

REGION, PAGE = 0x100000, 4096
EXPECTED = {
    1: set(range(0, 8)),
    2: set(range(0, 32, 2)),
    3: {5, 63},
    4: set(),
}
STACK_PAGE, PAYLOAD_PAGE = 0xF000, 0x10000


def rounds(r):
    return {x["round"]: x for x in r.doc["memory"]["dirty"]["rounds"]}


def in_region(gpas):
    return {(g - REGION) // PAGE for g in gpas if REGION <= g < REGION + 64 * PAGE}


@pytest.fixture(params=["bitmap", "ring"])
def dirty_run(request, run, require_cap):
    if request.param == "ring":
        require_cap("DIRTY_LOG_RING")
    r = run("mem/dirty-rounds", "--dirty-log", request.param)
    assert r.code == XC["OK"], r.err
    return request.param, r


def test_every_round_was_harvested(dirty_run):
    _, r = dirty_run
    assert [x["value"] for x in r.reports()] == [0] * 5         # MEMCTL_OK after each round
    assert sorted(rounds(r)) == [0, 1, 2, 3, 4]
    assert r.doc["memory"]["dirty"]["rounds_dropped"] == 0


def test_dirty_set_in_region_equals_what_the_guest_wrote(dirty_run):
    _, r = dirty_run
    got = rounds(r)
    for n, pages in EXPECTED.items():
        assert in_region(got[n]["gpas"]) == pages, f"round {n}"


def test_pages_outside_the_region_are_exactly_stack_and_record(dirty_run):
    _, r = dirty_run
    got = rounds(r)
    for n in EXPECTED:
        outside = {g for g in got[n]["gpas"] if not REGION <= g < REGION + 64 * PAGE}
        assert outside == {STACK_PAGE, PAYLOAD_PAGE}, f"round {n}"
        assert got[n]["pages"] == len(EXPECTED[n]) + 2
        assert got[n]["truncated"] is False


def test_modes_and_manual_protect(dirty_run, host_info):
    mode, r = dirty_run
    d = r.doc["memory"]["dirty"]
    assert d["mode"] == mode
    if mode == "bitmap":
        assert d["manual_protect"] == bool(host_info["capabilities"].get("MANUAL_DIRTY_LOG_PROTECT2"))
        assert d["ring_entries"] == 0
    else:
        assert d["ring_entries"] == 4096 and d["manual_protect"] is False
    assert r.doc["memory"]["slots"][0]["dirty_log"] is True


def test_round_without_dirty_logging_is_refused(run):
    r = run("mem/dirty-rounds")
    assert r.code == XC["OK"], r.err
    assert [x["value"] for x in r.reports()] == [2] * 5         # MEMCTL_EREFUSED
    assert r.doc["memory"]["dirty"] is None


def test_precopy_simulation_on_measured_rounds(run):
    r = run("mem/dirty-rounds", "--dirty-log", "bitmap", "--precopy-budget", "256")
    pc = r.doc["memory"]["precopy"]
    # 4 MiB = 1024 pages; measured rounds 1-4 dirty 10, 18, 4, 2 pages (region + 2).
    assert pc["total_pages"] == 1024 and pc["budget_pages"] == 256
    assert pc["dirty_per_round"] == [10, 18, 4, 2]
    assert pc["pending"] == [1024, 778, 540, 288, 34]
    assert pc["rounds"] == 4 and pc["converged"] is True
    assert pc["stop_copy_pages"] == 34 and pc["sent_pages"] == 1058


def test_precopy_that_cannot_converge(run):
    r = run("mem/dirty-rounds", "--dirty-log", "bitmap", "--precopy-budget", "8")
    pc = r.doc["memory"]["precopy"]
    # Round 2 dirties 18 pages > 8: the pending set never drops to the budget.
    assert pc["converged"] is False and pc["rounds"] == 30
    assert pc["stop_copy_pages"] > 8


def test_full_dirty_ring_is_harvested_and_nothing_is_lost(run, require_cap, expect):
    require_cap("DIRTY_LOG_RING")
    # Where ring 0 is emulated KVM's emulator sometimes pushes past the ring's hard
    # limit inside one emulated loop (kernel WARNING in kvm_dirty_ring_push) and the
    # writes after it are lost: expect.def's host-bug row (docs/memory.md, "Known host
    # behaviour").  It is intermittent, so it cannot be a strict xfail: there the test
    # tolerates exactly that bug's signature - nothing is reported after the forced
    # harvest - and fails on any other loss; everywhere else each page exactly once.
    row = expect("dirty-ring", "flood")
    r = run("mem/dirty-flood", "--dirty-log", "ring")
    assert r.code == XC["OK"], r.err
    assert r.report("round-status")["value"] == 0
    assert r.exits("DIRTY_RING_FULL") >= 1
    d = r.doc["memory"]["dirty"]
    assert d["ring_full_exits"] == r.exits("DIRTY_RING_FULL")
    forced = [x for x in d["rounds"] if x["round"] == 0xFFFFFFFF]
    assert len(forced) == d["ring_full_exits"]
    region = [g for x in d["rounds"] for g in x["gpas"] if REGION <= g < REGION + 6000 * PAGE]
    every = [REGION + i * PAGE for i in range(6000)]
    assert len(region) == len(set(region)), "a page reported twice"
    assert set(region) <= set(every)
    if sorted(region) != every:
        assert row.value == "loses-entries", f"pages lost where no host bug is known ({row['id']})"
        after = [x for x in d["rounds"] if x["round"] != 0xFFFFFFFF and d["rounds"].index(x) > d["rounds"].index(forced[-1])]
        assert all(not [g for g in x["gpas"] if REGION <= g] for x in after), row.why
