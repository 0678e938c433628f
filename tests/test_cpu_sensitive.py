"""The sensitive-instruction catalogue: `kvmlab sensitive`.

Each instruction runs at CPL 0 and CPL 3, each probe in a fresh VM.  The
spec below is written here, independently of vmm/measure/sensitive.c: what KVM on
VT-x/SVM gives the guest (architectural behaviour), and where the PVM host
measurably differs.  A probe that kills its VM must not stop the catalogue.
"""
import pytest

from conftest import XC, payload, run_kvmlab

GP0 = "#GP(0)"
# instruction: (outcome at CPL 0, outcome at CPL 3) under KVM on VT-x or SVM.
VTX_SVM = {
    "nop": ("ran", "ran"),
    "hlt": ("exit:HLT", GP0),
    "in al, dx": ("exit:IO", GP0),
    "out dx, al": ("exit:IO", GP0),
    "rdmsr EFER": ("ran", GP0),
    "wrmsr KERNEL_GS_BASE": ("ran", GP0),
    "mov rax, cr0": ("ran", GP0), "mov cr0, rax": ("ran", GP0),
    "mov rax, cr3": ("ran", GP0), "mov cr3, rax": ("ran", GP0),
    "mov rax, cr4": ("ran", GP0), "mov cr4, rax": ("ran", GP0),
    "mov rax, cr8": ("ran", GP0),
    "invlpg": ("ran", GP0), "lgdt": ("ran", GP0), "lidt": ("ran", GP0),
    "cli": ("ran", GP0), "sti": ("ran", GP0), "wbinvd": ("ran", GP0),
    "mov rax, dr7": ("ran", GP0), "mov dr7, rax": ("ran", GP0),
    "cpuid": ("ran", "ran"),
    "invd": ("ran", GP0),
    "xsetbv": ("ran", GP0),
    "vmcall": ("ran", "ran"),
    "sgdt": ("ran", "ran"),
    "sgdt (CR4.UMIP=1)": ("ran", GP0),             # UMIP: the architecture's own red-pill fix
    "sidt": ("ran", "ran"), "sldt": ("ran", "ran"),
    "str": ("ran", "ran"), "smsw": ("ran", "ran"),
    "pushf": ("ran", "ran"), "popf (set IF)": ("ran", "ran"),
    "lar": ("ran", "ran"), "lsl": ("ran", "ran"), "verr": ("ran", "ran"), "verw": ("ran", "ran"),
    "mov eax, cs": ("ran", "ran"), "push fs; pop fs": ("ran", "ran"),
    "call far via call gate": ("ran", "ran"),
    "int 0x80": ("#GP(0x402)", "#GP(0x402)"),
}
# Where a host differs from that - SVM where the manuals differ from VMX, PVM's
# design, known host bugs - is not written here: vmm/core/expect.def says it, with the
# facts it depends on, and `expect("sensitive", "NAME@CPL")` reads it.
DEAD = ("internal-error", "hang", "shutdown")
# Values the guest must observe, per (instruction, CPL): (mask, value).
VALUES = {
    ("in al, dx", 0): (0xFF, 0xE9),                     # the console port answers 0xE9
    ("mov rax, cr3", 0): (~0, 0x3000),                  # kvmlab's PML4
    ("mov rax, dr7", 0): (~0, 0x400),
    ("sidt", 0): (~0, 0x2000), ("sidt", 3): (~0, 0x2000),   # GPA_IDT, at either CPL
    ("str", 0): (~0, 0x38), ("str", 3): (~0, 0x38),     # ring3.inc's TSS selector
    ("smsw", 0): (~0, 0x33), ("smsw", 3): (~0, 0x33),   # CR0[15:0] = NE ET MP PE
    ("mov eax, cs", 0): (~0, 0x18), ("mov eax, cs", 3): (~0, 0x33),   # CS.RPL = CPL
    ("lar", 3): (~0, 0), ("lsl", 3): (~0, 0),           # DPL-0 segments refused at CPL 3
    ("verr", 3): (~0, 0), ("verw", 3): (~0, 0),
    ("popf (set IF)", 0): (1 << 9, 1 << 9),
    ("vmcall", 3): (~0, 2**64 - 1),                     # -KVM_EPERM
    ("call far via call gate", 0): (~0, 0x18),          # the gate's target runs in ring 0
    ("call far via call gate", 3): (~0, 0x18),
}
NPROBES = 2 * len(VTX_SVM)


@pytest.fixture(scope="module")
def catalogue(kvm):
    r = run_kvmlab("sensitive", "--json", json_out=True)
    assert r.code == XC["OK"], r.err
    assert r.doc["command"] == "sensitive"
    return r.doc


