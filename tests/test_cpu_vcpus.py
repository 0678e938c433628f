"""vCPUs are threads: `kvmlab run --vcpus N [--pin CPU,...]` (vmm/core/smp.c).

Each vCPU is a POSIX thread in its own KVM_RUN loop; every vCPU enters the
payload at its entry with RDI = its index and RSI = the highest index
(docs/guest-abi.md).  The JSON "vcpus" array has one entry per vCPU; the
top-level fields keep meaning vCPU 0 (docs/json-schema.md).
"""
import json
import re
import os
import subprocess
import time

import pytest

from conftest import KVMLAB, PAYLOADS, XC, run_kvmlab

ITERATIONS = 200                # payloads/cpu/smp-counter.asm


def counts(exits):
    """exit reason -> count, from an "exits" object (the run's shape, schema 4)."""
    return {reason: c["count"] for reason, c in exits["by_reason"].items()}


def online_cpus():
    """The host's online CPUs, from the kernel's list ("0-1")."""
    with open("/sys/devices/system/cpu/online") as f:
        text = f.read().strip()
    cpus = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        cpus.extend(range(int(lo), int(hi or lo) + 1))
    return cpus


@pytest.mark.parametrize("n", [1, 2, 4])
def test_vcpus_share_a_counter_with_locked_instructions(run, n):
    r = run("cpu/smp-counter", "--vcpus", str(n))
    assert r.code == XC["OK"], r.doc["result"]
    assert r.report("counter")["kind"] == "pass"
    assert r.report("counter")["value"] == ITERATIONS * n
    vcpus = r.doc["vcpus"]
    assert [v["id"] for v in vcpus] == list(range(n))
    assert [v["end"] for v in vcpus] == ["hlt"] * n
    # every vCPU started at the entry with its own index in RDI
    assert [[rep["value"] for rep in v["reports"] if rep["name"] == "vcpu index"] for v in vcpus] == \
        [[i] for i in range(n)]
    # one report exit per vCPU, plus vCPU 0's PASS, plus one HLT each
    assert [counts(v["exits"]) for v in vcpus] == \
        [{"IO": 2, "HLT": 1}] + [{"IO": 1, "HLT": 1}] * (n - 1)


def test_each_vcpu_is_its_own_thread(run):
    r = run("cpu/smp-counter", "--vcpus", "4")
    tids = [v["tid"] for v in r.doc["vcpus"]]
    assert len(set(tids)) == 4 and all(t > 0 for t in tids)
    assert all(v["pinned_cpu"] is None for v in r.doc["vcpus"])


def test_top_level_fields_keep_meaning_vcpu_0(run):
    r = run("cpu/smp-counter", "--vcpus", "3")
    v0 = r.doc["vcpus"][0]
    assert r.doc["exits"]["total"] == v0["exits"]["total"]
    assert [(x["kind"], x["name"], x["value"]) for x in r.reports()] == \
        [(x["kind"], x["name"], x["value"]) for x in v0["reports"]]
    assert r.end == v0["end"]


def test_a_single_vcpu_run_lists_one_vcpu(run):
    r = run("hello-long")
    assert len(r.doc["vcpus"]) == 1
    v = r.doc["vcpus"][0]
    assert (v["id"], v["end"], v["pinned_cpu"]) == (0, "hlt", None)
    assert counts(v["exits"]) == {"IO": 22, "HLT": 1}


def test_the_console_is_shared_and_serialised(run):
    """Two vCPUs print the same line into one console: every byte arrives
    (bytes of the two lines may interleave, none is lost or torn)."""
    r = run("hello-real", "--vcpus", "2")
    assert r.code == XC["OK"]
    line = "Hello from real mode!\n"
    assert r.doc["console"]["bytes"] == 2 * len(line)
    assert sorted(r.console) == sorted(line * 2)


def test_an_exit_port_write_ends_the_whole_vm(run):
    r = run("cpu/smp-exit", "--vcpus", "3", "--timeout", "20")
    assert r.code == XC["OK"]
    ends = [(v["end"], v["detail"]) for v in r.doc["vcpus"]]
    assert ends[0][0] == "exit_port"
    assert ends[1:] == [("stopped", "vCPU 0 ended the VM")] * 2
    assert r.doc["result"]["exit_status"] == 0


