"""Guests that crash or never finish: triple faults, an endless loop and a
hypercall nobody answers (issue 2, parts 6 and 7).

Where hosts legitimately differ the expectation comes from vmm/core/expect.def
(areas "triple-fault" and "hypercall"), decided by the host's facts.
"""
import pytest

from conftest import XC, payload, run_kvmlab
from test_core_run import guest_rip, unique_offset

UD2 = b"\x0f\x0b"
JMP_SELF = b"\xeb\xfe"          # jmp $
VMCALL = b"\x0f\x01\xc1"


# ---- triple faults ----------------------------------------------------------

# With IDTR.limit = 0 the #UD cannot be delivered, nor the #GP/#DF after it:
# the CPU shuts down (SDM vol. 3A 6.15) and KVM reports KVM_EXIT_SHUTDOWN
# (expect.def "triple-fault"; a host whose emulator ends it otherwise has a row).

CRASHERS = {
    # payload: (console, CPU mode at the crash)
    "triple-fault": ("about to triple fault\n", "protected"),
    "ud2-long": ("ud2 next\n", "long"),
}


@pytest.mark.parametrize("name", CRASHERS)
def test_crash_ends_as_shutdown(run, expect, name):
    r = run(name)
    row = expect("triple-fault", name)
    assert r.end == row.value, row.why
    assert r.code == XC["GUEST_CRASH"]
    assert "triple fault" in r.doc["result"]["detail"]


@pytest.mark.parametrize("name", CRASHERS)
def test_crash_console_output_before_the_fault_is_kept(run, name):
    r = run(name)
    assert r.console == CRASHERS[name][0]
    assert r.exits("IO") == len(CRASHERS[name][0])


@pytest.mark.parametrize("name", CRASHERS)
def test_crash_counts_one_shutdown_exit(run, expect, name):
    assert expect.value("triple-fault", name) == "shutdown"
    r = run(name)
    assert r.exits("SHUTDOWN") == 1
    assert r.doc["exits"]["total"] == len(CRASHERS[name][0]) + 1


@pytest.mark.parametrize("name", CRASHERS)
def test_crash_points_at_the_ud2(run, expect, name):
    assert expect.value("triple-fault", name) == "shutdown"
    r = run(name)
    assert r.doc["result"]["rip"] == guest_rip(name, unique_offset(name, UD2))
    assert r.doc["result"]["instruction"] == "ud2"
    assert r.doc["registers"]["mode"] == CRASHERS[name][1]


def test_crash_human_output_names_rip_and_instruction(kvm):
    r = run_kvmlab("run", payload("ud2-long"))
    assert r.code == XC["GUEST_CRASH"]
    ended = [line for line in r.out.splitlines() if line.startswith("ended:")]
    assert len(ended) == 1 and "shutdown" in ended[0]
    rip = guest_rip("ud2-long", unique_offset("ud2-long", UD2))
    assert f"at RIP {rip:#x}: ud2" in r.out


def test_ud2_in_real_mode_per_host(run, expect):
    """Real mode has an IVT (all zero here), so #UD is not a triple fault; where ring 0
    is emulated the host ends the run at the ud2 instead (expect.def "triple-fault")."""
    row = expect("triple-fault", "ud2-real")
    r = run("ud2-real", "--timeout", "0.5")
    assert r.console == "ud2 next\n"
    ud2 = guest_rip("ud2-real", unique_offset("ud2-real", UD2))
    if row.value == "internal-error":
        assert (r.end, r.code) == ("internal_error", XC["GUEST_CRASH"]), row.why
        assert r.doc["result"]["rip"] == ud2 and r.doc["result"]["instruction"] == "ud2"
    else:
        assert row.value == "ivt"
        assert r.end != "shutdown" and r.doc["result"]["rip"] != ud2, row.why


# ---- the watchdog: an endless loop ------------------------------------------