def probes(doc):
    return {(p["instruction"], p["cpl"]): p for p in doc["probes"]}


def case(name, cpl):
    return f"{name}@{cpl}"


def reference(expect, name, cpl):
    """What hardware virtualization on this vendor gives: the VMX spec above, or an arch row."""
    r = expect.lookup("sensitive", case(name, cpl), kind="arch")
    return r.value if r else VTX_SVM[name][cpl == 3]


def expected(expect, name, cpl):
    """(outcome, rule id) this host's facts predict."""
    r = expect.lookup("sensitive", case(name, cpl))
    return (r.value, r["id"]) if r else (VTX_SVM[name][cpl == 3], "catalogue")


def value_differs(expect, name, cpl):
    return expect("sensitive-value", case(name, cpl)).value == "differs"


def test_every_instruction_at_both_cpls_in_order(catalogue):
    ps = catalogue["probes"]
    assert len(ps) == NPROBES
    assert [p["id"] for p in ps] == list(range(NPROBES))
    assert {p["instruction"] for p in ps} == set(VTX_SVM)
    assert [p["cpl"] for p in ps] == [0, 3] * len(VTX_SVM)


def test_table_expectation_matches_this_spec(catalogue, expect):
    """vmm/measure/sensitive.c's column, with expect.def's arch rows for SVM, says what this spec says."""
    for (name, cpl), p in probes(catalogue).items():
        assert p["expected"] == reference(expect, name, cpl), (name, cpl)


def test_outcome_per_host(catalogue, expect):
    """Every outcome is what this host's facts predict, and kvmlab names the same rule."""
    for (name, cpl), p in probes(catalogue).items():
        want, rule = expected(expect, name, cpl)
        assert p["outcome"] == want, (name, cpl, rule, p["detail"])
        assert (p["expected_here"], p["rule"]) == (want, rule), (name, cpl)
        assert p["unexpected"] is False
        assert p["differs"] == (p["outcome"] != reference(expect, name, cpl))


def test_classification(catalogue):
    ps = probes(catalogue)
    for name in ("hlt", "in al, dx", "mov cr3, rax", "lgdt", "cli", "wbinvd"):
        assert ps[(name, 0)]["class"] == "privileged"
    for name in ("cpuid", "invd", "xsetbv", "vmcall"):
        assert ps[(name, 0)]["class"] == "always-intercepted"
    for name in ("sgdt", "sgdt (CR4.UMIP=1)", "sidt", "sldt", "str", "smsw", "pushf", "popf (set IF)", "lar", "lsl",
                 "verr", "verw", "mov eax, cs", "push fs; pop fs", "call far via call gate", "int 0x80"):
        assert ps[(name, 3)]["class"] == "sensitive-unprivileged"
        assert ps[(name, 3)]["robin_irvine"] is True
    assert "26.1.2" in ps[("cpuid", 0)]["vmx"]


def test_privileged_at_cpl3_is_a_guest_gp_not_an_exit(catalogue):
    for (name, cpl), p in probes(catalogue).items():
        if cpl == 3 and p["expected"] == GP0 and p["outcome"] == GP0:
            assert p["fault"] == {"vector": 13, "name": "#GP", "error": 0, "rip": p["fault"]["rip"], "cpl": 3}
            assert p["exits_to_kvmlab"] == 0, name


def test_io_and_hlt_reach_kvmlab(catalogue):
    ps = probes(catalogue)
    assert ps[("in al, dx", 0)]["exit_reasons"] == "IO"
    assert ps[("out dx, al", 0)]["exits_to_kvmlab"] == 1
    assert ps[("hlt", 0)]["end"] == "hlt"


def test_observed_values(catalogue, expect):
    ps = probes(catalogue)
    vdiff = {k for k in ps if value_differs(expect, *k)}
    for key, (mask, want) in VALUES.items():
        p = ps[key]
        if p["outcome"] != "ran" and not p["outcome"].startswith("exit:"):
            continue        # died here (expect.def): nothing observed
        assert p["value"] is not None, key
        assert p["value"] & (mask & (2**64 - 1)) == want, (key, hex(p["value"]))
    for key in [("pushf", 3), ("popf (set IF)", 3)]:
        if_bit = ps[key]["value"] >> 9 & 1
        assert if_bit == (1 if key in vdiff else 0), key
        assert ps[key]["value_differs"] == (key in vdiff)


