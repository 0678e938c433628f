"""The guest protocol's edges (docs/guest-abi.md "Ports", "Report records",
"Unclaimed ports and MMIO"), each shown by a tiny guest assembled here.

These guests misuse the protocol on purpose, so they do not belong in the
payload catalogue: each test assembles its own with nasm and kvmlab.inc and
states what kvmlab must report.  A misused report channel must end the run
as a guest protocol error (exit code 6); kvmlab never follows a bad pointer.
"""
import os
import subprocess

import pytest

from conftest import ROOT, XC, run_kvmlab


@pytest.fixture(scope="module")
def guest(kvm, tmp_path_factory):
    """guest(name, body, mode='MODE_LONG') -> path of the assembled payload."""
    out = tmp_path_factory.mktemp("guests")

    def _asm(name, body, mode="MODE_LONG"):
        src = out / f"{name}.asm"
        src.write_text(f'%include "kvmlab.inc"\n'
                       f'KVMLAB_HEADER {mode}, "{name}", 128, "test guest"\n'
                       f'start:\n{body}\n')
        binary = out / f"{name}.bin"
        subprocess.run(["nasm", "-f", "bin", "-I", os.path.join(ROOT, "payloads", "lib") + "/",
                        "-o", str(binary), str(src)], check=True, capture_output=True)
        return str(binary)
    return _asm


def run_guest(path, *opts):
    return run_kvmlab("run", path, "--json", *opts, json_out=True)


# ---- the report channel refuses bad records --------------------------------

def test_report_pointer_into_mmio_window_is_a_protocol_error(guest):
    r = run_guest(guest("ptr-mmio", """
        mov     eax, 0xD0000000
        out     PORT_REPORT, eax
        hlt"""))
    assert (r.end, r.code) == ("protocol_error", XC["PROTOCOL"])
    assert "report channel" in r.doc["result"]["detail"]
    assert "outside guest RAM" in r.doc["result"]["detail"]
    assert r.reports() == [] and r.exits("IO") == 1 and r.exits("MMIO") == 0


def test_report_straddling_end_of_ram_is_a_protocol_error(guest):
    # RAM is 4 MiB: a record 8 bytes before its end has only half a header.
    r = run_guest(guest("ptr-end", """
        mov     eax, 0x400000 - 8
        out     PORT_REPORT, eax
        hlt"""), "--mem", "4M")
    assert (r.end, r.code) == ("protocol_error", XC["PROTOCOL"])
    assert "0x3ffff8" in r.doc["result"]["detail"]


def test_report_port_takes_only_a_dword(guest):
    r = run_guest(guest("report-byte", """
        mov     al, 0x10
        out     PORT_REPORT, al
        hlt"""))
    assert (r.end, r.code) == ("protocol_error", XC["PROTOCOL"])
    assert "one 32-bit OUT" in r.doc["result"]["detail"]


def test_report_port_cannot_be_read(guest):
    r = run_guest(guest("report-in", """
        in      eax, PORT_REPORT
        hlt"""))
    assert (r.end, r.code) == ("protocol_error", XC["PROTOCOL"])


def record(magic="REPORT_MAGIC", kind=1, length=1, text='"x"'):
    return f"""
        mov     eax, KVMLAB_GPA(rec)
        out     PORT_REPORT, eax
        hlt
rec:    dd      {magic}
        dw      {kind}, {length}
        dq      0x1122334455667788
        db      {text}"""


def test_report_bad_magic_is_a_protocol_error(guest):
    r = run_guest(guest("rec-magic", record(magic="0x12345678")))
    assert (r.end, r.code) == ("protocol_error", XC["PROTOCOL"])
    assert "bad magic 0x12345678" in r.doc["result"]["detail"]


def test_report_unknown_kind_is_a_protocol_error(guest):
    r = run_guest(guest("rec-kind", record(kind=5)))
    assert (r.end, r.code) == ("protocol_error", XC["PROTOCOL"])
    assert "unknown kind 5" in r.doc["result"]["detail"]


def test_report_text_longer_than_120_is_a_protocol_error(guest):
    r = run_guest(guest("rec-len", record(length=121, text="'y'\n        times 121 db 'y'")))
    assert (r.end, r.code) == ("protocol_error", XC["PROTOCOL"])
    assert "text length 121" in r.doc["result"]["detail"]


def test_report_unprintable_text_is_sanitized(guest):
    # Exactly one record, kind VALUE, text "a", BEL, "b": logged as "a?b".
    r = run_guest(guest("rec-bel", record(length=3, text="'a', 7, 'b'")))
    assert (r.end, r.code) == ("hlt", XC["OK"])
    assert [(e["kind"], e["name"], e["value"]) for e in r.reports()] == [
        ("value", "a?b", 0x1122334455667788)]


# ---- the exit port and the console ----------------------------------------

@pytest.mark.parametrize("insn,status", [("mov al, 5\n        out PORT_EXIT, al", 5),
                                         ("mov ax, 0x102\n        out PORT_EXIT, ax", 0x102),
                                         ("mov eax, 0xFFFFFFFF\n        out PORT_EXIT, eax", 0xFFFFFFFF),
                                         ("xor eax, eax\n        out PORT_EXIT, al", 0)])
def test_exit_port_any_width_zero_extended(guest, insn, status):
    r = run_guest(guest(f"exit-{status:x}", f"        {insn}\n        hlt"))
    assert r.end == "exit_port"
    assert r.doc["result"]["exit_status"] == status
    assert r.code == (XC["OK"] if status == 0 else XC["GUEST_FAIL"])
    assert r.exits("HLT") == 0


def test_console_reads_back_e9(guest):
    # Bochs' "console present" answer.
    r = run_guest(guest("readback", """
        xor     eax, eax
        in      al, PORT_CONSOLE
        REPORT_VALUE "readback", rax
        hlt"""))
    assert r.report("readback")["value"] == 0xE9
    assert [(p["dir"], p["device"]) for p in r.port(0xE9, "in")] == [("in", "console")]


# ---- no RAM between --mem and the MMIO window -----------------------------

def test_access_above_ram_is_unclaimed_mmio(guest):
    # With --mem 1M, GPA 0x200000 has no RAM (but is identity-mapped).
    r = run_guest(guest("above-ram", """
        mov     edi, 0x200000
        mov     eax, [rdi]
        REPORT_VALUE "read", rax
        hlt"""), "--mem", "1M")
    assert (r.end, r.code) == ("hlt", XC["OK"])
    assert r.report("read")["value"] == 0xFFFFFFFF
    assert [(m["gpa"], m["dir"], m["size"], m["claimed"]) for m in r.doc["exits"]["mmio"]] == [
        (0x200000, "read", 4, False)]
