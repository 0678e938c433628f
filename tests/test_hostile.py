"""Hostile guests: each payload in payloads/hostile/ tries one bad thing.

The promise (docs/security.md): whatever the guest does, kvmlab ends the run
with the documented outcome and exit code, says what happened in one line,
and keeps every byte of console output and every report produced before the
bad act.  No test here accepts "anything but a crash": each names its outcome.
"""
import os
import subprocess

import pytest

from conftest import KVMLAB, PAYLOADS, XC, run_kvmlab
from test_sandbox import boxed_env

MB4 = 4 << 20


def raw_run(*args):
    """kvmlab run with stdout as bytes: guest console output need not be UTF-8."""
    return subprocess.run([KVMLAB, "run", *args], capture_output=True, timeout=60,
                          env={**os.environ, "KVMLAB_PAYLOADS": PAYLOADS}, stdin=subprocess.DEVNULL)


def assert_kept(r, text):
    """Console output produced before the bad act is in the document."""
    assert r.console == text, r.console
    assert r.doc["console"]["bytes"] == len(text)


# ---- the report channel: pointers and lengths the guest controls ----

@pytest.mark.parametrize("name, gpa, why", [
    ("report-outside-ram", 0xD0000000, "is outside guest RAM"),
    ("report-gpa-top", 0xFFFFFFFF, "is outside guest RAM"),
    ("report-straddle-end", MB4 - 8, "is outside guest RAM"),
    ("report-text-past-end", MB4 - 26, ": its 100 bytes of text run past the end of guest RAM"),
])
def test_bad_report_pointer_is_a_protocol_error(run, name, gpa, why):
    r = run(f"hostile/{name}")
    assert r.code == XC["PROTOCOL"], r.err
    assert r.end == "protocol_error"
    detail = r.doc["result"]["detail"]
    assert detail == f"guest protocol error: report channel: record at GPA {gpa:#x}" + (
        f" {why} ({MB4} bytes)" if why.startswith("is outside") else why)
    assert r.doc["config"]["mem"] == MB4
    assert_kept(r, "before\n")
    assert r.reports() == []
    assert r.port(0xF0, "out", 4)[0]["exits"] == 1


REPORT_MAGIC = 0x54504552            # "REPT", vmm/abi.h
REPORT_KIND_VALUE = 1


def test_report_record_aimed_at_the_rom_is_a_protocol_error(run, tmp_path):
    """Records live in RAM (docs/guest-abi.md, "Report records").  The ROM slot lies
    in the MMIO window; the guest cannot write it, and virtio-blk's DMA may not
    either: the read of a well-formed record into the ROM is refused, and the
    report channel refuses the ROM's GPA as a record all the same."""
    import struct
    disk = tmp_path / "planted.img"
    text = b"planted"
    sector = struct.pack("<IHHQ", REPORT_MAGIC, REPORT_KIND_VALUE, len(text), 42) + text
    disk.write_bytes(sector.ljust(512, b"\0"))
    r = run("hostile/report-in-rom", "--rom", "--blk", str(disk))
    assert r.code == XC["PROTOCOL"], r.err
    assert r.end == "protocol_error"
    assert r.report("status")["value"] == 0xFF        # the DMA never happened
    assert r.doc["io"]["blk"]["error"] == "buffer_address"
    assert r.doc["result"]["detail"] == (
        "guest protocol error: report channel: record at GPA 0xffff0000 lies in the MMIO window "
        "[0xc0000000, 0x100000000): records live in RAM")
    assert [x["name"] for x in r.reports()] == ["status"]     # "planted" never accepted
    assert_kept(r, "before\n")


S_NEEDS_RESET = 0x40                    # virtio 1.1 2.1, DEVICE_NEEDS_RESET