def test_red_pill_sgdt_at_cpl3_sees_the_guests_gdt(catalogue):
    """sgdt at CPL 3 does not trap and tells the guest where its GDT is."""
    ps = probes(catalogue)
    assert ps[("sgdt", 3)]["outcome"] == "ran"
    assert ps[("sgdt", 3)]["value"] == ps[("sgdt", 0)]["value"]
    assert ps[("sgdt", 3)]["value"] < 0x20000          # inside the payload, at GPA 0x10000+


def test_umip_turns_the_red_pill_into_a_fault(catalogue):
    ps = probes(catalogue)
    assert ps[("sgdt (CR4.UMIP=1)", 0)]["value"] == ps[("sgdt", 0)]["value"]
    assert ps[("sgdt (CR4.UMIP=1)", 3)]["fault"]["name"] == "#GP"
    assert ps[("sgdt (CR4.UMIP=1)", 3)]["value"] is None


def test_a_probe_that_kills_its_vm_does_not_stop_the_catalogue(catalogue, expect):
    ps = probes(catalogue)
    dead = [k for k, p in ps.items() if p["outcome"] in DEAD]
    assert sorted(dead) == sorted(k for k in ps if expected(expect, *k)[0] in DEAD)
    for k in dead:
        assert ps[k]["cost_cycles"] is None and ps[k]["value"] is None
    # The probe after each dead one ran in its own VM and reported its row.
    for name, cpl in dead:
        nxt = catalogue["probes"][ps[(name, cpl)]["id"] + 1] if ps[(name, cpl)]["id"] + 1 < NPROBES else None
        if nxt:
            assert nxt["end"] in ("exit_port", "hlt", "internal_error", "timeout")
            assert nxt["instruction"] in VTX_SVM


def test_vmcall_hang_spins_in_the_kernel(catalogue, expect):
    want, rule = expected(expect, "vmcall", 0)
    if want != "hang":
        pytest.skip(f"vmcall at CPL 0 returns on this host ({rule})")
    p = probes(catalogue)[("vmcall", 0)]
    assert p["end"] == "timeout"
    assert p["exits_to_kvmlab"] == 0
    # Each spin re-enters the guest: KVM counts exits that never reach kvmlab.
    assert p["kvm"]["kernel_exits_vs_nop"] > 10


# Instructions KVM's emulator ran for a CPL-3 probe, relative to nop at CPL 3
# (KVM's insn_emulation stat): expect.def's "sensitive-emul" rows say which
# trap into the emulator on this host (PVM with UMIP, with CPUID faulting) and
# that on VT-x/SVM none goes through the emulator.
TRAPPED_AT_CPL3 = ["sgdt", "sidt", "sldt", "str", "smsw", "cpuid"]
NATIVE_AT_CPL3 = ["nop", "pushf", "popf (set IF)", "lar", "lsl", "verr", "verw", "mov eax, cs", "push fs; pop fs"]


def emul_at_cpl3(expect, name):
    return int(expect.value("sensitive-emul", case(name, 3)))


def test_which_cpl3_instructions_trap_into_the_emulator(catalogue, expect, require_cap):
    require_cap("BINARY_STATS_FD")
    ps = probes(catalogue)
    for name in TRAPPED_AT_CPL3 + NATIVE_AT_CPL3:
        row = expect("sensitive-emul", case(name, 3))
        assert ps[(name, 3)]["kvm"]["insn_emulation_vs_nop"] == int(row.value), (name, row["id"])


def test_cost_is_reported_where_the_probe_finished(catalogue):
    for p in catalogue["probes"]:
        if p["end"] == "exit_port":
            assert p["cycles"] is not None and p["baseline_cycles"] is not None
            assert p["cost_cycles"] == p["cycles"] - p["baseline_cycles"]


def test_only_filters_rows_and_keeps_the_reference(kvm):
    r = run_kvmlab("sensitive", "--only", "sgdt", "--json", json_out=True)
    assert r.code == XC["OK"]
    assert [(p["instruction"], p["cpl"]) for p in r.doc["probes"]] == \
        [("nop", 0), ("nop", 3), ("sgdt", 0), ("sgdt", 3), ("sgdt (CR4.UMIP=1)", 0), ("sgdt (CR4.UMIP=1)", 3)]


def test_text_table_and_legend(kvm):
    r = run_kvmlab("sensitive", "--only", "sidt")
    assert r.code == XC["OK"]
    lines = r.out.splitlines()
    assert lines[0].startswith("kvmlab sensitive: 4 probes on ")
    row = [l for l in lines if " sidt " in l and "sensitive-unprivileged" in l]
    assert len(row) == 2
    assert "legend:" in lines


@pytest.mark.parametrize("args", [["--only", "no-such-insn"], ["--bogus"], ["--timeout", "0"], ["extra"]])
def test_bad_arguments_are_usage_errors(args):
    r = run_kvmlab("sensitive", *args)
    assert r.code == XC["USAGE"]
    assert len(r.err.splitlines()) == 1


