"""The core payloads, as a specification: guest does X -> kvmlab reports
exits Y, value Z, end E, exit code C (issue 2, parts 5, 7, 9, 10).

Each payload's own comment block states what the VMM should observe; the
tests below assert exactly that, through `kvmlab run --json`.
"""
import os
import struct

import pytest

from conftest import PAYLOADS, XC, payload, run_kvmlab

# struct payload_hdr (vmm/abi.h): the tests compute expected addresses from it.
HDR = struct.Struct("<IHHB3sIIIII32s")


def image(name):
    """(header dict, file bytes) of a built payload."""
    data = open(payload(name), "rb").read()
    (magic, abi, hdr_size, mode, _res, flags, load, entry, min_kib, desc,
     pname) = HDR.unpack_from(data)
    return dict(mode=mode, load=load, entry=entry, min_kib=min_kib,
                name=pname.rstrip(b"\0").decode()), data


def guest_rip(name, offset):
    """RIP of the byte at file offset `offset`: real-mode payloads run at
    CS = load >> 4 with org 0, the others at org load_addr (guest-abi.md)."""
    hdr, _ = image(name)
    return offset if hdr["mode"] == 1 else hdr["load"] + offset


def unique_offset(name, insn):
    _, data = image(name)
    assert data.count(insn) == 1, f"{insn.hex()} must occur once in {name}"
    return data.index(insn)


# ---- hello-real / hello-prot / hello-long ----------------------------------

HELLO = {
    "hello-real": ("Hello from real mode!\n", "real"),
    "hello-prot": ("Hello from protected mode!\n", "protected"),
    "hello-long": ("Hello from long mode!\n", "long"),
}


@pytest.mark.parametrize("name", HELLO)
def test_hello_prints_its_greeting_exactly(run, name):
    r = run(name)
    assert r.console == HELLO[name][0]
    assert r.doc["console"]["bytes"] == len(HELLO[name][0])
    assert r.doc["console"]["truncated"] is False


@pytest.mark.parametrize("name", HELLO)
def test_hello_costs_one_io_exit_per_byte_and_one_hlt(run, name):
    r = run(name)
    n = len(HELLO[name][0])
    assert {k: v["count"] for k, v in r.doc["exits"]["by_reason"].items()} == {"IO": n, "HLT": 1}
    assert r.doc["exits"]["total"] == n + 1
    # No signal interrupted the run: one KVM_RUN per exit.
    assert r.doc["exits"]["kvm_run_calls"] == n + 1
    assert r.doc["exits"]["eintr"] == 0


@pytest.mark.parametrize("name", HELLO)
def test_hello_uses_only_port_e9_out_byte(run, name):
    r = run(name)
    n = len(HELLO[name][0])
    assert r.doc["exits"]["ports"] == [{
        "port": 0xE9, "port_hex": "0xe9", "dir": "out", "size": 1, "exits": n,
        "elements": n, "claimed": True, "device": "console"}]
    assert r.doc["exits"]["mmio"] == []
    assert r.doc["reports"] == []


@pytest.mark.parametrize("name", HELLO)
def test_hello_ends_with_hlt_and_exit_code_0(run, name):
    r = run(name)
    assert r.end == "hlt"
    assert r.code == XC["OK"]
    assert r.doc["result"]["exit_code"] == XC["OK"]
    assert r.doc["result"]["exit_status"] is None
    assert r.doc["result"]["instruction"] is None      # only abnormal ends disassemble
    assert r.err == ""


@pytest.mark.parametrize("name", HELLO)
def test_hello_runs_in_its_cpu_mode(run, name):
    r = run(name)
    mode = HELLO[name][1]
    assert r.doc["payload"]["mode"] == mode
    assert r.doc["payload"]["name"] == name
    assert r.doc["registers"]["mode"] == mode


