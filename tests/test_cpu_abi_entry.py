"""The entry state docs/guest-abi.md promises, checked against what the guest sees.

A payload author following the ABI alone must not be surprised: IDTR limit
0 in protected and long mode (so page 0 is no IDT), the CR0/CR4/EFER values
the table lists, and GDTR/IDTR in the JSON registers.
"""
import pytest

from conftest import XC, run_kvmlab
from test_hostile_inputs import header

# docs/guest-abi.md "Register state at entry"; SDM Vol. 3A 2.5 (CR0, CR4), 2.2.1 (EFER).
CR0_PE, CR0_MP, CR0_ET, CR0_NE, CR0_WP, CR0_PG = 1, 2, 0x10, 0x20, 1 << 16, 1 << 31
CR4_PAE, CR4_OSFXSR, CR4_OSXMMEXCPT = 1 << 5, 1 << 9, 1 << 10
EFER_LME, EFER_LMA = 1 << 8, 1 << 10
ENTRY = {
    # payload: (cr0, cr4, efer, idtr, gdtr)
    "hello-real": (CR0_ET, 0, 0, (0, 0xFFFF), (0, 0xFFFF)),    # reset tables (SDM Vol. 3A Table 10-1)
    "hello-prot": (CR0_PE | CR0_ET, 0, 0, (0, 0), (0x1000, 31)),
    "hello-long": (CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG,
                   CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT, EFER_LME | EFER_LMA, (0, 0), (0x1000, 31)),
}


@pytest.mark.parametrize("name", ENTRY)
def test_entry_control_registers_and_tables(run, name):
    cr0, cr4, efer, idtr, gdtr = ENTRY[name]
    r = run(name)
    assert r.code == XC["OK"], r.err
    regs = r.doc["registers"]
    assert (regs["cr0"], regs["cr4"], regs["efer"]) == (cr0, cr4, efer)    # hello-* change none
    if idtr is not None:
        assert (regs["idtr"]["base"], regs["idtr"]["limit"]) == idtr
        assert (regs["gdtr"]["base"], regs["gdtr"]["limit"]) == gdtr


def test_a_gate_at_gpa_0_is_not_an_idt(run):
    """IDTR limit 0 covers no gate: the #UD is not delivered through page 0."""
    r = run("cpu/idt-at-zero")
    assert r.reports() == [], "the handler at GPA 0 ran: page 0 was the live IDT"
    assert r.code == XC["GUEST_CRASH"] and r.end != "hlt"
    assert r.doc["result"]["instruction"] == "ud2"


def test_vcpus_1_runs_what_runs_without_vcpus(tmp_path, kvm):
    """--vcpus 1 adds no stack (vCPU 0's is the usual one): a real-mode payload
    that fills its segment up to vCPU 0's stack runs with it as without it."""
    path = tmp_path / "big-real.bin"
    path.write_bytes((header(mode=1) + b"\xf4").ljust(0xFF00, b"\0"))      # hlt, then padding
    plain = run_kvmlab("run", str(path), "--json", json_out=True)
    one = run_kvmlab("run", str(path), "--vcpus", "1", "--json", json_out=True)
    assert plain.code == XC["OK"], plain.err
    assert one.code == XC["OK"], one.err
    assert (one.code, one.end) == (plain.code, plain.end) == (XC["OK"], "hlt"), one.err
    two = run_kvmlab("run", str(path), "--vcpus", "2")
    assert two.code == XC["PAYLOAD_SIZE"] and "overlaps the stacks of 2 real-mode vCPUs" in two.err


def test_exit_status_of_a_vcpu_other_than_0_is_in_the_json(run):
    r = run("cpu/smp-exit-last", "--vcpus", "3", "--timeout", "20")
    assert r.code == XC["GUEST_FAIL"], r.err
    assert [v["end"] for v in r.doc["vcpus"]] == ["stopped", "stopped", "exit_port"]
    assert [v["exit_status"] for v in r.doc["vcpus"]] == [None, None, 0x42]


def test_config_timeout_is_a_float(run):
    """docs/json-schema.md: config.timeout is a float, also when it is whole."""
    r = run("hello-long", "--timeout", "10")
    assert isinstance(r.doc["config"]["timeout"], float) and r.doc["config"]["timeout"] == 10.0
