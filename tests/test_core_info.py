"""`kvmlab info` and `kvmlab list` (issue 2, parts 8 and 9)."""
import json
import os
import re
import shutil
import struct

import pytest

from conftest import PAYLOADS, ROOT, XC, payload, run_kvmlab

BACKENDS = {"kvm_intel", "kvm_amd", "kvm_pvm", "unknown"}

# Paging and calibration are predicted by expect.def ("paging", "ring0") from
# the facts; the calibration run then measures whether ring 0 is emulated.
# Calibration (vmm/measure/calibrate.c) is the difference of two runs of a
# `nop; dec; jnz` loop: emulated, every instruction is one insn_emulation, so
# the difference is exactly 3 x N; native, the stat does not move with the loop.


def cap_names():
    """The capability list as kvmlab prints it (CAP_LIST, vmm/core/core.h)."""
    return [c["name"] for c in json.loads(run_kvmlab("--capabilities", "--json").out)["capabilities"]]


VENDORS = {"intel", "amd", "other"}


def test_info_backend_is_known(host_info):
    assert host_info["host"]["backend"] in BACKENDS
    assert host_info["facts"]["backend"]["value"] in BACKENDS
    assert host_info["facts"]["vendor"]["value"] in VENDORS
    assert host_info["command"] == "info"


def test_info_paging_matches_tdp(host_info, expect):
    host = host_info["host"]
    assert isinstance(host["tdp"], bool)
    row = expect("paging", "mode")
    assert host["paging"] == row.value, row.why
    assert (host["paging"] != "shadow") == host["tdp"]


def test_info_api_version_is_12(host_info):
    # KVM_GET_API_VERSION has returned 12 since Linux 2.6.22 (api.rst 4.1).
    assert host_info["host"]["api_version"] == 12


def test_info_capabilities_are_the_probed_table(host_info):
    caps = host_info["capabilities"]
    assert sorted(caps) == sorted(cap_names())
    for name, value in caps.items():
        assert type(value) is int and value >= 0, (name, value)
    # kvmlab refuses to start without these (vmm/core/kvm.c, required = true).
    assert caps["USER_MEMORY"] > 0 and caps["IMMEDIATE_EXIT"] > 0


def test_info_tsc_rate(host_info):
    if not host_info["capabilities"]["GET_TSC_KHZ"]:
        assert host_info["tsc_khz"] is None
    else:
        assert type(host_info["tsc_khz"]) is int and host_info["tsc_khz"] > 0


def test_info_calibration_ran(host_info):
    cal = host_info["calibration"]
    assert cal["ran"] is True
    assert cal["loop_instructions"] == 3
    assert cal["loop_iterations"] > 0
    assert cal["cycles_per_iteration"] > 0
    assert isinstance(cal["note"], str) and cal["note"]


def test_info_calibration_per_host(host_info, expect, facts):
    row = expect("ring0", "execution")
    cal = host_info["calibration"]
    assert cal["emulated"] is (row.value == "emulated"), row.why
    assert facts["ring0_emulated"] is cal["emulated"]
    if cal["insn_emulation"] is None:
        pytest.skip("no insn_emulation stat (KVM_CAP_BINARY_STATS_FD absent)")
    if row.value == "emulated":
        assert cal["insn_emulation"] == 3 * cal["loop_iterations"]
    else:
        assert cal["insn_emulation"] < cal["loop_iterations"]


def test_info_no_calibrate(kvm):
    r = run_kvmlab("info", "--json", "--no-calibrate", json_out=True)
    assert r.code == XC["OK"]
    assert r.doc["calibration"] is None
    assert r.doc["host"]["backend"] in BACKENDS


def test_info_human_output(kvm, host_info):
    r = run_kvmlab("info")
    assert r.code == XC["OK"]
    assert re.search(rf"^backend:\s+{host_info['host']['backend']} ", r.out, re.M)
    assert re.search(rf"^guest paging:\s+{host_info['host']['paging']} ", r.out, re.M)
    assert re.search(r"^KVM API version:\s+12$", r.out, re.M)
    execution = "EMULATED" if host_info["calibration"]["emulated"] else "native"
    assert re.search(rf"^guest execution:\s+{execution}$", r.out, re.M)
    for name in cap_names():
        assert re.search(rf"^  {name}\s+(yes\+?|no)\s", r.out, re.M), name
    # The facts list: every fact of the JSON, with its value, then how it was found.
    assert "\nfacts (what a guest can tell; how each was found):\n" in r.out
    for name, f in host_info["facts"].items():
        assert re.search(rf"^  {re.escape(name)}\s+\S+\s+", r.out, re.M), name


# ---- kvmlab list ------------------------------------------------------------

def built_catalogue(root=PAYLOADS):
    """Relative paths of every built payload except the malformed/ test files."""
    found = []
    for d, dirs, files in os.walk(root):
        dirs[:] = [x for x in dirs if x != "malformed"]
        for f in files:
            if f.endswith(".bin"):
                found.append(os.path.relpath(os.path.join(d, f), root))
    return sorted(found)


