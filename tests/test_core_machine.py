"""The machine table (vmm/core/machine.c) and the guest ABI's maps agree.

`kvmlab --machine --json` lists the table: one row per device, its bus, its
range and the in-kernel path it may use.  docs/guest-abi.md is what payload
authors read; every row must be there, at the same address, with the same
last address when the doc gives a range, and naming its in-kernel path.
"""
import json
import os
import re

from conftest import ROOT, XC, run_kvmlab
from test_core_cli import assert_usage_error

SECTIONS = ("## Memory map", "## Ports", "## Bench device", "## MSRs")
HEX = re.compile(r"0x([0-9A-Fa-f]+)")


def machine():
    r = run_kvmlab("--machine", "--json")
    assert r.code == XC["OK"] and r.err == ""
    doc = json.loads(r.out)
    assert doc["command"] == "machine" and type(doc["schema_version"]) is int
    return doc["rows"]


def doc_rows():
    """(first cell, whole line) of every table row in the ABI's maps."""
    doc = open(os.path.join(ROOT, "docs", "guest-abi.md")).read()
    rows = []
    for title in SECTIONS:
        section = doc.split(title, 1)[1].split("\n## ", 1)[0]
        for line in section.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if line.startswith("|") and HEX.search(cells[0]):
                rows.append((cells[0], line))
    return rows


def test_machine_json_lists_every_row_once():
    rows = machine()
    assert len({r["name"] for r in rows}) == len(rows)
    for r in rows:
        assert set(r) == {"name", "bus", "first", "last", "path", "when"}
        assert r["bus"] in ("pio", "mmio", "msr") and r["first"] <= r["last"]
        assert (r["path"] is None) == (r["when"] is None)
        assert r["path"] in (None, "ioeventfd", "coalesced", "msr-filter")
    # Ranges on one bus never overlap (registration refuses it; traps/bus.c).
    for a in rows:
        for b in rows:
            if a is not b and a["bus"] == b["bus"]:
                assert a["last"] < b["first"] or b["last"] < a["first"], (a, b)


def test_guest_abi_maps_show_every_row_of_the_machine():
    docs = doc_rows()
    for r in machine():
        found = [(cell, line) for cell, line in docs if int(HEX.search(cell).group(1), 16) == r["first"]]
        assert found, f"{r['name']} at 0x{r['first']:X} is missing from docs/guest-abi.md"
        # A row that gives a range must end where the device ends (the MMIO
        # window's own row starts where the virtio console does: one must fit).
        def fits(cell):
            nums = [int(n, 16) for n in HEX.findall(cell)]
            return "–" not in cell or len(nums) != 2 or nums[1] == r["last"]
        assert any(fits(cell) for cell, _ in found), \
            f"docs/guest-abi.md: {[c for c, _ in found]} but {r['name']} ends at 0x{r['last']:X}"
        if r["path"] in ("ioeventfd", "coalesced"):
            assert any(r["path"] in line for _, line in found), \
                f"docs/guest-abi.md: the row of {r['name']} does not say it may be {r['path']}"


def test_guest_abi_port_map_claims_only_ports_the_machine_has():
    doc = open(os.path.join(ROOT, "docs", "guest-abi.md")).read()
    section = doc.split("## Ports", 1)[1].split("\n## ", 1)[0]
    pio = [r for r in machine() if r["bus"] == "pio"]
    for line in section.splitlines():
        cell = line.strip().strip("|").split("|")[0]
        for port in (int(n, 16) for n in HEX.findall(cell)):
            assert any(r["first"] <= port <= r["last"] for r in pio), f"port 0x{port:X} is in no machine row"


def test_machine_text_has_one_line_per_row():
    text = run_kvmlab("--machine")
    assert text.code == XC["OK"]
    assert [l.split()[2] for l in text.out.splitlines()] == [r["name"] for r in machine()]


def test_machine_rejects_other_arguments():
    assert_usage_error(run_kvmlab("--machine", "--yaml"))