@pytest.mark.parametrize("name", HELLO)
def test_hello_stops_just_after_its_hlt(run, name):
    # hlt is the payload's last byte; RIP points past it when KVM exits.
    hdr, data = image(name)
    assert data[-1] == 0xF4
    r = run(name)
    assert r.doc["result"]["rip"] == guest_rip(name, len(data))
    assert r.doc["result"]["linear_rip"] == hdr["load"] + len(data)
    assert r.doc["registers"]["rip"] == guest_rip(name, len(data))


def test_real_mode_segments_are_the_load_address(run):
    # guest-abi.md: CS = DS = SS = load_addr >> 4, SP = 0xFFF0, CR0.PE = 0.
    r = run("hello-real")
    regs = r.doc["registers"]
    assert (regs["cs"], regs["ds"], regs["ss"]) == (0x1000, 0x1000, 0x1000)
    assert regs["cs_base"] == 0x10000
    assert regs["rsp"] == 0xFFF0
    assert regs["cr0"] & 1 == 0


def test_protected_mode_flat_segments_no_paging(run):
    r = run("hello-prot")
    regs = r.doc["registers"]
    assert (regs["cs"], regs["ds"], regs["ss"]) == (0x08, 0x10, 0x10)
    assert regs["cr0"] & 1 == 1                       # PE
    assert regs["cr0"] & (1 << 31) == 0               # PG off
    assert regs["rsp"] == 0x10000


def test_long_mode_paging_and_efer(run):
    r = run("hello-long")
    regs = r.doc["registers"]
    assert regs["cs"] == 0x18
    assert regs["cr0"] & (1 << 31) and regs["cr0"] & 1   # PG, PE
    assert regs["cr4"] & (1 << 5)                         # PAE
    assert regs["efer"] & 0x500 == 0x500                  # LME | LMA
    assert regs["cr3"] == 0x3000
    assert regs["rsp"] == 0x10000


@pytest.mark.parametrize("name", HELLO)
def test_hello_human_output(kvm, name):
    r = run_kvmlab("run", payload(name))
    assert r.code == XC["OK"]
    assert r.out.startswith(HELLO[name][0])              # the console, echoed as it arrives
    ended = [line for line in r.out.splitlines() if line.startswith("ended:")]
    assert len(ended) == 1 and "hlt" in ended[0]
    assert "exit code 0" in r.out


def test_quiet_prints_only_the_console(kvm):
    r = run_kvmlab("run", payload("hello-long"), "--quiet")
    assert r.code == XC["OK"]
    assert r.out == "Hello from long mode!\n"


def test_catalogue_name_runs_like_a_path(run):
    # `kvmlab run hello-long` finds build/payloads/hello-long.bin.
    r = run_kvmlab("run", "hello-long", "--json", json_out=True)
    assert r.code == XC["OK"]
    assert r.doc["payload"]["path"] == os.path.join(PAYLOADS, "hello-long.bin")
    assert r.console == "Hello from long mode!\n"


# ---- the report channel ---------------------------------------------------

def test_report_sends_three_reports_in_order(run):
    r = run("report")
    assert [(e["kind"], e["name"], e["value"]) for e in r.reports()] == [
        ("value", "answer", 42),
        ("pass", "two-plus-two", 4),
        ("msg", "reports work", 0),
    ]


def test_report_records_where_each_report_was_sent(run):
    hdr, data = image("report")
    r = run("report")
    rips = [e["rip"] for e in r.reports()]
    assert all(hdr["load"] <= rip < hdr["load"] + len(data) for rip in rips)
    assert rips == sorted(rips) and len(set(rips)) == 3


def test_report_costs_one_exit_per_report_and_one_for_the_exit_port(run):
    r = run("report")
    assert {k: v["count"] for k, v in r.doc["exits"]["by_reason"].items()} == {"IO": 4}
    assert [(p["port"], p["dir"], p["size"], p["exits"], p["device"])
            for p in r.doc["exits"]["ports"]] == [
        (0xF0, "out", 4, 3, "report"), (0xF4, "out", 4, 1, "exit")]