def test_probe_number_out_of_range_is_a_guest_failure(run):
    r = run("cpu/probe", "--arg", NPROBES)
    assert r.doc["config"]["arg"] == NPROBES            # handed over in RBX (guest-abi.md)
    assert r.code == XC["GUEST_FAIL"]
    assert r.reports("fail")[0]["name"] == "probe.id out of range"
    assert r.reports("fail")[0]["value"] == NPROBES


# ---- labs/trap-and-emulate.md: its commands, and every claim it makes ----
import re

ROW = re.compile(r"^([!~ ]) (\d+)\s+(.+?)\s+(reference|privileged|sensitive-unprivileged|always-intercepted)"
                 r"\s+([03])\s+(\S+)\s+(\S+)\s+(.+?)\s+(\S+)\s+(\S+)\s+(\S+)$")


def differ_count(expect, ps):
    """Probes whose predicted outcome or value differs from the VMX/SVM reference: computed."""
    return sum(expected(expect, *k)[0] != reference(expect, *k) or value_differs(expect, *k) for k in ps)


@pytest.fixture(scope="module")
def table_text(kvm):
    r = run_kvmlab("sensitive")
    assert r.code == XC["OK"], r.err
    rows = {}
    for line in r.out.splitlines():
        m = ROW.match(line)
        if m:
            mark, pid, name, cls, cpl, outcome, expect, value, cycles, emul, kexits = m.groups()
            rows[(name, int(cpl))] = dict(mark=mark, id=int(pid), outcome=outcome, expect=expect,
                                          value=value, cycles=cycles, emul=emul)
    return r.out, rows


def test_lab_summary_line(table_text, expect):
    out, rows = table_text
    assert len(rows) == NPROBES == 82
    n = differ_count(expect, rows)
    assert f"{n} of 82 probes differ from " in out
    assert "0 of 82 outcomes are not what this host's facts predict." in out
    assert sum(r["mark"] != " " for r in rows.values()) == n


def test_lab_claims_on_the_table(table_text, expect):
    _, rows = table_text
    for (name, cpl), r in rows.items():
        if cpl == 3 and r["expect"] == GP0 and r["outcome"] == GP0:
            assert r["value"] == "-"
    assert rows[("sidt", 0)]["value"] == rows[("sidt", 3)]["value"] == "0x2000"
    assert rows[("sgdt", 0)]["value"] == rows[("sgdt", 3)]["value"]
    assert 0x10000 < int(rows[("sgdt", 3)]["value"], 16) < 0x20000
    assert rows[("sgdt (CR4.UMIP=1)", 3)]["outcome"] == GP0
    assert (rows[("mov eax, cs", 0)]["value"], rows[("mov eax, cs", 3)]["value"]) == ("0x18", "0x33")
    for name in ("lar", "lsl", "verr", "verw"):
        assert rows[(name, 3)]["value"] == "ZF=0 (refused)"
    assert rows[("in al, dx", 0)]["outcome"] == "exit:IO" and rows[("hlt", 0)]["outcome"] == "exit:HLT"
    # Only these reach kvmlab; everything else stays in the guest or in KVM.
    assert {k for k, r in rows.items() if r["outcome"].startswith("exit:")} == \
        {("hlt", 0), ("in al, dx", 0), ("out dx, al", 0)}
    for name in TRAPPED_AT_CPL3 + NATIVE_AT_CPL3:
        assert rows[(name, 3)]["emul"] == f"+{emul_at_cpl3(expect, name)}", name
    assert {k for k, r in rows.items() if r["mark"] == "!"} == \
        {k for k in rows if expected(expect, *k)[0] != reference(expect, *k)}
    assert {k for k, r in rows.items() if r["mark"] == "~"} == {k for k in rows if value_differs(expect, *k)}
    for key in [("pushf", 3), ("popf (set IF)", 3)]:
        assert ("IF=1" in rows[key]["value"]) == value_differs(expect, *key)
    # Where ring 0 is emulated and sgdt traps from ring 3 - orders of magnitude, not
    # thresholds: native ring 3 < emulated ring 0 < a trap from ring 3.  Each cost is
    # a single shot, and a host interrupt inside one only ever inflates it: compare
    # the minimum of this table and two more `--only sgdt` runs.
    if expect.value("ring0", "execution") == "emulated" and emul_at_cpl3(expect, "sgdt") == 1:
        keys = [("nop", 3), ("nop", 0), ("sgdt", 3)]
        best = {k: int(rows[k]["cycles"]) for k in keys}
        for _ in range(2):
            again = run_kvmlab("sensitive", "--only", "sgdt", "--json", json_out=True)
            assert again.code == XC["OK"], again.err
            for p in again.doc["probes"]:
                k = (p["instruction"], p["cpl"])
                if k in best and p["cycles"] is not None:
                    best[k] = min(best[k], p["cycles"])
        assert best[("nop", 3)] < best[("nop", 0)] < best[("sgdt", 3)], best


