"""Exceptions in the guest: delivered through the guest's own IDT, not to kvmlab.

payloads/lib/idt.inc installs a long-mode IDT whose handlers report the
vector, error code, RIP and CPL (exc.*) and resume at an IDT_TRY label.
HOST.md warned that on the PVM host an exception raised while an instruction
is emulated might end the VM instead; these tests pin down what each host
does, as vmm/core/expect.def predicts from its facts, and the contrast with no IDT
(triple fault).
"""
import re

import pytest

from conftest import XC, run_kvmlab

VEC_DE, VEC_UD, VEC_GP, VEC_PF = 0, 6, 13, 14

# payload -> (vector, error code, CR2 or None) when the exception is delivered.
DELIVERED = {
    "cpu/exc-ud": (VEC_UD, 0, None),
    "cpu/exc-gp": (VEC_GP, 0, None),               # non-canonical load: #GP(0)
    "cpu/exc-pf": (VEC_PF, 2, 0x100000000),        # write, not present, supervisor
    "cpu/exc-de": (VEC_DE, 0, None),
}

# What the host does with these four at CPL 0: expect.def "exception" (VT-x and
# SVM deliver them architecturally; KVM's emulator injects them where ring 0 is
# emulated).


@pytest.mark.parametrize("name", sorted(DELIVERED))
def test_exception_is_delivered_to_the_guest_handler(run, expect, name):
    vector, error, cr2 = DELIVERED[name]
    row = expect("exception", name)
    assert row.value == "delivered", row.why         # the only prediction written so far
    r = run(name)
    assert r.code == XC["OK"], r.doc["result"]
    assert r.end == "hlt"
    # Not one exit told kvmlab about the exception: only reports and the final hlt.
    assert set(r.doc["exits"]["by_reason"]) == {"IO", "HLT"}
    assert [p["port"] for p in r.doc["exits"]["ports"]] == [0xF0]
    assert r.report("exc.vector")["value"] == vector
    assert r.report("exc.error")["value"] == error
    assert r.report("exc.cpl")["value"] == 0
    # A fault reports the faulting instruction: the handler resumed elsewhere.
    assert r.report("exc.rip")["value"] == r.report("fault.rip")["value"]
    assert r.report("resumed")["value"] == vector
    if cr2 is None:
        assert not [x for x in r.reports() if x["name"] == "exc.cr2"]
    else:
        assert r.report("exc.cr2")["value"] == cr2


def test_without_an_idt_the_same_fault_is_a_triple_fault(run):
    """ud2-long has no IDT: #UD -> #GP -> #DF cannot be delivered -> shutdown."""
    r = run("ud2-long")
    assert r.code == XC["GUEST_CRASH"]
    assert r.end == "shutdown"
    assert r.exits("SHUTDOWN") == 1
    assert r.doc["result"]["instruction"] == "ud2"


def test_an_exception_nobody_expected_fails_the_run(run):
    """IDT installed but no IDT_TRY armed: the handler reports and fails."""
    r = run("cpu/exc-unexpected")
    assert r.code == XC["GUEST_FAIL"]
    assert r.end == "check_failed"
    fail = r.reports("fail")
    assert [(f["name"], f["value"]) for f in fail] == [("exc.unexpected", VEC_UD)]
    assert r.report("exc.vector")["value"] == VEC_UD


# Faults from ring 3 (through the TSS's RSP0) and int n, from the catalogue's
# probe payload: the outcome the catalogue's expectations give (test_cpu_sensitive,
# expect.def).  int 0x80 hits an empty gate: #GP(0x402) architecturally (IDT
# entry 0x80, IDT bit set: error = 0x80 * 8 + 2).
VECTORS = {"#GP": VEC_GP, "#UD": VEC_UD}
ENDS = {"internal-error": "internal_error", "shutdown": "shutdown", "hang": "timeout"}


def predicted_fault(expect, name, cpl):
    """(vector, error) or the run's end, from the catalogue outcome "#GP(0x402)", "#UD", ..."""
    from test_cpu_sensitive import expected
    outcome, _ = expected(expect, name, cpl)
    if outcome in ENDS:
        return ENDS[outcome]
    m = re.fullmatch(r"(#\w+)(?:\((0x[0-9a-f]+|\d+)\))?", outcome)
    return (VECTORS[m.group(1)], int(m.group(2) or "0", 0))


def probe_id(name, cpl):
    """The catalogue's probe number for (instruction, CPL): `kvmlab sensitive` knows it."""
    r = run_kvmlab("sensitive", "--only", name, "--json", json_out=True)
    assert r.code == XC["OK"], r.err
    return [p["id"] for p in r.doc["probes"] if p["instruction"] == name and p["cpl"] == cpl][0]


def probe_fault(r):
    if r.end != "exit_port":
        return r.end
    return (r.report("exc.vector")["value"], r.report("exc.error")["value"])


def test_a_fault_from_ring_3_is_delivered_with_cpl_3(run, expect):
    r = run("cpu/probe", "--arg", probe_id("hlt", 3))
    assert r.reports("msg")[0]["name"] == "hlt"
    assert probe_fault(r) == predicted_fault(expect, "hlt", 3) == (VEC_GP, 0)
    assert r.report("exc.cpl")["value"] == 3
    assert r.code == XC["OK"]


@pytest.mark.parametrize("cpl", [0, 3])
def test_int_n_through_an_empty_gate(run, expect, cpl):
    r = run("cpu/probe", "--arg", probe_id("int 0x80", cpl), "--timeout", 2)
    assert r.reports("msg")[0]["name"] == "int 0x80"
    want = predicted_fault(expect, "int 0x80", cpl)
    assert probe_fault(r) == want
    if want == "internal_error":
        assert r.code == XC["GUEST_CRASH"]
        assert "emulation failure" in r.doc["result"]["detail"]
        assert r.doc["result"]["instruction"] == "int 0x80"
