"""vCPU overcommit: more vCPUs than host CPUs (labs/overcommit.md).

Every vCPU of cpu/smp-spin spins until the watchdog ends the run, so all of
them are runnable all the time.  With more vCPU threads than CPUs they can
run, the scheduler must make some wait: the run delay that
/proc/PID/task/TID/schedstat counts (its second field) is what a guest would
see as steal time.  Each vCPU's is in vcpus[].run_delay_ns.
"""
import os

from conftest import XC, run_kvmlab


def usable_cpus():
    return len(os.sched_getaffinity(0))


def test_more_vcpus_than_cpus_wait_for_a_cpu(kvm):
    n = usable_cpus() * 2                       # overcommitted two to one
    r = run_kvmlab("run", "cpu/smp-spin", "--vcpus", str(n), "--timeout", "0.3", "--json", json_out=True)
    assert r.code == XC["TIMEOUT"], r.err
    delays = [v["run_delay_ns"] for v in r.doc["vcpus"]]
    assert len(delays) == n and all(isinstance(d, int) and d >= 0 for d in delays)
    # n runnable threads on n/2 CPUs for 0.3 s: together they waited; the
    # CPU time they got is at most what the CPUs had.
    assert sum(delays) > 0
    cpu = sum(v["cpu_user_seconds"] + v["cpu_sys_seconds"] for v in r.doc["vcpus"])
    wall = max(v["wall_seconds"] for v in r.doc["vcpus"])
    assert cpu <= usable_cpus() * wall * 1.05   # rusage rounding


def test_run_delay_under_the_sandbox(kvm):
    """schedstat is opened before the seccomp filter; reading it is a pread."""
    from test_sandbox import boxed_env          # make asan: LSan cannot run under the sandbox
    r = run_kvmlab("run", "cpu/smp-spin", "--vcpus", "2", "--timeout", "0.3", "--sandbox", "--json", json_out=True,
                   env=boxed_env())
    assert r.code == XC["TIMEOUT"], r.err
    assert all(isinstance(v["run_delay_ns"], int) for v in r.doc["vcpus"])
