"""labs/capstone.md: the worked example's predicted exits, checked exactly.

The prediction is written once in the payload's header comment and the lab's
table; this test is that table.  The payload is assembled by hand with the
lab's own nasm command, as a student does.
"""
import os

import pytest

import labtools as L

LAB = "capstone"

# The lab's filled-in table: (port, dir, size) -> exits.
PORTS = {(0xF0, "out", 4): 2, (0xE9, "out", 1): 3, (0xE9, "in", 1): 1, (0xF4, "out", 4): 1}
MMIO_STORE = 0x400000                   # first byte past the default 4 MiB of RAM


@pytest.fixture(scope="module")
def binary():
    cmd, code = L.lab_command(LAB, "nasm -f bin -I payloads/lib/ -o build/capstone-example.bin")
    r = L.run_command(cmd)
    assert r.returncode == code, r.stderr
    path = os.path.join(L.ROOT, L.BUILD_DIR, "capstone-example.bin")
    assert os.path.exists(path)
    return path


def ports(r):
    return {(p["port"], p["dir"], p["size"]): p["exits"] for p in r.doc["exits"]["ports"]}


# Instructions the capstone example executes to its exit-port write (PVM's
# insn_emulation counts each once: expect.def "insn-emulation").
CAPSTONE_INSTRUCTIONS = 243


def insn_emulation(expect, case):
    v = expect.value("insn-emulation", case)
    return CAPSTONE_INSTRUCTIONS if v == "instructions" else int(v)


def test_predicted_exits_with_default_ram(run, binary, expect):
    r = run(binary)
    assert r.code == 0 and r.end == "exit_port"
    assert r.doc["result"]["exit_status"] == 0
    assert r.doc["exits"]["total"] == 8
    assert r.exits("IO") == 7 and r.exits("MMIO") == 1 and r.exits("HLT") == 0
    assert ports(r) == PORTS
    assert [(m["gpa"], m["dir"], m["size"], m["exits"], m["claimed"])
            for m in r.doc["exits"]["mmio"]] == [(MMIO_STORE, "write", 4, 1, False)]
    assert r.console == "ok\n"
    assert r.report("sum-1-to-100")["value"] == 5050
    assert r.report("console-readback")["value"] == 0xE9
    # Emulated ring 0: all 243 instructions; VMX/SVM decode only the MMIO store.
    assert r.vcpu_stat("insn_emulation") == insn_emulation(expect, "capstone-default")


def test_more_ram_turns_the_mmio_exit_into_a_plain_store(run, binary, expect):
    r = run(binary, "--mem", "8M")
    assert r.code == 0 and r.end == "exit_port"
    assert r.doc["exits"]["total"] == 7
    assert r.exits("IO") == 7 and r.exits("MMIO") == 0
    assert r.doc["exits"]["mmio"] == []
    assert ports(r) == PORTS
    assert r.vcpu_stat("insn_emulation") == insn_emulation(expect, "capstone-more-ram")


def test_json_one_liner_prints_the_exit_table(kvm, binary):
    r = L.run_command(L.lab_command(LAB, "--json |")[0])
    assert r.returncode == 0
    assert r.stdout == "8 {'IO': 7, 'MMIO': 1}\n"


def test_quiet_run_with_8m_prints_only_the_console(kvm, binary):
    r = L.run_command(L.lab_command(LAB, "--mem 8M --quiet")[0])
    assert r.returncode == 0 and r.stdout == "ok\n"
    assert "unclaimed" not in r.stderr


def test_catalogue_copy_matches_the_hand_built_one(binary):
    """`make` builds the same bytes as the lab's nasm command."""
    built = os.path.join(L.ROOT, L.BUILD_DIR, "payloads", "labs", "capstone-example.bin")
    with open(built, "rb") as a, open(binary, "rb") as b:
        assert a.read() == b.read()
