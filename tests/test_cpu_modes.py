"""Mode transitions done by the guest: payloads/cpu/real-to-long.asm.

The payload starts in real mode, as a vCPU does after reset, and climbs to
64-bit long mode itself (SDM vol. 3A 10.8), reporting CR0, CR4 and EFER at
each of six stages.  The values are architectural: what the payload wrote.
"""
import pytest

from conftest import XC

CR0_PE, CR0_PG = 1 << 0, 1 << 31
CR4_PAE = 1 << 5
EFER_LME, EFER_LMA = 1 << 8, 1 << 10
CR0_ET = 1 << 4                 # kvmlab's real-mode CR0 (vmm/core/modes.c) is ET only

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


# ---- labs/real-to-long.md: every claim of "What you should see" ----

from cpu_lab import lab_command, lab_commands  # noqa: E402

LAB = "real-to-long.md"


# A trace line: "%6u %-13s %04x:%-8x %#9x  %-24s " then the instruction (vmm/measure/trace.c).
INSN_COLUMN = 71


def trace_lines(out):
    """(mode, instruction, annotations) of each step line of a text trace."""
    steps = []
    for line in out.splitlines():
        if line[:6].strip().isdigit():
            insn, _, rest = line[INSN_COLUMN:].partition("  ")
            steps.append((line.split()[1], insn, rest))
    return steps


def lab_run(kvm, cmd):
    assert (cmd, 0) in lab_commands(LAB), f"labs/{LAB} no longer runs `{cmd}`"
    r = lab_command(cmd)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_lab_run_shows_six_stages_and_only_io_and_hlt_exits(kvm):
    out = lab_run(kvm, "build/kvmlab run cpu/real-to-long")
    assert out.startswith("stage 1: real mode\n")
    assert "stage 6: 64-bit long mode\n" in out
    assert "exits:    174 to kvmlab  IO 173  HLT 1\n" in out
    assert "port 0x00e9 out 1-byte: 155 exits (console)" in out
    assert "port 0x00f0 out 4-byte: 18 exits (report)" in out
    for line in ["1.cr0 = 16 (0x10)", "2.cr0 = 17 (0x11)", "5.cr0 = 2147483665 (0x80000011)",
                 "3.cr4 = 32 (0x20)", "4.efer = 256 (0x100)", "5.efer = 1280 (0x500)"]:
        assert f"report:   value {line}\n" in out
    assert "result:   exit code 0 (ok)" in out


def test_lab_trace_short(kvm, require_cap, expect):
    require_cap("SET_GUEST_DEBUG")
    out = lab_run(kvm, "build/kvmlab trace cpu/trace-short --regs")
    steps = trace_lines(out)
    assert [s[1] for s in steps] == ["mov eax, 6", "mov ecx, 7", "imul eax, ecx", "out 0xe9, al",
                                     "xor eax, eax", "hlt"]
    assert steps[2][2] == "-> rax=0x2a"
    assert steps[3][2] == '; exit IO console "*"'
    # Under emulated ring 0 the step after the `out` that exits to user space is lost
    # (expect.def "single-step"): 6 instructions, 5 debug exits.
    if expect.value("single-step", "lost-step-after-exit") == "lost":
        assert "6 instructions traced, 5 debug exits" in out


def test_lab_full_trace_modes_and_count(kvm, require_cap, expect):
    require_cap("SET_GUEST_DEBUG")
    lab_run(kvm, "build/kvmlab trace cpu/real-to-long > build/real-to-long.trace")
    grep = lab_run(kvm, 'grep -E "lgdt|mov cr|wrmsr|ljmp|rep stosd" build/real-to-long.trace')
    picked = [(mode, insn) for mode, insn, _ in trace_lines(grep)]
    system = [p for p in picked if not p[1].startswith("rep stosd")]
    assert system == [("real", "lgdt cs:[0x5a0]"), ("real", "mov cr0, eax"),
                      ("protected", "ljmp 8:0x1016a"), ("protected", "mov cr3, eax"),
                      ("protected", "mov cr4, eax"), ("protected", "wrmsr"),
                      ("protected", "mov cr0, eax"), ("compatibility", "ljmp 0x18:0x104b9")]
    tail = lab_run(kvm, 'grep "instructions traced" build/real-to-long.trace')
    run = lab_command("build/kvmlab run cpu/real-to-long --json")
    import json
    emulated = json.loads(run.stdout)["kvm_stats"]["vcpu"]["insn_emulation"]
    if expect.value("insn-emulation", "real-to-long") == "instructions":
        assert "723 instructions traced" in tail
        assert emulated == 723                          # every instruction emulated once
    steps = expect.value("single-step", "rep-stosd-steps")
    if steps != "unknown":
        assert sum(1 for p in picked if p[1].startswith("rep stosd")) == int(steps)


def test_lab_start_stop_window(kvm, require_cap):
    require_cap("SET_GUEST_DEBUG")
    out = lab_run(kvm, "build/kvmlab trace cpu/real-to-long --start 0x10152 --stop 0x10162")
    steps = [insn for _, insn, _ in trace_lines(out)]
    assert steps == ["lgdt cs:[0x5a0]", "mov eax, cr0", "or eax, 1", "mov cr0, eax"]
    assert "stage 6: 64-bit long mode" in out


def test_lab_breakpoints_on_the_cr0_writes(kvm, require_cap):
    require_cap("SET_GUEST_DEBUG")
    out = lab_run(kvm, "build/kvmlab trace cpu/real-to-long --break 0x1015f --break 0x103eb")
    assert "-- break 0 at 0x1015f (DR0), hit 1: mov cr0, eax\n    rax=0x11 " in out
    assert "-- break 1 at 0x103eb (DR1), hit 1: mov cr0, eax\n    rax=0x80000011 " in out
    assert "hit 2" not in out