def test_the_first_vcpu_to_fail_decides_the_exit_code(run):
    r = run("cpu/smp-fail", "--vcpus", "3", "--timeout", "20")
    assert r.code == XC["GUEST_FAIL"]
    assert r.doc["result"]["exit_code"] == XC["GUEST_FAIL"]
    assert [v["end"] for v in r.doc["vcpus"]] == ["stopped", "stopped", "check_failed"]
    assert [v["exit_code"] for v in r.doc["vcpus"]] == [0, 0, XC["GUEST_FAIL"]]
    assert r.doc["vcpus"][2]["reports"] == [{"kind": "fail", "name": "last vcpu", "value": 2}]
    assert r.end == "stopped"                       # the top-level result is vCPU 0's


@pytest.mark.parametrize("n, code", [(2, XC["OK"]), (63, XC["OK"]), (64, XC["PAYLOAD_SIZE"])])
def test_real_mode_stacks_must_not_overlap_the_payload(run, n, code):
    """48 KiB real-mode payload; the stacks take 256 bytes per vCPU below SP 0xFFF0."""
    r = run("cpu/smp-real-big", "--vcpus", str(n))
    assert r.code == code
    if code == XC["PAYLOAD_SIZE"]:
        assert "overlaps the stacks of 64 real-mode vCPUs" in r.err
    else:
        assert [v["end"] for v in r.doc["vcpus"]] == ["hlt"] * n


def test_pinning_sets_each_threads_affinity(run):
    cpus = online_cpus()
    pins = [cpus[-1], cpus[0]]
    r = run("cpu/smp-counter", "--vcpus", "2", "--pin", f"{pins[0]},{pins[1]}")
    assert r.code == XC["OK"]
    assert [v["pinned_cpu"] for v in r.doc["vcpus"]] == pins


def vcpu_threads(pid):
    """{tid: (comm, Cpus_allowed_list)} of the process's "CPU n/KVM" threads."""
    found = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                comm = f.read().strip()
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                allowed = [l.split()[1] for l in f if l.startswith("Cpus_allowed_list:")][0]
        except (FileNotFoundError, ProcessLookupError):
            continue
        if comm.startswith("CPU "):
            found[int(tid)] = (comm, allowed)
    return found


