"""virtio-balloon (virtio 1.1 5.5; docs/io.md, "virtio-balloon").

The guest touches 12 MiB, inflates the balloon by --balloon pages and kvmlab
gives their host memory back (MADV_DONTNEED): guest RAM stays 16 MiB, the
resident part shrinks.  A deflate gives pages back to the guest, which
reads them as zero pages and touches them again.  Hostile drivers (a PFN
outside RAM, in the ROM, twice, more than asked, a deflate of a page never
inflated, a torn PFN) get a device error, never a crash.
"""
import pytest

from conftest import XC, run_kvmlab
from iohelp import values

PAGE = 4096
INFLATE, DEFLATE = 2048, 1024
NEEDS_RESET = 0x40
RING_PAGES = 6                                  # desc+avail+used of two queues


@pytest.mark.parametrize("backing", ["anon", "memfd"])
def test_inflate_then_deflate_moves_resident_memory(run, backing):
    r = run("io/balloon", "--mem", "16M", "--backing", backing,
            "--balloon", str(INFLATE), "--balloon-deflate", str(DEFLATE))
    assert r.code == XC["OK"], r.err
    got = values(r)
    assert (got["num_pages"], got["actual"], got["num_pages_new"], got["actual_after_deflate"]) == \
        (INFLATE, INFLATE, DEFLATE, DEFLATE)
    assert got["isr"] & 2                          # a configuration change announced the deflate
    assert got["deflated_page_zero"] == 1          # the host really dropped the page's contents
    b = r.doc["io"]["balloon"]
    assert (b["present"], b["error"], b["inflated"], b["deflated"], b["held"]) == \
        (True, None, INFLATE, INFLATE - DEFLATE, DEFLATE)
    assert b["released_bytes"] == INFLATE * PAGE
    ram, rss = b["ram_resident_bytes"], b["rss_bytes"]
    # Guest RAM alone (mincore of the RAM slot): the pages given and taken back, plus
    # the few the virtqueues touch between the samples (the first used-ring
    # entries, the deflateq's rings): at most RING_PAGES.
    drop = ram["before"] - ram["inflated"]
    assert INFLATE * PAGE - RING_PAGES * PAGE <= drop <= INFLATE * PAGE
    rise = ram["deflated"] - ram["inflated"]
    assert (INFLATE - DEFLATE) * PAGE <= rise <= (INFLATE - DEFLATE + RING_PAGES) * PAGE
    # The whole process (/proc/self/statm) sees the same drop, give or take kvmlab's own pages.
    assert rss["inflated"] < rss["before"] and rss["deflated"] > rss["inflated"]
    assert rss["before"] - rss["inflated"] >= INFLATE * PAGE // 2


def test_inflate_without_deflate(run):
    r = run("io/balloon", "--mem", "16M", "--balloon", "512")
    assert r.code == XC["OK"], r.err
    b = r.doc["io"]["balloon"]
    assert (b["inflated"], b["deflated"], b["held"], b["actual"], b["config_changes"]) == (512, 0, 512, 512, 0)
    assert b["rss_bytes"]["deflated"] is None
    assert "num_pages_new" not in values(r)


def test_balloon_under_the_sandbox(run):
    """--sandbox allows madvise and mincore; statm was opened before the filter."""
    from test_sandbox import boxed_env          # make asan: LSan cannot run under the sandbox
    r = run("io/balloon", "--mem", "16M", "--sandbox", "--balloon", "256", env=boxed_env())
    assert r.code == XC["OK"], r.err
    b = r.doc["io"]["balloon"]
    assert (b["inflated"], b["error"]) == (256, None)
    assert b["rss_bytes"]["inflated"] is not None


def test_no_balloon_means_device_id_zero(run):
    r = run("io/balloon", "--mem", "16M")
    assert r.code == XC["GUEST_FAIL"]
    assert r.doc["io"]["balloon"]["present"] is False
    assert [x["name"] for x in r.reports("fail")] == ["virtio_probe"]


# violation, extra options, bytes released before the refusal (the valid PFNs before it)
HOSTILE = [
    ("outside_ram", [], 0),
    ("rom", ["--rom"], 0),
    ("duplicate", [], PAGE),
    ("excess", ["--balloon", "1"], PAGE),
    ("not_inflated", [], 0),
    ("length", [], 0),
]


@pytest.mark.parametrize("violation,extra,released", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_balloon_driver(run, violation, extra, released):
    args = extra if "--balloon" in extra else ["--balloon", "4"] + extra
    r = run("io/hostile-balloon-" + violation, *args)
    assert r.code == XC["OK"], r.err               # kvmlab carries on: the device failed, not the VMM
    got = values(r)
    assert got["status"] & NEEDS_RESET
    assert got["status_after_reset"] == 0
    b = r.doc["io"]["balloon"]
    assert (b["error"], b["violation"]) == ("balloon_pfn", violation)
    assert violation in b["error_detail"]
    assert b["released_bytes"] == released


@pytest.mark.parametrize("args,text", [
    (["--balloon", "99999"], "more pages than the guest's RAM"),
    (["--balloon-deflate", "3"], "needs --balloon"),
    (["--balloon", "2", "--balloon-deflate", "3"], "needs --balloon"),
    (["--balloon", "abc"], "not a page count"),
])
def test_bad_balloon_options(kvm, args, text):
    r = run_kvmlab("run", "io/balloon", *args)
    assert r.code == XC["USAGE"]
    assert text in r.err and r.err.count("\n") == 1