def test_device_dma_into_the_read_only_rom_is_refused(run, tmp_path):
    """KVM_MEM_READONLY (api.rst 4.35) makes the guest's own writes to the --rom slot
    MMIO exits; a device writing for the guest must be held to the same: a virtio-blk
    read into the ROM is refused as a buffer outside RAM, and the ROM keeps its fill."""
    disk = tmp_path / "sector.img"
    disk.write_bytes(bytes([0xA5]) * 512)
    r = run("hostile/dma-into-rom", "--rom", "--blk", str(disk))
    assert r.code == XC["OK"] and r.end == "hlt", r.err
    assert r.report("virtio-status")["value"] & S_NEEDS_RESET
    assert (r.report("used-idx")["value"], r.report("status")["value"]) == (0, 0xFF)
    assert r.doc["io"]["blk"]["error"] == "buffer_address"
    assert r.doc["io"]["blk"]["reads"] == 0
    assert r.report("rom-word")["value"] == 0xFFFF0000    # rom_fill: each word its own GPA
    assert_kept(r, "before\n")


def test_report_len_65535_is_refused_before_any_copy(run):
    r = run("hostile/report-huge-len")
    assert r.code == XC["PROTOCOL"]
    assert r.doc["result"]["detail"].endswith("has text length 65535 > 120")
    assert_kept(r, "before\n")


def test_report_name_of_121_bytes_is_refused_and_120_kept(run):
    r = run("hostile/report-name-121")
    assert r.code == XC["PROTOCOL"]
    assert r.doc["result"]["detail"].endswith("has text length 121 > 120")
    assert [x["name"] for x in r.reports()] == ["a" * 120]
    assert_kept(r, "before\n")


def test_report_name_bytes_outside_ascii_become_question_marks(run):
    r = run("hostile/report-name-binary")
    assert r.code == XC["OK"]
    assert r.report("ok?????ok")["value"] == 7
    text = run_kvmlab("run", "hostile/report-name-binary")     # the terminal sees the same
    assert "report:   value ok?????ok = 7 (0x7)\n" in text.out


def test_report_flood_stops_at_reports_max(run):
    r = run("hostile/report-flood")
    assert r.code == XC["PROTOCOL"], r.err
    assert r.doc["result"]["detail"] == "guest protocol error: too many reports (limit 65536)"
    reports = r.reports("value")
    assert len(reports) == 65536
    assert reports[0]["value"] == 65537 and reports[-1]["value"] == 2
    assert r.port(0xF0, "out", 4)[0]["exits"] == 65537


# ---- console and string I/O ----

def test_console_flood_within_default_limit_is_kept(run):
    r = run("hostile/console-flood")
    assert r.code == XC["OK"]
    c = r.doc["console"]
    assert c["bytes"] == 4096 and c["dropped"] == 0 and c["limit"] == 1 << 20
    assert r.console == "".join(chr(ord("A") + i % 26) for i in range(4096))
    assert r.report("flood-done")["value"] == 4096


def test_console_flood_past_limit_is_dropped_counted_and_the_run_goes_on(run):
    r = run("hostile/console-flood", "--console-limit", "1000")
    assert r.code == XC["OK"]
    c = r.doc["console"]
    assert (c["bytes"], c["dropped"], c["limit"]) == (4096, 3096, 1000)
    assert r.console == "".join(chr(ord("A") + i % 26) for i in range(1000))
    assert r.report("flood-done")["value"] == 4096
    assert r.err.count("passed --console-limit (1000 bytes)") == 1


def test_console_limit_in_the_text_summary(kvm):
    r = run_kvmlab("run", "hostile/console-flood", "--console-limit", "1000")
    assert "console:  4096 bytes, 3096 dropped past --console-limit 1000\n" in r.out


def test_console_limit_bounds_what_reaches_stdout(kvm):
    r = run_kvmlab("run", "hostile/console-flood", "--console-limit", "100", "--quiet")
    assert r.code == XC["OK"]
    assert r.out == "".join(chr(ord("A") + i % 26) for i in range(100))


def test_console_control_bytes_are_escaped_in_json_and_raw_on_stdout(run):
    r = run("hostile/console-control")
    assert r.code == XC["OK"]
    assert r.console == '"\\\r\t\x1b[2J\x00\x7f\xff\n'
    raw = raw_run("hostile/console-control", "--quiet")
    assert raw.returncode == XC["OK"]
    assert raw.stdout == b'"\\\r\t\x1b[2J\x00\x7f\xff\n'


