"""Ending a run from outside: SIGINT/SIGTERM, and a stdout that cannot be written.

A user's Ctrl-C or a supervisor's SIGTERM ends a run the way the watchdog
does: the vCPU leaves KVM_RUN (immediate_exit, api.rst), the run ends as
"interrupted" and the whole report is printed, exit code 18.  A report that
cannot be written (stdout on a full disk: /dev/full, ENOSPC) is a host
error, exit 7, with one line on stderr - never a silent 0.
"""
import json
import os
import signal
import subprocess
import time

import pytest

from conftest import KVMLAB, PAYLOADS, XC, payload
from test_sandbox import boxed_env      # make asan: LeakSanitizer's ptrace is what the sandbox forbids


def wait_for_vcpu_fd(proc):
    """Blocks until kvmlab holds a vCPU fd: its signal handlers are installed by then."""
    fd_dir = f"/proc/{proc.pid}/fd"
    while proc.poll() is None:
        try:
            for fd in os.listdir(fd_dir):
                try:
                    if os.readlink(os.path.join(fd_dir, fd)) == "anon_inode:kvm-vcpu:0":
                        return
                except OSError:
                    pass
        except OSError:
            pass
        time.sleep(0.01)        # polling interval only, not a threshold
    pytest.fail(f"kvmlab ended before it created a vCPU: {proc.stderr.read()}")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("extra", [(), ("--vcpus", "2"), ("--sandbox",), ("--vcpus", "2", "--sandbox")])
def test_signal_ends_the_run_as_interrupted_with_the_whole_report(kvm, sig, extra):
    proc = subprocess.Popen([KVMLAB, "run", payload("loop-forever"), "--json", "--timeout", "60", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            text=True, env={**os.environ, "KVMLAB_PAYLOADS": PAYLOADS,
                                            **(boxed_env() if "--sandbox" in extra else {})})
    try:
        wait_for_vcpu_fd(proc)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == XC["INTERRUPTED"], err
    doc = json.loads(out)
    assert doc["result"]["end"] == "interrupted"
    assert doc["result"]["exit_code"] == XC["INTERRUPTED"]
    assert signal.Signals(sig).name in doc["result"]["detail"]
    for key in ("exits", "console", "registers", "kvm_stats"):
        assert key in doc, key          # the whole report, not a stub


def test_signal_in_text_mode_prints_the_summary(kvm):
    proc = subprocess.Popen([KVMLAB, "run", payload("loop-forever"), "--timeout", "60"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            text=True, env={**os.environ, "KVMLAB_PAYLOADS": PAYLOADS})
    try:
        wait_for_vcpu_fd(proc)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == XC["INTERRUPTED"], err
    assert "interrupted" in out and "SIGINT" in out


@pytest.mark.parametrize("args", [("run", "hello-long", "--json"), ("run", "hello-long"),
                                  ("list",), ("list", "--json"), ("info", "--json")])
def test_stdout_write_failure_is_a_host_error(kvm, args):
    if not os.path.exists("/dev/full"):
        pytest.skip("needs /dev/full (a device whose writes fail with ENOSPC)")
    with open("/dev/full", "w") as full:
        r = subprocess.run([KVMLAB, *args], stdout=full, stderr=subprocess.PIPE, text=True, timeout=60,
                           stdin=subprocess.DEVNULL, env={**os.environ, "KVMLAB_PAYLOADS": PAYLOADS})
    assert r.returncode == XC["HOST"], r.stderr
    lines = r.stderr.strip().splitlines()
    assert lines[-1].startswith("kvmlab: cannot write standard output"), r.stderr


# ---- every command that runs VMs ends the same way (vmm/cli/cmdsetup.c) ----
# A command that runs many VMs stops after the one running when the signal came
# and reports those that ran; the one interrupted is in the report as such.
LONG_RUNS = {
    "trace": (["trace", "loop-forever", "--max-steps", "0", "--timeout", "0", "--json"], "result"),
    "bench": (["bench", "--filter", "cpuid,pio-out", "--iters", "10000000", "--repeat", "10000",
               "--timeout", "600", "--json"], "cases"),
    "iobench": (["iobench", "--total", "64M", "--repeat", "15", "--json"], "paths"),
    "sensitive": (["sensitive", "--timeout", "600", "--json"], "probes"),
}


@pytest.mark.parametrize("cmd", sorted(LONG_RUNS))
def test_sigterm_ends_every_command_as_interrupted_with_a_complete_document(kvm, cmd):
    args, section = LONG_RUNS[cmd]
    proc = subprocess.Popen([KVMLAB, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True,
                            env={**os.environ, "KVMLAB_PAYLOADS": PAYLOADS})
    try:
        wait_for_vcpu_fd(proc)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == XC["INTERRUPTED"], err
    doc = json.loads(out)                       # one whole document, not a cut-off one
    assert doc["command"] == cmd and section in doc
    if cmd == "trace":
        assert doc["result"]["end"] == "interrupted" and "SIGTERM" in doc["result"]["detail"]
        assert doc["result"]["exit_code"] == XC["INTERRUPTED"]
    elif cmd == "iobench":
        # The path running when the signal came ended "interrupted"; none ran after it.
        assert doc["paths"] and doc["paths"][-1]["exit_code"] == XC["INTERRUPTED"]
        assert "SIGTERM" in doc["paths"][-1]["detail"]
    elif cmd == "sensitive":
        # The probe running when the signal came ended "interrupted"; a signal landing
        # between two probes (after one's KVM_RUN loop, before the next VM) leaves the
        # last one complete.  Either way none ran after it, and the document says why.
        assert doc["stopped_by"] == "SIGTERM"
        assert doc["probes"]
        assert all(p["end"] != "interrupted" for p in doc["probes"][:-1])
    else:
        # bench: the signal may land in the calibration run, before any case.
        assert len(doc["cases"]) <= 2
        if doc["cases"]:
            assert "interrupted" in doc["cases"][-1]["detail"]