@pytest.fixture(scope="module")
def loop_forever(kvm):
    """loop-forever with --timeout 0.5, run once for all the tests below."""
    return run_kvmlab("run", payload("loop-forever"), "--json", "--timeout", "0.5", json_out=True)


def test_loop_forever_times_out(loop_forever):
    assert loop_forever.end == "timeout"
    assert loop_forever.code == XC["TIMEOUT"]
    assert loop_forever.doc["result"]["exit_code"] == XC["TIMEOUT"]


def test_loop_forever_console_is_preserved(loop_forever):
    assert loop_forever.console == "looping\n"
    assert loop_forever.exits("IO") == 8
    assert loop_forever.doc["exits"]["total"] == 8      # jmp $ never exits


def test_loop_forever_rip_is_on_the_loop(loop_forever):
    # The vCPU was stopped inside the payload, on its `jmp $`.
    rip = guest_rip("loop-forever", unique_offset("loop-forever", JMP_SELF))
    assert loop_forever.doc["result"]["rip"] == rip
    assert loop_forever.doc["result"]["instruction"] == f"jmp {rip:#x}"


def test_loop_forever_watchdog_interrupts_kvm_run(loop_forever):
    ex = loop_forever.doc["exits"]
    # The watchdog's signal makes KVM_RUN return EINTR: a call with no exit.
    assert ex["eintr"] >= 1
    assert ex["kvm_run_calls"] == ex["total"] + ex["eintr"]
    assert loop_forever.doc["config"]["timeout"] == 0.5
    # The timer cannot fire early.  It is armed just before the run's clock
    # starts (two stats reads in between), hence a little slack below 0.5 s.
    assert loop_forever.doc["result"]["wall_seconds"] >= 0.45


# ---- vmcall: handled by KVM, or never returning -----------------------------

# RAX = 0 is no KVM hypercall: KVM writes -KVM_ENOSYS (-1000) to RAX and
# resumes the guest without an exit to kvmlab (Documentation/virt/kvm/x86/
# hypercalls.rst); on AMD the Intel `vmcall` #UDs and KVM patches it to
# vmmcall, same result.  Where KVM_RUN never returns (expect.def "hypercall",
# a host-bug row), the watchdog ends the run on the vmcall.
ENOSYS_RAX = (1 << 64) - 1000
VMCALL_EXPECT = {
    "hang": dict(end="timeout", code=XC["TIMEOUT"], console="vmcall next\n",
                 instruction="vmcall", at_vmcall=True),
    "returns": dict(end="hlt", code=XC["OK"], console="vmcall next\nafter vmcall\n",
                    instruction=None, at_vmcall=False, rax=ENOSYS_RAX),
}


def vmcall_expected(expect):
    return VMCALL_EXPECT[expect.value("hypercall", "cpl0")]


@pytest.fixture(scope="module")
def vmcall(kvm):
    return run_kvmlab("run", payload("vmcall"), "--json", "--timeout", "0.5", json_out=True)


def test_vmcall_ends_per_host(vmcall, expect):
    want = vmcall_expected(expect)
    assert vmcall.end == want["end"]
    assert vmcall.code == want["code"]
    assert vmcall.console == want["console"]
    assert vmcall.doc["result"]["instruction"] == want["instruction"]


def test_vmcall_never_exits_to_kvmlab(vmcall, expect):
    want = vmcall_expected(expect)
    # Only console bytes (and a final hlt where the guest gets that far).
    reasons = {k: v["count"] for k, v in vmcall.doc["exits"]["by_reason"].items()}
    assert reasons == ({"IO": len(want["console"])} if want["end"] == "timeout"
                       else {"IO": len(want["console"]), "HLT": 1})


def test_vmcall_rip_or_result(vmcall, expect):
    want = vmcall_expected(expect)
    if want["at_vmcall"]:
        # RIP never moves past the vmcall.
        assert vmcall.doc["result"]["rip"] == guest_rip("vmcall", unique_offset("vmcall", VMCALL))
    else:
        assert vmcall.doc["registers"]["rax"] == want["rax"]