def test_running_vm_shows_one_thread_per_vcpu_in_proc(kvm):
    """While smp-spin runs, /proc/PID/task holds a "CPU n/KVM" thread per vCPU
    (QEMU's thread name), pinned as asked; the JSON names the same threads."""
    cpus = online_cpus()
    pins = [cpus[-1], cpus[0], cpus[-1]]
    env = dict(os.environ, KVMLAB_PAYLOADS=PAYLOADS)
    proc = subprocess.Popen([KVMLAB, "run", "cpu/smp-spin", "--vcpus", "3", "--timeout", "1",
                             "--pin", ",".join(map(str, pins)), "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    seen = {}
    while proc.poll() is None and len(seen) < 3:
        seen = vcpu_threads(proc.pid)
        time.sleep(0.05)
    out, err = proc.communicate(timeout=60)
    assert len(seen) == 3, f"saw {seen} before the run ended"
    doc = json.loads(out)
    assert proc.returncode == XC["TIMEOUT"]
    by_tid = {v["tid"]: v for v in doc["vcpus"]}
    assert set(by_tid) == set(seen)
    for tid, (comm, allowed) in seen.items():
        v = by_tid[tid]
        assert comm == f"CPU {v['id']}/KVM"
        assert allowed == str(pins[v["id"]])
    # the watchdog ends the first vCPU; it stops any other still running
    ends = [v["end"] for v in doc["vcpus"]]
    assert "timeout" in ends and set(ends) <= {"timeout", "stopped"}


@pytest.mark.parametrize("opts, message", [
    (["--vcpus", "0"], "--vcpus 0: must be 1 to 64"),
    (["--vcpus", "65"], "--vcpus 65: must be 1 to 64"),
    (["--vcpus", "two"], "--vcpus two: must be 1 to 64"),
    (["--pin", "0,x"], "--pin: '0,x' is not a list of CPU numbers"),
    (["--pin", ""], "--pin: '' is not a list of CPU numbers"),
    (["--vcpus", "2", "--pin", "0"], "--pin lists 1 CPU for 2 vCPUs"),
    (["--pin", "4000"], "--pin: CPU 4000 is not an online CPU of this host"),
])
def test_bad_vcpu_options_are_usage_errors(opts, message):
    r = run_kvmlab("run", "cpu/smp-counter", *opts)
    assert r.code == XC["USAGE"]
    assert message in r.err and r.err.count("\n") == 1


# ---- labs/vcpu-threads.md: every claim of "What you should see" ----

from cpu_lab import lab_command, lab_commands  # noqa: E402

LAB = "vcpu-threads.md"


def lab_run(cmd, code=0):
    assert (cmd, code) in lab_commands(LAB), f"labs/{LAB} no longer runs `{cmd}`"
    r = lab_command(cmd)
    assert r.returncode == code, r.stderr
    return r


def need_two_cpus():
    if len(online_cpus()) < 2:
        pytest.skip("the lab pins to CPUs 0 and 1: this host has fewer than 2 online CPUs")


def test_lab_counter_on_two_vcpus(kvm):
    out = lab_run("build/kvmlab run cpu/smp-counter --vcpus 2").stdout
    assert "report:   PASS  counter = 400 (0x190)" in out
    assert re.search(r"^  vCPU 0: thread \d+, 3 exits IO 2 HLT 1; ended hlt", out, re.M)
    assert re.search(r"^  vCPU 1: thread \d+, 2 exits IO 1 HLT 1; ended hlt", out, re.M)


def test_lab_counter_on_four_vcpus_json(kvm):
    doc = json.loads(lab_run("build/kvmlab run cpu/smp-counter --vcpus 4 --json").stdout)
    assert len(doc["vcpus"]) == 4 and len({v["tid"] for v in doc["vcpus"]}) == 4
    assert [r["value"] for r in doc["reports"] if r["name"] == "counter"] == [800]


def test_lab_ps_shows_the_pinned_vcpu_threads(kvm, expect):
    need_two_cpus()
    cmd = ("build/kvmlab run cpu/smp-spin --vcpus 2 --pin 1,0 --timeout 2 --quiet & sleep 1; "
           "ps -L -o pid,lwp,psr,comm -p $!; wait $!")
    rows = [line.split(None, 3) for line in lab_run(cmd, 4).stdout.splitlines()[1:]]
    by_name = {row[3]: row for row in rows}
    assert by_name["CPU 0/KVM"][2] == "1" and by_name["CPU 1/KVM"][2] == "0"
    assert "kvmlab" in by_name
    # KVM's NX huge page recovery worker, a task of the VM's process on new kernels
    if expect.value("host-threads", "nx-recovery") == "present":
        assert "kvm-nx-lpage-re" in by_name


def test_lab_taskset_shows_the_masks(kvm):
    need_two_cpus()
    cmd = ("build/kvmlab run cpu/smp-spin --vcpus 2 --pin 1,0 --timeout 2 --quiet & sleep 1; "
           "for t in /proc/$!/task/*; do echo \"$(cat $t/comm): $(taskset -p ${t##*/})\"; done; wait $!")
    # By thread name: KVM's worker (kvm-nx-lpage-re) may take a tid between the vCPUs'.
    masks = dict(re.findall(r"^(.+?): pid \d+'s current affinity mask: (\w+)$", lab_run(cmd, 4).stdout, re.M))
    assert masks["kvmlab"] == format(sum(1 << c for c in online_cpus()), "x")
    assert (masks["CPU 0/KVM"], masks["CPU 1/KVM"]) == ("2", "1")
    if "kvm-nx-lpage-re" in masks:      # inherits the mask of the vCPU thread that started it
        assert masks["kvm-nx-lpage-re"] in ("2", "1")


def test_lab_exit_port_stops_the_other_vcpus(kvm):
    out = lab_run("build/kvmlab run cpu/smp-exit --vcpus 3").stdout
    assert re.search(r"^  vCPU 0: .*ended exit_port", out, re.M)
    for i in (1, 2):
        assert re.search(rf"^  vCPU {i}: .*ended stopped: vCPU 0 ended the VM$", out, re.M)


def test_lab_pin_to_a_missing_cpu(kvm):
    r = lab_run("build/kvmlab run cpu/smp-counter --vcpus 2 --pin 0,4000", 2)
    assert "CPU 4000 is not an online CPU of this host" in r.stderr


def test_lab_host_vcpu_limits(host_info, expect):
    """The lab's NR_VCPUS is this host's online CPU count (expect.def "vcpus")."""
    caps = host_info["capabilities"]
    row = expect("vcpus", "nr")
    assert caps["NR_VCPUS"] == min(row.value, caps["MAX_VCPUS"]) == min(len(online_cpus()), caps["MAX_VCPUS"]), row.why
    assert caps["MAX_VCPUS"] >= caps["NR_VCPUS"]
