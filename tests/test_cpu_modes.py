"""Mode transitions done by the guest: payloads/cpu/real-to-long.asm.

The payload starts in real mode, as a vCPU does after reset, and climbs to
64-bit long mode itself (SDM vol. 3A 9.8), reporting CR0, CR4 and EFER at
each of six stages.  The values are architectural: what the payload wrote.
"""
import pytest

from conftest import XC

CR0_PE, CR0_PG = 1 << 0, 1 << 31
CR4_PAE = 1 << 5
EFER_LME, EFER_LMA = 1 << 8, 1 << 10
CR0_ET = 1 << 4                 # kvmlab's real-mode CR0 (vmm/modes.c) is ET only

# stage -> (CR0, CR4, EFER) the guest reads back
STAGES = {
    1: (CR0_ET, 0, 0),                                                  # real mode
    2: (CR0_ET | CR0_PE, 0, 0),                                         # protected
    3: (CR0_ET | CR0_PE, CR4_PAE, 0),                                   # PAE, CR3
    4: (CR0_ET | CR0_PE, CR4_PAE, EFER_LME),                            # LME, not active
    5: (CR0_ET | CR0_PE | CR0_PG, CR4_PAE, EFER_LME | EFER_LMA),        # compatibility
    6: (CR0_ET | CR0_PE | CR0_PG, CR4_PAE, EFER_LME | EFER_LMA),        # 64-bit
}


@pytest.fixture
def climb(run):
    r = run("cpu/real-to-long")
    assert r.code == XC["OK"], r.err
    return r


def test_the_guest_reaches_long_mode_itself(climb):
    assert climb.end == "hlt"
    regs = climb.doc["registers"]
    assert regs["mode"] == "long"
    assert regs["cs"] == 0x18                                   # the payload's own 64-bit selector
    assert regs["cr0"] & (CR0_PE | CR0_PG) == CR0_PE | CR0_PG
    assert regs["efer"] & (EFER_LME | EFER_LMA) == EFER_LME | EFER_LMA
    assert regs["cr3"] == 0x30000                               # its own page tables


def test_the_payload_starts_in_real_mode(climb):
    assert climb.doc["payload"]["mode"] == "real"


def test_each_stage_prints_a_line(climb):
    assert climb.console.splitlines() == [
        "stage 1: real mode",
        "stage 2: protected mode",
        "stage 3: PAE on, CR3 set",
        "stage 4: EFER.LME set",
        "stage 5: paging on, compatibility mode",
        "stage 6: 64-bit long mode",
    ]


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_control_registers_at_each_stage(climb, stage):
    cr0, cr4, efer = STAGES[stage]
    assert climb.report(f"{stage}.cr0")["value"] == cr0
    assert climb.report(f"{stage}.cr4")["value"] == cr4
    assert climb.report(f"{stage}.efer")["value"] == efer


def test_mode_switching_instructions_never_reach_kvmlab(climb):
    """mov to CR0/CR3/CR4, lgdt, wrmsr EFER and far jumps are handled by KVM:
    the only exits kvmlab sees are the console bytes, the 18 reports and hlt."""
    assert set(climb.doc["exits"]["by_reason"]) == {"IO", "HLT"}
    assert climb.exits("IO") == climb.doc["console"]["bytes"] + 18
    assert climb.exits("HLT") == 1
