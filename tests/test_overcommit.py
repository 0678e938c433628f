"""Memory overcommit in a memory cgroup (scripts/overcommit, labs/overcommit.md).

Three VMs of 64 MiB (192 MiB of guest RAM) start one after another in a
cgroup limited to 128 MiB.  Each touches all its RAM.  With a balloon each
gives 48 MiB back before the next starts, so all three fit; without one the
third cannot fit and the kernel must act at the limit - by reclaim (swap)
where the host has swap, by the OOM killer where it has none.  The test
reads what the kernel did from the cgroup's own counters; it does not
assume which of the two happens.
"""
import json
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "scripts", "overcommit")
SKIP = 77
VMS, MEM_MIB, LIMIT_MIB = 3, 64, 128
BALLOON = 12288                                 # 48 MiB of each 64 MiB


def overcommit(*args):
    p = subprocess.run([SCRIPT, "--vms", str(VMS), "--mem", str(MEM_MIB), "--limit", str(LIMIT_MIB),
                        "--json", *args], capture_output=True, text=True, timeout=600)
    if p.returncode == SKIP:
        pytest.skip(p.stdout.strip())           # root and a memory cgroup hierarchy, named
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_ballooned_vms_fit_under_the_limit(kvm):
    r = overcommit("--balloon", str(BALLOON))
    assert r["ram_total_bytes"] > r["limit_bytes"]          # overcommitted: the RAM does not fit
    assert [v["start"] for v in r["vm"]] == ["ready"] * VMS
    assert r["survivors"] == VMS
    assert r["cgroup"]["oom_kills"] == 0
    assert r["cgroup"]["peak_bytes"] <= r["limit_bytes"]
    for v in r["vm"]:
        assert v["rss_bytes_end"] < (MEM_MIB << 20) - BALLOON * 4096 // 2   # the balloon's pages are gone
        assert v["end"] == "interrupted (SIGTERM)"


def test_unballooned_vms_hit_the_limit_and_the_kernel_acts(kvm):
    r = overcommit()
    c = r["cgroup"]
    assert c["limit_hits"] > 0                  # the third VM's pages met the limit
    # What the kernel did about it, measured: the OOM killer (a VM died by SIGKILL)
    # or reclaim (pages went to swap, which needs swap on the host).
    killed = [v for v in r["vm"] if v["end"].startswith("killed by SIGKILL") or v["start"] == "killed by SIGKILL"]
    assert len(killed) == c["oom_kills"]
    assert c["oom_kills"] > 0 or (r["host_swap"] and c["swapped_out_pages"] > 0)
    if not r["host_swap"]:
        assert c["oom_kills"] > 0 and r["survivors"] < VMS   # anonymous memory has nowhere else to go