def test_lab_quoted_count_follows_from_the_facts(table_text, expect):
    """labs/trap-and-emulate.md quotes N for its PVM machines: it must be what the
    table predicts where ring 0 is emulated, and what this host printed."""
    import os
    from conftest import ROOT
    lab = open(os.path.join(ROOT, "labs", "trap-and-emulate.md")).read()
    quoted = int(re.search(r"on the course machines it is (\d+), Intel or AMD", lab).group(1))
    out, rows = table_text
    if expect.value("ring0", "execution") == "emulated" and expect.value("sensitive", "vmcall@0") == "hang":
        assert differ_count(expect, rows) == quoted
    # The lab's cpuid claim: +1 exactly with CPUID faulting, else +0.
    assert "`+1` only where the host has CPUID\n  faulting (fact `cpuid_fault`" in lab


def test_lab_probe_51_is_sgdt_at_cpl3(kvm):
    r = run_kvmlab("run", "cpu/probe", "--arg", 51)
    assert r.code == XC["OK"]
    assert "report:   msg   sgdt\n" in r.out
    assert "report:   value probe.cpl = 3 (0x3)\n" in r.out


def test_lab_exc_gp_and_ud2_long(kvm):
    r = run_kvmlab("run", "cpu/exc-gp")
    assert r.code == XC["OK"]
    assert "report:   value exc.vector = 13 (0xd)\n" in r.out
    assert "exits:    7 to kvmlab  IO 6  HLT 1\n" in r.out
    r = run_kvmlab("run", "ud2-long")
    assert r.code == XC["GUEST_CRASH"]
    assert "ended:    shutdown" in r.out


def test_document_shape(catalogue, host_info):
    """Every key docs/json-schema.md ("kvmlab sensitive --json") promises, with its type."""
    assert catalogue["schema_version"] == host_info["schema_version"]      # one JSON_SCHEMA_VERSION
    assert isinstance(catalogue["kvmlab_version"], str)
    assert isinstance(catalogue["host"]["backend"], str)
    assert catalogue["reference"] in ("VMX", "SVM")
    assert set(catalogue["method"]) == {"payload", "isolation", "cost", "kernel_exits"}
    assert catalogue["stopped_by"] is None and catalogue["ktrace"] is None     # no signal, no --ktrace
    types = {"id": int, "instruction": str, "class": str, "robin_irvine": bool, "cpl": int,
             "outcome": str, "expected": str, "differs": bool, "value_differs": bool,
             "expected_here": str, "rule": str, "unexpected": bool,
             "expected_value": (dict, type(None)), "vmx": str, "svm": str, "end": str, "detail": str,
             "exits_to_kvmlab": int, "exit_reasons": str, "exits": dict, "fault": (dict, type(None)),
             "value": (int, type(None)), "value_text": str, "cycles": (int, type(None)),
             "baseline_cycles": (int, type(None)), "cost_cycles": (int, type(None)),
             "kvm": (dict, type(None)), "ktrace": type(None)}
    for p in catalogue["probes"]:
        assert set(p) == set(types), p["id"]
        for k, t in types.items():
            assert isinstance(p[k], t), (p["id"], k)
        if p["kvm"] is not None:
            assert set(p["kvm"]) == {"exits", "kernel_exits", "insn_emulation", "irq_exits",
                                     "kernel_exits_vs_nop", "insn_emulation_vs_nop"}


def test_missing_or_wrong_probe_payload_is_a_host_error(kvm, tmp_path):
    r = run_kvmlab("sensitive", env={"KVMLAB_PAYLOADS": str(tmp_path)})
    assert r.code == XC["HOST"]
    assert len(r.err.splitlines()) == 1 and "cpu/probe.bin" in r.err
    (tmp_path / "cpu").mkdir()
    with open(payload("cpu/whoami"), "rb") as src:
        (tmp_path / "cpu" / "probe.bin").write_bytes(src.read())
    r = run_kvmlab("sensitive", "--only", "sidt", env={"KVMLAB_PAYLOADS": str(tmp_path)})
    assert r.code == XC["HOST"]
    assert "is not the probe payload" in r.err
    assert r.out == ""
