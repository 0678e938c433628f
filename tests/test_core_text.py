"""The human summary (`kvmlab run` without --json, vmm/report/report_text.c) and
--quiet: what a student reads in the terminal must match the JSON."""
import os
import re

from conftest import XC, payload, run_kvmlab


def summary(name, *opts):
    return run_kvmlab("run", payload(name), *opts)


def line(r, prefix):
    found = [ln for ln in r.out.splitlines() if ln.startswith(prefix)]
    assert len(found) == 1, (prefix, r.out)
    return found[0]


def test_text_header_names_payload_mode_and_backend(kvm, facts):
    r = summary("hello-prot")
    assert re.match(rf"---- kvmlab: hello-prot \(protected mode\) on {facts['backend']}, ",
                    line(r, "---- kvmlab:"))


def test_text_counts_exits_by_reason(kvm):
    r = summary("hello-prot")
    assert line(r, "exits:") == "exits:    28 to kvmlab  IO 27  HLT 1"
    assert line(r, "console:") == "console:  27 bytes"


def test_text_lists_ports_with_their_device(kvm):
    r = summary("unclaimed-port")
    assert "  port 0x00e9" not in r.out
    assert "  port 0x0200 out 1-byte: 1 exit (unclaimed)" in r.out
    assert "  port 0x00f0 out 4-byte: 3 exits (report)" in r.out


def test_text_lists_mmio(kvm):
    r = summary("unclaimed-mmio")
    assert "  mmio 0xd0000008 read  8-byte: 1 exit (unclaimed)" in r.out


def test_text_shows_reports(kvm):
    r = summary("report")
    assert "report:   value answer = 42 (0x2a)" in r.out
    assert "report:   PASS  two-plus-two = 4 (0x4)" in r.out
    assert "report:   msg   reports work" in r.out
    assert line(r, "ended:") == "ended:    exit_port: guest wrote 0 to the exit port (0xf4)"


def test_text_result_line_per_end(kvm):
    cases = [("hello-long", (), XC["OK"], "ok"),
             ("exit-status", (), XC["GUEST_FAIL"], "guest reported failure"),
             ("ud2-long", (), XC["GUEST_CRASH"], "guest crashed"),
             ("hello-long", ("--max-exits", "2"), XC["EXIT_LIMIT"], "exit limit reached"),
             ("loop-forever", ("--timeout", "0.2"), XC["TIMEOUT"], "timed out")]
    for name, opts, code, meaning in cases:
        r = summary(name, *opts)
        assert r.code == code, name
        assert line(r, "result:") == f"result:   exit code {code} ({meaning})", name


def test_text_timeout_names_the_loop(kvm):
    r = summary("loop-forever", "--timeout", "0.2")
    assert line(r, "ended:").startswith("ended:    timeout: timed out after 0.2 s")
    assert re.search(r"^          at RIP 0x[0-9a-f]+: jmp 0x[0-9a-f]+$", r.out, re.M)


def test_real_mode_shows_linear_rip(kvm):
    # RIP is an offset in CS; the linear address adds CS.base (0x10000).
    # The hlt is the file's last byte, so RIP ends at the file size.
    size = os.path.getsize(payload("hello-real"))
    r = summary("hello-real")
    assert f"\n          at RIP {size:#x} (linear {0x10000 + size:#x})\n" in r.out


def test_quiet_failure_is_one_line_on_stderr(kvm):
    r = summary("ud2-long", "--quiet")
    assert r.code == XC["GUEST_CRASH"]
    assert r.out == "ud2 next\n"
    assert r.err.count("\n") == 1 and r.err.startswith("kvmlab: shutdown: triple fault")


def test_quiet_success_is_silent_on_stderr(kvm):
    r = summary("exit-status", "--quiet")
    assert r.code == XC["GUEST_FAIL"]       # status 3: the exit code says it
    assert r.out == "exiting with 3\n" and r.err == ""
