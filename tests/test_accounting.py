"""Exit accounting in every run: per-reason round trips with percentiles,
per-port / MMIO / MSR counts, in-kernel paths (ioeventfd, coalesced MMIO)
and MSR exits through KVM's MSR filter (docs/json-schema.md, "Exit accounting")."""
from conftest import XC, run_kvmlab

N, R = 200, 10                  # BENCH_ITERS_DEFAULT x BENCH_REPEAT_DEFAULT (vmm/abi.h)
REPORTS = 1 + 3 * R             # bench.iters, then bench.sample/loop_cycles/op_cycles per sample
PARAM_INS = 2                   # iterations and samples read from ports 0xEC/0xED
PORT_SCRATCH, PORT_DOORBELL = 0xEE, 0xEF
GPA_MMIO, GPA_COALESCED = 0xF0000000, 0xF0001000
MSR_SCRATCH, MSR_EXITS, MSR_EFER = 0x400000E0, 0x400000E1, 0xC0000080


def test_schema_version_and_method(run):
    r = run("hello-long")
    assert r.doc["schema_version"] == 4
    ex = r.doc["exits"]
    assert "rdtsc" in ex["timing"] and "KVM_RUN" in ex["timing"]
    assert "nearest rank" in ex["percentile_method"]
    assert ex["samples_max"] == 65536
    for key in ("msrs", "msrs_overflow", "coalesced_mmio_writes", "doorbell_signals"):
        assert key in ex


def test_n_pio_exits_recorded_for_n_iterations(run):
    r = run("bench/pio-out")
    assert r.code == XC["OK"], r.doc["result"]
    [out] = r.port(PORT_SCRATCH, "out", 1)
    assert out["exits"] == N * R and out["device"] == "bench-scratch"
    assert r.exits("IO") == N * R + REPORTS + PARAM_INS + 1     # + the exit-port OUT


def test_round_trip_percentiles_are_ordered_and_exact(run):
    io = run("bench/pio-out").doc["exits"]["by_reason"]["IO"]
    assert io["samples"] == io["count"] and io["percentiles_exact"] is True
    assert 0 < io["cycles_min"] <= io["cycles_median"] <= io["cycles_p99"] <= io["cycles_max"]
    assert sum(io["histogram_log2"].values()) == io["count"]
    assert io["ns_median"] > 0


def test_past_the_sample_store_percentiles_come_from_a_reservoir_and_the_figures_stay_exact(run):
    """More exits than the store holds (samples_max): it keeps a uniform sample of
    them (percentiles_exact false), while count, histogram and min/max cover all."""
    n = 65536 + 3000
    doc = run("bench/overhead-pio", "--max-exits", str(n)).doc
    assert doc["result"]["end"] == "exit_limit"
    io = doc["exits"]["by_reason"]["IO"]
    assert io["count"] == doc["exits"]["total"] >= n - 1
    assert io["samples"] == doc["exits"]["samples_max"] and io["percentiles_exact"] is False
    assert sum(io["histogram_log2"].values()) == io["count"]
    assert 0 < io["cycles_min"] <= io["cycles_median"] <= io["cycles_p99"] <= io["cycles_max"]


def test_vmm_time_between_kvm_runs_is_counted(run):
    ex = run("bench/pio-out").doc["exits"]
    # kvmlab's own work per exit is measured, and is a part of each round trip's cost
    assert ex["vmm_cycles"] > 0
    assert ex["vmm_cycles"] < ex["by_reason"]["IO"]["cycles_max"] * ex["total"]


def test_kvm_stats_deltas_are_non_negative(run):
    doc = run("bench/pio-out").doc
    assert all(v >= 0 for v in doc["kvm_stats"]["vcpu"].values())


def test_mmio_write_and_read_each_exit(run):
    w = run("bench/mmio-write")
    [acc] = [m for m in w.doc["exits"]["mmio"] if m["gpa"] == GPA_MMIO]
    assert (acc["dir"], acc["size"], acc["exits"], acc["device"]) == ("write", 4, N * R, "bench-mmio")
    r = run("bench/mmio-read")
    [acc] = [m for m in r.doc["exits"]["mmio"] if m["gpa"] == GPA_MMIO]
    assert (acc["dir"], acc["exits"]) == ("read", N * R)


