"""Memory hotplug and backing choices (docs/memory.md)."""
import pytest

from conftest import XC, run_kvmlab

HUGEPAGES_FREE = "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"


def free_hugepages():
    try:
        with open(HUGEPAGES_FREE) as f:
            return int(f.read())
    except OSError:
        return 0


def test_hotplug_add_use_remove(run):
    r = run("mem/hotplug")
    assert r.code == XC["OK"], r.err
    assert r.report("add-status")["value"] == 0
    assert r.report("readback")["value"] == 0x600DF00D         # plain RAM: no exit
    assert r.report("remove-status")["value"] == 0
    assert r.report("after-remove")["value"] == 0xFFFFFFFFFFFFFFFF
    mm = [(m["gpa"], m["dir"], m["size"], m["exits"]) for m in r.doc["exits"]["mmio"]]
    assert mm == [(0x80000000, "read", 8, 1)]                   # only after removal
    mem = r.doc["memory"]
    assert (mem["hotplug_adds"], mem["hotplug_removes"]) == (1, 1)
    assert [s["name"] for s in mem["slots"]] == ["ram"]          # gone at the end


def test_memfd_backing_runs_the_same_guest(run):
    r = run("mem/four-addresses", "--backing", "memfd")
    assert r.code == XC["OK"], r.err
    assert r.doc["memory"]["slots"][0]["backing"] == "memfd"
    assert [p["name"] for p in r.reports("pass")] == ["sig-4k", "sig-2m"]


def test_hugetlb_without_reservation_is_a_host_error_with_the_fix(kvm):
    if free_hugepages() >= 2:
        pytest.skip("this host has huge pages reserved")
    r = run_kvmlab("run", "hello-long", "--backing", "hugetlb")
    assert r.code == XC["HOST"]
    assert r.err.count("\n") == 1
    assert "reserve them as root with `echo 2 > /proc/sys/vm/nr_hugepages`" in r.err
    assert "--backing-fallback" in r.err


def test_hugetlb_fallback_only_when_asked(run):
    r = run("hello-long", "--backing", "hugetlb", "--backing-fallback")
    assert r.code == XC["OK"], r.err
    mem = r.doc["memory"]
    assert mem["backing_requested"] == "hugetlb"
    if free_hugepages() >= 2:
        assert mem["backing_fell_back"] is False and mem["slots"][0]["backing"] == "hugetlb"
    else:
        assert mem["backing_fell_back"] is True and mem["slots"][0]["backing"] == "anon"


def test_unknown_backing_is_a_usage_error(kvm):
    r = run_kvmlab("run", "hello-long", "--backing", "foo")
    assert r.code == XC["USAGE"]
    assert r.err == "kvmlab run: --backing: 'foo' is not anon, thp, hugetlb or memfd (see kvmlab run --help)\n"


def test_memctl_checks_every_guest_value(run):
    r = run("mem/memctl-bad")
    assert r.code == XC["PROTOCOL"]
    assert [(x["name"], x["value"]) for x in r.reports()] == [
        ("bad-op", 1), ("add-0", 2), ("add-huge", 2), ("remove-none", 2)]
    assert "memctl port 0xf8 takes one 32-bit IN or OUT (got 1 byte x1)" in r.doc["result"]["detail"]
    assert r.doc["memory"]["hotplug_adds"] == 0