def test_rep_outsb_with_ecx_all_ones_is_bounded_by_max_exits(run):
    r = run("hostile/rep-outsb-huge", "--max-exits", "300")
    assert r.code == XC["EXIT_LIMIT"]
    assert r.end == "exit_limit"
    assert r.doc["exits"]["total"] == 300
    assert r.exits("IO") == 300
    assert r.doc["console"]["bytes"] == 300
    assert r.console.startswith("huge")


def test_rep_outsb_source_past_end_of_ram_reads_open_bus(run):
    r = run("hostile/rep-outsb-past-ram")
    assert r.code == XC["OK"]
    assert r.console == "tail" + "\u00ff" * 4      # 0xFF bytes, Latin-1 in JSON
    assert r.exits("IO") == 8
    reads = sorted((m["gpa"], m["dir"], m["size"]) for m in r.doc["exits"]["mmio"])
    assert reads == [(MB4 + i, "read", 1) for i in range(4)]
    text = raw_run("hostile/rep-outsb-past-ram")        # stdout has the 0xFF bytes: not UTF-8
    assert text.stdout.startswith(b"tail\xff\xff\xff\xff\n")
    assert b"  mmio 0x400003 read  1-byte: 1 exit (unclaimed)\n" in text.stdout


# ---- the port and MMIO buses ----

def test_out_to_every_unclaimed_port(run):
    r = run("hostile/port-sweep")
    assert r.code == XC["OK"], r.err
    swept = 65536 - (0xFF - 0xE0 + 1) - 8       # all but kvmlab's block 0xE0-0xFF and COM1 0x3F8-0x3FF
    assert r.report("ports-swept")["value"] == swept
    assert r.exits("IO") == swept + 1            # every port, then the report
    ex = r.doc["exits"]
    assert len(ex["ports"]) == 256              # PORT_KEYS_MAX keys listed ...
    assert ex["ports_overflow"] == swept - 256 + 1   # ... the rest counted (incl. the report key)
    assert all(not p["claimed"] for p in ex["ports"])
    assert [p["port"] for p in ex["ports"]][:3] == [0, 1, 2]


def test_stores_all_over_the_address_space(run):
    r = run("hostile/mmio-sweep")
    assert r.code == XC["OK"], r.err
    assert r.report("stores")["value"] == 256
    assert r.report("top-read")["value"] == 0xFFFFFFFFFFFFFFFF
    assert r.exits("MMIO") == 257
    ex = r.doc["exits"]
    assert [m["gpa"] for m in ex["mmio"]] == [MB4 + i * (16 << 20) for i in range(256)]
    assert ex["mmio_overflow"] == 1


# ---- control flow the guest should not survive (or should) ----

def test_jump_to_a_gpa_without_ram_is_an_emulation_failure(run):
    # No memory slot: KVM has nothing to fetch from and cannot execute MMIO.
    # Every backend ends up in the emulator here (EPT/NPT violation on a GPA
    # with no slot -> emulate -> fetch fails), so the outcome is the same.
    r = run("hostile/jump-unmapped")
    assert r.code == XC["GUEST_CRASH"]
    assert r.end == "internal_error"
    assert r.doc["result"]["detail"].startswith("KVM internal error: emulation failure (suberror 1)")
    assert r.doc["result"]["rip"] == 0xD0000000
    assert_kept(r, "jumping\n")


def test_self_modifying_code_runs_the_new_bytes(run):
    r = run("hostile/self-modify")
    assert r.code == XC["OK"]
    assert r.report("smc")["value"] == 2


def test_exception_storm_is_delivered_by_kvm(run):
    r = run("hostile/exception-storm")
    assert r.code == XC["OK"], r.doc["result"]
    assert r.report("ud-count")["value"] == 1000
    assert r.exits("IO") == len("storm\n") + 1  # the #UDs never reach kvmlab
    assert_kept(r, "storm\n")