def test_report_ends_through_the_exit_port_with_status_0(run):
    r = run("report")
    assert r.end == "exit_port"
    assert r.doc["result"]["exit_status"] == 0
    assert r.code == XC["OK"]
    assert r.console == ""


def test_report_fail_ends_as_check_failed(run):
    r = run("report-fail")
    assert r.end == "check_failed"
    assert r.code == XC["GUEST_FAIL"]
    assert [(e["kind"], e["name"], e["value"]) for e in r.reports()] == [("fail", "expected-7", 6)]
    assert "expected-7" in r.doc["result"]["detail"]
    assert r.exits("IO") == 1 and r.doc["exits"]["total"] == 1
    assert r.doc["result"]["exit_status"] is None


def test_exit_status_3_is_a_guest_failure(run):
    r = run("exit-status")
    assert r.console == "exiting with 3\n"
    assert r.end == "exit_port"
    assert r.doc["result"]["exit_status"] == 3
    assert r.code == XC["GUEST_FAIL"]
    assert r.port(0xE9, "out")[0]["exits"] == 15
    assert [(p["exits"], p["size"]) for p in r.port(0xF4, "out")] == [(1, 4)]
    assert r.doc["exits"]["total"] == 16          # the hlt after the OUT is never reached


# ---- --max-exits ------------------------------------------------------------

def test_max_exits_stops_after_exactly_n_exits(run):
    r = run("hello-long", "--max-exits", "5")
    assert r.end == "exit_limit"
    assert r.code == XC["EXIT_LIMIT"]
    assert r.doc["exits"]["total"] == 5
    assert r.exits("IO") == 5 and r.exits("HLT") == 0
    assert r.console == "Hello"
    assert r.doc["config"]["max_exits"] == 5


def test_max_exits_above_the_need_changes_nothing(run):
    r = run("hello-long", "--max-exits", "23")       # 22 bytes + hlt
    assert r.end == "hlt" and r.code == XC["OK"]
    assert r.doc["exits"]["total"] == 23


def test_max_exits_one_short_stops_before_the_hlt(run):
    r = run("hello-long", "--max-exits", "22")
    assert r.end == "exit_limit" and r.code == XC["EXIT_LIMIT"]
    assert r.console == "Hello from long mode!\n"


# ---- --verbose --------------------------------------------------------------

def test_verbose_logs_the_ioctl_sequence_in_order(kvm):
    r = run_kvmlab("run", payload("hello-long"), "--verbose", "--quiet")
    assert r.code == XC["OK"]
    steps = ["KVM_CREATE_VM", "KVM_SET_USER_MEMORY_REGION", "KVM_CREATE_VCPU", "KVM_SET_SREGS"]
    where = [r.err.find(s) for s in steps]
    assert all(w >= 0 for w in where), r.err
    assert where == sorted(where), r.err
    assert all(line.startswith("kvmlab: ") for line in r.err.splitlines())
    assert r.out == "Hello from long mode!\n"        # the log goes to stderr only


def test_without_verbose_nothing_is_logged(run):
    assert run("hello-long").err == ""


# ---- --mem ------------------------------------------------------------------

def test_mem_is_reported_in_config(run):
    assert run("hello-long").doc["config"]["mem"] == 4 << 20     # default 4 MiB
    assert run("hello-long", "--mem", "256K").doc["config"]["mem"] == 256 << 10
    assert run("hello-long", "--mem", "1G").doc["config"]["mem"] == 1 << 30


def test_an_exit_limit_end_names_no_instruction(run):
    """--max-exits is the user's bound, not a stuck guest: the report names the exit
    it stopped at and does not disassemble (which would load libcapstone)."""
    r = run("hello-prot", "--max-exits", "3")
    assert r.end == "exit_limit"
    assert r.doc["result"]["instruction"] is None
    assert r.doc["exits"]["total"] == 3
