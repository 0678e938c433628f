"""Four addresses: GVA -> GPA -> HVA -> HPA (docs/memory.md, labs/four-addresses.md).

mem/four-addresses builds its own 4-level tables at GPA 0x100000 and maps
  GVA 0xFFFF800000200000 -> GPA 0x150000 with a 4 KiB PTE,
  GVA 0xFFFF800000400000 -> GPA 0x200000 with a 2 MiB PDE (PS=1).
`--translate` must find exactly those, through the entries the payload wrote.
"""
import os
import shutil
import subprocess

import pytest

from conftest import KVMLAB, PAYLOADS, XC, run_kvmlab

GVA_4K = 0xFFFF800000200000
GVA_2M = 0xFFFF800000400000
P_RW = 0x3


def translations(r):
    return {t["gva"]: t for t in r.doc["memory"]["translations"]}


def test_payload_reports_its_own_mapping(run):
    r = run("mem/four-addresses")
    assert r.code == XC["OK"], r.err
    assert r.report("gva-4k")["value"] == GVA_4K
    assert r.report("gpa-4k")["value"] == 0x150000
    assert r.report("gva-2m")["value"] == GVA_2M
    assert r.report("gpa-2m")["value"] == 0x200000
    assert r.report("cr3")["value"] == 0x100000
    assert [p["name"] for p in r.reports("pass")] == ["sig-4k", "sig-2m"]


def test_translate_4k_mapping_walks_four_levels(run):
    gva = GVA_4K + 0x123
    r = run("mem/four-addresses", "--translate", hex(gva))
    assert r.code == XC["OK"], r.err
    t = translations(r)[gva]
    assert t["valid"] and t["walk_agrees"]
    assert t["gpa"] == 0x150123                     # KVM_TRANSLATE
    assert t["walk_gpa"] == 0x150123                # kvmlab's own walk
    assert t["guest_page_size"] == 4096
    walk = [(s["level"], int(s["table_gpa"], 16), s["index"]) for s in t["walk"]]
    assert walk == [("PML4E", 0x100000, 256), ("PDPTE", 0x101000, 0),
                    ("PDE", 0x102000, 1), ("PTE", 0x103000, 0)]
    entries = [int(s["entry"], 16) for s in t["walk"]]
    # What the payload wrote, plus the accessed (0x20) / dirty (0x40) bits the MMU set.
    assert [e & ~0x60 for e in entries] == [0x101000 | P_RW, 0x102000 | P_RW, 0x103000 | P_RW, 0x150000 | P_RW]
    assert entries[3] & 0x40, "the payload wrote through this PTE: D must be set"
    assert t["slot"] == {"id": 0, "name": "ram"}
    slot0 = r.doc["memory"]["slots"][0]
    assert int(t["hva_hex"], 16) == int(slot0["hva_hex"], 16) + 0x150123


def test_translate_2m_mapping_stops_at_the_pde(run):
    gva = GVA_2M + 0x12345
    r = run("mem/four-addresses", "--translate", hex(gva))
    t = translations(r)[gva]
    assert t["valid"] and t["walk_agrees"]
    assert t["gpa"] == 0x212345
    assert t["guest_page_size"] == 2 << 20
    assert [s["level"] for s in t["walk"]] == ["PML4E", "PDPTE", "PDE"]
    assert t["walk"][2]["ps"] is True


def test_unmapped_gva_is_invalid_and_names_the_missing_entry(run):
    gva = GVA_2M + (2 << 20)                        # PD[3]: the payload left it empty
    r = run("mem/four-addresses", "--translate", hex(gva))
    t = translations(r)[gva]
    assert t["valid"] is False and t["gpa"] is None
    assert t["walk_fault"] == "PDE[3] not present: the guest would take #PF"
    assert t["walk_agrees"]             # both walks say "not mapped"


def test_gpa_in_a_hole_has_no_slot(run):
    # kvmlab's identity map still covers the MMIO window: a GPA, no slot.
    r = run("mem/four-addresses", "--translate", "0xC0000000")
    t = translations(r)[0xC0000000]
    assert t["valid"] and t["gpa"] == 0xC0000000
    assert t["slot"] is None and t["hva_hex"] is None


def test_hpa_visible_to_root_with_page_offset_kept(run):
    if os.geteuid() != 0:
        pytest.skip("the frame number in /proc/self/pagemap needs CAP_SYS_ADMIN")
    gva = GVA_4K + 0x123
    t = translations(run("mem/four-addresses", "--translate", hex(gva)))[gva]
    assert t["host_present"] and not t["pfn_hidden"]
    assert int(t["hpa_hex"], 16) & 0xFFF == 0x123
    assert t["host_page_size"] == 4096              # default backing: anonymous 4 KiB pages
    assert t["host_page_source"] == "/proc/kpageflags"


def test_hpa_hidden_without_cap_sys_admin(kvm):
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv to drop CAP_SYS_ADMIN")
    gva = GVA_4K + 0x123
    p = subprocess.run(["setpriv", "--bounding-set", "-sys_admin", KVMLAB, "run", "mem/four-addresses",
                        "--translate", hex(gva)], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, KVMLAB_PAYLOADS=PAYLOADS))
    assert p.returncode == XC["OK"], p.stderr
    assert "HPA hidden by the kernel (pagemap shows frame numbers only to CAP_SYS_ADMIN)" in p.stdout


def test_text_output_shows_each_step(kvm):
    gva = GVA_4K + 0x123
    r = run_kvmlab("run", "mem/four-addresses", "--translate", hex(gva))
    assert r.code == XC["OK"], r.err
    assert "PTE   table 0x103000 [  0]" in r.out
    assert "-> GPA 0x150123 (4 KiB guest page) -> slot 0 ram -> HVA 0x" in r.out


@pytest.mark.parametrize("bad", ["xyz", "-1", ""])
def test_bad_translate_argument_is_a_usage_error(kvm, bad):
    r = run_kvmlab("run", "mem/four-addresses", "--translate", bad)
    assert r.code == XC["USAGE"]
    assert r.err.count("\n") == 1 and "--translate" in r.err


def test_guest_asks_for_a_translation_while_its_tables_are_live(run):
    r = run("mem/four-addresses")
    assert r.report("translate-status")["value"] == 0          # MEMCTL_OK: mapped
    (t,) = r.doc["memory"]["translations"]
    assert t["asked_by"] == "guest"
    assert t["gva"] == GVA_4K + 0x7F8 and t["gpa"] == 0x1507F8 and t["walk_agrees"]
    assert [p["dir"] for p in r.doc["exits"]["ports"] if p["port"] == 0xF8] == ["out", "in"]


def test_command_line_translations_come_first(run):
    r = run("mem/four-addresses", "--translate", hex(GVA_2M))
    assert [t["asked_by"] for t in r.doc["memory"]["translations"]] == ["command line", "guest"]