def test_triple_fault_keeps_output(run):
    r = run("triple-fault")
    assert r.code == XC["GUEST_CRASH"]
    assert r.end == "shutdown"
    assert_kept(r, "about to triple fault\n")


def test_endless_loop_ends_at_timeout_with_output_kept(run):
    r = run("loop-forever", "--timeout", "0.3")
    assert r.code == XC["TIMEOUT"]
    assert r.doc["result"]["detail"].startswith("timed out after 0.3 s")
    assert_kept(r, "looping\n")


VMCALL = {  # expect.def "hypercall": a livelock in KVM_RUN, or -KVM_ENOSYS and on
    "hang": ("timeout", XC["TIMEOUT"], "vmcall next\n"),
    "returns": ("hlt", XC["OK"], "vmcall next\nafter vmcall\n"),
}


def test_vmcall_never_hangs_kvmlab(run, expect):
    end, code, text = VMCALL[expect.value("hypercall", "cpl0")]
    r = run("vmcall", "--timeout", "0.5")
    assert (r.end, r.code) == (end, code)
    assert_kept(r, text)


def test_exit_storm_stops_at_exactly_max_exits(run):
    r = run("hostile/exit-storm", "--max-exits", "100")
    assert r.code == XC["EXIT_LIMIT"]
    assert r.doc["result"]["detail"] == "stopped after 100 exits (--max-exits)"
    assert r.doc["exits"]["total"] == 100
    assert r.port(0x80, "out", 1)[0]["exits"] == 100 - len("storm\n")
    assert_kept(r, "storm\n")


# ---- labs/hostile-guests.md: its commands, and every claim it makes about their output ----

def test_lab_hostile_guests_claims(kvm):
    r = run_kvmlab("run", "hostile/report-outside-ram")
    assert r.code == 6
    assert r.out.startswith("before\n")
    assert ("ended:    protocol_error: guest protocol error: report channel: record at GPA "
            "0xd0000000 is outside guest RAM (4194304 bytes)") in r.out
    r = run_kvmlab("run", "hostile/report-straddle-end")
    assert r.code == 6 and "record at GPA 0x3ffff8 is outside guest RAM" in r.out
    r = run_kvmlab("run", "hostile/console-flood", "--console-limit", "100", "--quiet")
    assert r.code == 0
    assert r.out == ("ABCDEFGHIJKLMNOPQRSTUVWXYZ" * 4)[:100]
    assert len(r.err.splitlines()) == 1
    j = run_kvmlab("run", "hostile/console-flood", "--console-limit", "100", "--json", json_out=True)
    assert (j.doc["console"]["bytes"], j.doc["console"]["dropped"]) == (4096, 3996)
    r = run_kvmlab("run", "hostile/exit-storm", "--max-exits", "100")
    assert r.code == 5 and "stopped after 100 exits (--max-exits)" in r.out
    assert "port 0x0080 out 1-byte: 94 exits (unclaimed)" in r.out
    r = run_kvmlab("run", "hostile/jump-unmapped")
    assert r.code == 3
    assert "internal_error: KVM internal error: emulation failure (suberror 1)" in r.out
    assert "at RIP 0xd0000000" in r.out
    r = run_kvmlab("info", "--sandbox")
    assert r.code == 0
    # make asan / make coverage builds add their runtimes' rows ("builds only"); the lab's 45 is the plain build.
    rules = run_kvmlab("info", "--sandbox", "--json", json_out=True).doc["sandbox"][0]["rules"]
    extra = sum("builds only" in x["why"] for x in rules)
    assert f"thread vcpu (runs KVM_RUN and every exit handler): {45 + extra} rules" in r.out
    assert "ioctl(vcpu fd, KVM_RUN)" in r.out and "mmap(without PROT_EXEC)" in r.out
    for absent in ("socket", "execve") + (() if extra else ("openat",)):
        assert absent not in r.out
    r = run_kvmlab("run", "hello-long", "--sandbox", env=boxed_env())
    assert r.code == 0 and r.out.startswith("Hello from long mode!\n")