def test_ioeventfd_port_never_reaches_kvmlab(run, require_cap):
    require_cap("IOEVENTFD")
    r = run("bench/pio-kernel")
    assert r.code == XC["OK"]
    assert r.port(PORT_DOORBELL, "out") == []
    assert r.doc["exits"]["doorbell_signals"] == N * R


def test_coalesced_writes_are_all_replayed(run, require_cap):
    require_cap("COALESCED_MMIO")
    r = run("bench/mmio-coalesced")
    ex = r.doc["exits"]
    ring_full = sum(m["exits"] for m in ex["mmio"] if m["gpa"] == GPA_COALESCED)
    # Every store is either queued in the ring or, when it is full, an ordinary exit.
    assert ex["coalesced_mmio_writes"] + ring_full == N * R
    assert ex["coalesced_mmio_writes"] > ring_full


def test_msr_scratch_round_trip_through_the_filter(run, require_cap):
    require_cap("X86_MSR_FILTER")
    r = run("cpu/msr-scratch")
    assert r.code == XC["OK"]
    assert r.report("msr.scratch")["kind"] == "pass"
    assert r.report("msr.scratch")["value"] == 0x1234567890ABCDEF
    assert r.report("msr.exits")["value"] == 2
    assert r.exits("X86_WRMSR") == 1 and r.exits("X86_RDMSR") == 2
    msrs = {(m["index"], m["dir"]): m for m in r.doc["exits"]["msrs"]}
    assert msrs[(MSR_SCRATCH, "wrmsr")]["exits"] == 1
    assert msrs[(MSR_SCRATCH, "rdmsr")]["name"] == "kvmlab-scratch"
    assert msrs[(MSR_EXITS, "rdmsr")]["handled"] is True


def test_write_to_read_only_msr_injects_gp(run, require_cap):
    require_cap("X86_MSR_FILTER")
    r = run("cpu/msr-readonly")
    assert r.code == XC["GUEST_CRASH"] and r.end == "shutdown"     # #GP with no IDT: triple fault
    [m] = r.doc["exits"]["msrs"]
    assert (m["index"], m["dir"], m["handled"]) == (MSR_EXITS, "wrmsr", False)


def test_unknown_filtered_msr_injects_gp(run, require_cap):
    require_cap("X86_MSR_FILTER")
    r = run("cpu/msr-unknown", "--msr-exit", "0x400000E7")
    assert r.code == XC["GUEST_CRASH"] and r.end == "shutdown"
    [m] = r.doc["exits"]["msrs"]
    assert (m["index"], m["dir"], m["handled"], m["name"]) == (0x400000E7, "rdmsr", False, None)


def test_msr_exit_forwards_kvm_msrs_and_counts_them(run, require_cap):
    require_cap("X86_MSR_FILTER")
    plain = run("cpu/msr-efer")
    assert plain.doc["exits"]["msrs"] == [] and plain.exits("X86_RDMSR") == 0
    efer = plain.report("msr.efer")["value"]
    assert efer & (1 << 8) and efer & (1 << 10)                      # LME, LMA
    trapped = run("cpu/msr-efer", "--msr-exit", "0xC0000080")
    assert trapped.report("msr.efer")["value"] == efer
    [m] = trapped.doc["exits"]["msrs"]
    assert (m["index"], m["dir"], m["exits"], m["handled"]) == (MSR_EFER, "rdmsr", 1, True)


def test_bad_msr_exit_option_is_a_usage_error(kvm):
    r = run_kvmlab("run", "hello-long", "--msr-exit", "0x1FFFFFFFF")
    assert r.code == XC["USAGE"] and "--msr-exit" in r.err
    many = [a for i in range(9) for a in ("--msr-exit", hex(0x10 + i))]
    r = run_kvmlab("run", "hello-long", *many)
    assert r.code == XC["USAGE"] and "at most 8" in r.err


def test_hlt_ends_a_plain_run(run):
    # Outside bench, hlt still ends the run at the first iteration.
    r = run("bench/hlt")
    assert r.end == "hlt" and r.exits("HLT") == 1
