"""The expectations table itself (vmm/core/expect.def) and the host facts it reads.

kvmlab's C reading of the table (vmm/core/expect.c, `info --json` "expectations")
and tests/expect.py's must resolve every (area, case) to the same row on this
host; every row must carry a reason and a citation; docs/backends.md carries the
table as generated from the file (scripts/expect_table.py).
"""
import os
import re
import subprocess
import sys

from conftest import ROOT
from expect import FIELDS, KINDS, Expect, parse

# Facts every host reports (docs/json-schema.md, "facts"); others may be added.
REQUIRED_FACTS = {
    "vendor", "cpu.vendor_string", "cpu.family", "cpu.model", "cpu.stepping", "umip", "cpuid_fault",
    "pku", "x2apic", "tsc_deadline", "rdtscp", "la57", "hypervisor", "hypervisor.signature",
    "backend", "tdp", "unrestricted_guest", "api_version", "kernel", "quirks",
    "quirk.fix_hypercall_insn", "cpus.online", "cpus.usable", "cap.NR_VCPUS", "cap.MAX_VCPUS",
    "thp", "hugepages.reserved", "root", "ring0_emulated", "cpuid_table.cpl0", "cpuid_table.cpl3",
    "tool.strace", "tool.gnuplot", "tool.pandoc", "tool.qemu-storage-daemon", "tool.qemu-img",
}


def test_every_row_has_reason_citation_and_a_known_kind():
    rows = parse()
    assert len({r["id"] for r in rows}) == len(rows), "row ids must be unique"
    for r in rows:
        assert set(r) == set(FIELDS)
        assert r["kind"] in KINDS, r["id"]
        assert len(r["reason"]) > 20 and len(r["cite"]) > 5, r["id"]
        assert re.fullmatch(r"[a-z0-9-]+", r["id"]), r["id"]


def test_every_area_ends_with_a_default_row():
    rows = parse()
    areas = {}
    for r in rows:
        areas.setdefault(r["area"], []).append(r)
    for area, rs in areas.items():
        if area == "sensitive":
            continue        # no row: the catalogue's own column (vmm/measure/sensitive.c)
        assert any(r["cases"] == "*" and r["when"] == "*" for r in rs), area
        assert rs[-1]["cases"] == "*" or any(r["cases"] == "*" for r in rs), area


def test_conditions_name_only_facts_kvmlab_reports(facts):
    for r in parse():
        if r["when"] == "*":
            continue
        for atom in r["when"].split("&"):
            name = re.split(r"!=|>=|=", atom.strip().lstrip("!"))[0]
            assert name in facts, (r["id"], name)
        if r["expect"].startswith("@"):
            assert r["expect"][1:] in facts, r["id"]


def test_c_and_python_pick_the_same_row(host_info, facts):
    ex = Expect(facts)
    resolved = host_info["expectations"]
    assert resolved, "kvmlab info --json lists no expectations"
    for key, row in resolved.items():
        area, case = key.split("/", 1)
        mine = ex.lookup(area, case)
        assert (mine and mine["id"]) == (row and row["id"]), key
        if row:
            assert row["expect"] == mine["expect"] and row["cite"] == mine["cite"], key


def test_every_fact_says_how_it_was_found(host_info):
    f = host_info["facts"]
    assert REQUIRED_FACTS <= set(f), REQUIRED_FACTS - set(f)
    for name, v in f.items():
        assert set(v) == {"value", "source"}, name
        assert isinstance(v["source"], str) and v["source"], name
        assert v["value"] is None or isinstance(v["value"], (bool, int, str)), name


def test_facts_agree_with_the_host_section(host_info, facts):
    h = host_info["host"]
    assert facts["backend"] == h["backend"] and facts["tdp"] == h["tdp"]
    assert facts["hypervisor"] == h["host_is_guest"] and facts["kernel"] == h["kernel"]
    for name, v in host_info["capabilities"].items():
        assert facts[f"cap.{name}"] == v
    assert 1 <= facts["cpus.usable"] <= facts["cpus.online"]


def test_cpuid_at_cpl3_is_what_the_table_predicts(facts, expect):
    """The probe VM's answer (facts_guest.c) against cpuid-table rows: a host that
    lets CPL 3 read the host's CPUID is a known quirk, not a pass."""
    assert facts["cpuid_table.cpl0"] is (expect.value("cpuid-table", "cpl0") == "table")
    row = expect("cpuid-table", "cpl3")
    assert facts["cpuid_table.cpl3"] is (row.value == "table"), row.why


def test_docs_backends_carries_the_generated_table():
    out = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "expect_table.py")],
                         capture_output=True, text=True, check=True).stdout
    doc = open(os.path.join(ROOT, "docs", "backends.md")).read()
    m = re.search(r"<!-- expect-table begin.*?-->\n(.*?)<!-- expect-table end -->", doc, re.S)
    assert m, "docs/backends.md lacks the expect-table markers"
    assert m.group(1) == out, "docs/backends.md is stale: run scripts/expect_table.py --update"


def test_docs_cpu_names_every_sensitive_row():
    doc = open(os.path.join(ROOT, "docs", "cpu.md")).read()
    for r in parse():
        if r["area"].startswith("sensitive") or r["area"] == "cpuid-table":
            assert r["id"] in doc, r["id"]
