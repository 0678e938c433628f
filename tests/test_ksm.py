"""KSM: two VMs' identical pages merged, and the copy-on-write that unmerges one (docs/memory.md, "KSM").

scripts/ksm-pair runs payload mem/ksm-merge twice with --ksm: each guest fills
the same 256 distinct pages, kvmlab's port 0xFA snapshots RSS/PSS before and
after the kernel merged them, and the guest times its first write to a
merged page.  KSM's switches are global: root only (skips otherwise), and
the script must put them back as it found them.
"""
import json
import os
import subprocess

import pytest

from conftest import ROOT, XC, run_kvmlab
from labtools import ksm_lock

KSM = "/sys/kernel/mm/ksm"
SIZE = 1 << 20
PAGES = SIZE // 4096
SETTINGS = ("run", "sleep_millisecs", "pages_to_scan", "merge_across_nodes", "use_zero_pages", "max_page_sharing")


def ksm_settings():
    out = {}
    for n in SETTINGS:
        path = os.path.join(KSM, n)
        if os.path.exists(path):
            with open(path) as f:
                out[n] = f.read().strip()
    return out


@pytest.fixture
def require_ksm(kvm):
    if os.geteuid() != 0:
        pytest.skip("requires root: KSM's switches in /sys/kernel/mm/ksm are global")
    if not os.path.isdir(KSM):
        pytest.skip("requires KSM (CONFIG_KSM): no /sys/kernel/mm/ksm")
    if not os.path.exists("/proc/self/ksm_merging_pages"):
        pytest.skip("requires /proc/PID/ksm_merging_pages (Linux 6.1+)")


def test_two_vms_are_merged_and_a_write_unmerges_one_page(require_ksm):
    with ksm_lock():            # the other pass of make test may run it too
        settings = ksm_settings()
        proc = subprocess.run([os.path.join(ROOT, "scripts", "ksm-pair"), "1M", "--json"],
                              capture_output=True, text=True, timeout=180)
        assert ksm_settings() == settings, "the machine's KSM settings were not restored"
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["restored"]
    for vm in doc["vms"]:
        r, k = vm["reports"], vm["ksm"]
        assert vm["exit_code"] == XC["OK"]
        assert k["mergeable"] and k["bytes_marked"] >= SIZE
        assert r["pages"] == PAGES
        # ksmd was stopped while the guests filled: nothing of theirs was merged before.
        assert k["before"]["merging_pages"] == 0
        # Each VM's pages have a twin in the other VM only: all of them merged.
        assert k["merged"]["merging_pages"] >= PAGES and r["merging_pages"] >= PAGES
        assert k["merged"]["pages_sharing"] >= PAGES
        # Guest RAM's own mappings (not the whole process, whose heap and a
        # sanitizer's shadow move on their own): RSS counts a merged page in
        # both VMs, so it does not fall; PSS splits each of the PAGES between
        # the two, so it falls by 2 KiB a page (a few pages of slack for a page
        # the guest first touched between the snapshots).
        before, merged = k["before"], k["merged"]
        assert before["ram_pss_kib"] >= PAGES * 4
        assert merged["ram_rss_kib"] >= before["ram_rss_kib"]
        assert before["ram_pss_kib"] - merged["ram_pss_kib"] >= PAGES * 2 - 4 * 4
        # The first write took a private copy (root sees the KPF_KSM flag go).
        assert (r["page0_ksm_before"], r["page0_ksm_after"]) == (1, 0)
        assert r["cow_cycles"] > 0 and r["rewrite_cycles"] > 0


def test_without_ksm_the_port_knows_nothing(kvm):
    """No --ksm: nothing is mergeable, every port command answers -1, the guest says so."""
    r = run_kvmlab("run", "mem/ksm-merge", "--io-total", "64K", "--json", json_out=True)
    assert r.code == XC["GUEST_FAIL"]
    assert [x["name"] for x in r.reports("fail")] == ["ksm_unavailable"]
    assert r.reports("fail")[0]["value"] == 0xFFFFFFFF
    k = r.doc["memory"]["ksm"]
    assert (k["mergeable"], k["bytes_marked"], k["before"], k["merged"], k["waits"]) == (False, 0, None, None, 0)


@pytest.mark.parametrize("opts,says", [(("--backing", "memfd"), "private anonymous"),
                                       (("--sandbox",), "--sandbox")])
def test_ksm_refuses_what_it_cannot_do(kvm, opts, says):
    r = run_kvmlab("run", "mem/ksm-merge", "--ksm", *opts)
    assert r.code == XC["HOST"]
    assert says in r.err and r.err.count("\n") == 1