def header_of(path):
    data = open(path, "rb").read()
    mode, = struct.unpack_from("<B", data, 8)
    desc_off, = struct.unpack_from("<I", data, 28)
    name = data[32:64].rstrip(b"\0").decode()
    desc = data[desc_off:data.index(b"\0", desc_off)].decode() if desc_off else ""
    return dict(name=name, mode={1: "real", 2: "protected", 3: "long"}[mode], description=desc)


def test_list_json_lists_every_built_payload():
    r = run_kvmlab("list", "--json", json_out=True)
    assert r.code == XC["OK"]
    assert r.doc["command"] == "list"
    assert sorted(p["file"] for p in r.doc["payloads"]) == built_catalogue()
    assert not any(p["file"].startswith("malformed/") for p in r.doc["payloads"])


def test_list_json_entries_come_from_the_headers():
    r = run_kvmlab("list", "--json", json_out=True)
    for p in r.doc["payloads"]:
        path = os.path.join(PAYLOADS, p["file"])
        assert p["path"] == path
        assert {k: p[k] for k in ("name", "mode", "description")} == header_of(path)
        assert p["description"], f"{p['file']} has no description"


def test_list_core_payloads():
    names = {p["name"] for p in run_kvmlab("list", "--json", json_out=True).doc["payloads"]}
    assert {"hello-real", "hello-prot", "hello-long", "report", "report-fail", "exit-status",
            "triple-fault", "ud2-long", "loop-forever", "vmcall", "unclaimed-port",
            "unclaimed-mmio", "rep-outsb"} <= names


def test_list_human_one_line_per_payload():
    r = run_kvmlab("list")
    assert r.code == XC["OK"]
    lines = r.out.splitlines()
    assert len(lines) == len(built_catalogue())
    for line, rel in zip(lines, built_catalogue()):
        h = header_of(os.path.join(PAYLOADS, rel))
        shown, mode, desc = line.split(None, 2)
        assert (shown, mode, desc) == (rel[:-4], h["mode"], h["description"])


def test_list_is_sorted():
    files = [p["file"] for p in run_kvmlab("list", "--json", json_out=True).doc["payloads"]]
    assert files == sorted(files)


def test_list_skips_a_broken_file(tmp_path):
    shutil.copy(payload("hello-long"), tmp_path / "good.bin")
    shutil.copy(payload("malformed/bad-magic"), tmp_path / "broken.bin")
    env = {"KVMLAB_PAYLOADS": str(tmp_path)}
    r = run_kvmlab("list", env=env)
    assert r.code == XC["OK"]
    assert [line.split()[0] for line in r.out.splitlines()] == ["good"]
    assert r.err.startswith("kvmlab: skipping broken.bin: payload header: bad magic")
    doc = json.loads(run_kvmlab("list", "--json", env=env).out)
    assert [p["file"] for p in doc["payloads"]] == ["good.bin"]


def test_list_empty_directory(tmp_path):
    r = run_kvmlab("list", "--json", json_out=True, env={"KVMLAB_PAYLOADS": str(tmp_path)})
    assert r.code == XC["OK"] and r.doc["payloads"] == []


def test_list_missing_directory(tmp_path):
    r = run_kvmlab("list", env={"KVMLAB_PAYLOADS": str(tmp_path / "nowhere")})
    assert r.code == XC["PAYLOAD_IO"]
    assert r.err.count("\n") == 1 and r.err.startswith("kvmlab: cannot open payload directory")


# ---- kvmlab --capabilities: the one list (CAP_LIST, vmm/core/core.h) -------

def test_capability_list_names_each_capability_once_with_its_use():
    r = run_kvmlab("--capabilities", "--json")
    assert r.code == XC["OK"] and r.err == ""
    doc = json.loads(r.out)
    assert doc["command"] == "capabilities" and type(doc["schema_version"]) is int
    caps = doc["capabilities"]
    assert len({c["name"] for c in caps}) == len(caps)
    for c in caps:
        assert set(c) == {"name", "required", "why"}
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", c["name"]) and c["why"]
        assert type(c["required"]) is bool
    # kvmlab refuses to start without exactly these (vmm/core/kvm.c).
    assert {c["name"] for c in caps if c["required"]} == {"USER_MEMORY", "IMMEDIATE_EXIT"}
    text = run_kvmlab("--capabilities").out.splitlines()
    assert [line.split()[0] for line in text] == [c["name"] for c in caps]


def test_capability_list_rejects_other_arguments():
    r = run_kvmlab("--capabilities", "--yaml")
    assert r.code == XC["USAGE"] and r.out == "" and "--capabilities" in r.err


def test_docs_backends_lists_exactly_kvmlabs_capabilities():
    """docs/backends.md "Capabilities": one row per capability, in kvmlab's words."""
    doc = open(os.path.join(ROOT, "docs", "backends.md")).read()
    section = doc.split("## Capabilities", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| (required|optional) \| (.+) \|$", section, re.M)
    caps = json.loads(run_kvmlab("--capabilities", "--json").out)["capabilities"]
    assert rows == [(c["name"], "required" if c["required"] else "optional", c["why"]) for c in caps]
