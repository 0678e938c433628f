"""`kvmlab bench`: every case present, sane values, where-handled derived
from counters, vmcall survived via the watchdog (docs/json-schema.md, "bench";
docs/measurement.md).  Tiny --iters/--repeat; no wall-clock thresholds."""
import csv
import subprocess
import io

import pytest

from conftest import XC, run_kvmlab

ITERS, REPEAT = 40, 3
CASES = ["nop", "cpuid", "pio-out", "pio-in", "pio-kernel", "pic-in", "self-ipi-sti-hlt", "self-ipi-sti-nop",
         "self-ipi-tpr", "x2apic-self-ipi-sti-hlt", "apic-eoi", "tscdeadline-immed", "mmio-write", "mmio-read",
         "mmio-coalesced", "mmio-kernel", "rdmsr-kernel", "wrmsr-kernel", "wrmsr-kgsbase", "rdmsr-user",
         "wrmsr-user", "hlt", "cr0-read", "cr0-write", "cr0-wp-toggle", "cr3-read", "cr3-write", "cr8-read",
         "cr8-write", "cr4-pge-toggle", "dr7-read", "dr7-write", "invlpg", "wbinvd", "invd",
         "sgdt", "rdtsc", "rdtscp", "touch-first", "touch-second", "vmcall"]
# Exits to kvmlab that every backend must show: one per operation, by exit reason.
TO_KVMLAB = {"pio-out": "IO", "pio-in": "IO", "mmio-write": "MMIO", "mmio-read": "MMIO",
             "rdmsr-user": "X86_RDMSR", "wrmsr-user": "X86_WRMSR", "hlt": "HLT"}
# vmcall and rdtscp: what the host does is expect.def's ("hypercall", "emulator-gap");
# these are the bench statuses each predicted outcome shows as.
BENCH_STATUS = {"hang": "hangs on this host", "returns": "ok", "internal-error": "internal error", "ok": "ok"}


@pytest.fixture(scope="module")
def bench(kvm):
    r = run_kvmlab("bench", "--iters", ITERS, "--repeat", REPEAT, "--timeout", 10, "--json",
                   json_out=True)
    assert r.code == XC["OK"], r.err
    return r.doc


def case(doc, name):
    [c] = [c for c in doc["cases"] if c["name"] == name]
    return c


def test_document_header(bench, host_info, emulated):
    assert bench["schema_version"] == 4 and bench["command"] == "bench"
    assert bench["host"]["backend"] == host_info["host"]["backend"]
    assert bench["tsc_khz"] == host_info["tsc_khz"]
    assert bench["calibration"]["emulated"] == emulated
    assert bench["config"] == {"iters": ITERS, "repeat": REPEAT, "timeout": 10, "filter": None}
    assert "lfence" in bench["method"]["timing"]
    assert "empty loop" in bench["method"]["net"]


def test_every_case_is_present_in_order(bench):
    assert [c["name"] for c in bench["cases"]] == CASES


def test_completed_cases_have_all_samples_and_ordered_stats(bench):
    for c in bench["cases"]:
        if c["status"] != "ok":
            continue
        assert (c["iters"], c["samples"]) == (ITERS, REPEAT), c["name"]
        s = c["cycles_per_op"]
        assert s["min"] <= s["median"] <= s["p99"] <= s["max"], c["name"]
        assert s["cv"] >= 0
        assert c["loop_cycles_per_iter"]["median"] > 0, c["name"]
        assert c["where"] in ("none", "kernel", "kvmlab")
        # A CV above the goal always comes with a reason, and only then.
        assert c["cv_above_goal"] == (c["cycles_per_op"]["cv"] > bench["cv_goal"] and c["samples_used"] >= 2)
        assert (c["spread_reason"] is not None) == c["cv_above_goal"]


def test_exits_to_kvmlab_one_per_op_with_positive_cost(bench):
    for name, reason in TO_KVMLAB.items():
        c = case(bench, name)
        assert c["status"] == "ok", c["detail"]
        assert c["where"] == "kvmlab", (name, c["where_evidence"])
        assert c["moved"]["kvmlab.exits"] == 1.0 and c["moved"]["kvmlab." + reason] == 1.0
        assert c["cycles_per_op"]["median"] > 0 and c["ns_per_op"]["median"] > 0


def test_ioeventfd_port_is_handled_in_the_kernel(bench, require_cap):
    require_cap("IOEVENTFD")
    c = case(bench, "pio-kernel")
    assert c["where"] == "kernel" and c["moved"]["kvmlab.doorbell_signals"] == 1.0
    assert "kvmlab.IO" not in c["moved"]


def test_coalesced_write_stays_in_the_kernel(bench, require_cap):
    require_cap("COALESCED_MMIO")
    c = case(bench, "mmio-coalesced")
    assert c["where"] == "kernel"
    # Queued in the ring, or an exit when the ring was full: together one per store.
    assert c["moved"]["kvmlab.coalesced_writes"] + c["moved"].get("kvmlab.MMIO", 0) == pytest.approx(1.0)


def test_kernel_msr_never_reaches_kvmlab(bench):
    for name in ("rdmsr-kernel", "wrmsr-kernel"):
        c = case(bench, name)
        assert c["status"] == "ok" and "kvmlab.exits" not in c["moved"], name


def test_first_touch_is_handled_in_the_kernel(bench):
    c = case(bench, "touch-first")
    assert c["where"] == "kernel"
    # kvm_pvm's emulator writes guest RAM through kvmlab's mapping: the host kernel's
    # page fault; with EPT/NPT KVM takes the fault (pf_* stats).
    assert c["moved"].get("host.minor_faults", 0) >= 0.5 or c["moved"].get("kvm.pf_fixed", 0) >= 0.5
    assert case(bench, "touch-second")["moved"].get("host.minor_faults", 0) < 0.5


def test_vmcall_outcome_per_host(bench, expect):
    c = case(bench, "vmcall")
    row = expect("hypercall", "cpl0")
    assert c["status"] == BENCH_STATUS[row.value], row.why
    if c["status"] == "hangs on this host":
        assert "watchdog" in c["detail"] and c["samples"] == 0 and c["cycles_per_op"] is None


def test_rdtscp_outcome_per_host(bench, expect):
    c = case(bench, "rdtscp")
    row = expect("emulator-gap", "rdtscp")
    assert c["status"] == BENCH_STATUS[row.value], row.why
    if c["status"] == "internal error":
        assert "emulation failure" in c["detail"] and c["cycles_per_op"] is None
    # ... and the suite went on: the cases after it ran.
    assert case(bench, "touch-first")["status"] == "ok"


def test_emulation_flag_on_every_row(bench, emulated):
    assert all(c["emulation_dominated"] == emulated for c in bench["cases"])
    if emulated:    # the op itself went through KVM's emulator, like every instruction here
        assert case(bench, "cpuid")["emulated_op"] is True


def test_table_makes_emulation_impossible_to_miss(kvm, emulated):
    r = run_kvmlab("bench", "--filter", "pio-out", "--iters", 20, "--repeat", 2)
    assert r.code == XC["OK"]
    lines = r.out.splitlines()
    assert lines[0].startswith("kvmlab bench on ")
    row = [l for l in lines if l.startswith("pio-out ")]
    assert len(row) == 1 and " kvmlab " in row[0]
    assert ("!! EMULATED" in r.out and "EMUL" in row[0]) == emulated


def test_csv_output(kvm):
    r = run_kvmlab("bench", "--filter", "pio-*,cpuid", "--iters", 20, "--repeat", 2, "--csv")
    assert r.code == XC["OK"]
    rows = list(csv.DictReader(io.StringIO(r.out)))
    assert [x["case"] for x in rows] == ["cpuid", "pio-out", "pio-in", "pio-kernel"]
    assert all(x["status"] == "ok" and int(x["samples"]) == 2 for x in rows)


def test_bad_options(kvm):
    assert run_kvmlab("bench", "--filter", "no-such-case").code == XC["USAGE"]
    assert run_kvmlab("bench", "--iters", "0").code == XC["USAGE"]
    assert run_kvmlab("bench", "--repeat", "x").code == XC["USAGE"]
    assert run_kvmlab("bench", "--json", "--csv").code == XC["USAGE"]
    r = run_kvmlab("bench", "--list")
    assert r.code == XC["OK"] and len(r.out.splitlines()) == len(CASES)


# ---- the cases that make bench comparable with kvm-unit-tests x86/vmexit ----
# None reaches kvmlab: KVM completes them, or the CPU runs them because the guest owns
# the state (docs/measurement.md, "kvm-unit-tests' vmexit, case by case").
IN_KVM = ["pic-in", "self-ipi-sti-hlt", "self-ipi-sti-nop", "self-ipi-tpr", "x2apic-self-ipi-sti-hlt",
          "apic-eoi", "tscdeadline-immed", "mmio-kernel", "wrmsr-kgsbase", "cr0-wp-toggle", "cr4-pge-toggle",
          "dr7-read", "dr7-write", "wbinvd", "invd"]


def test_vmexit_parity_cases_never_reach_kvmlab(bench, emulated):
    for name in IN_KVM:
        c = case(bench, name)
        assert c["status"] == "ok", (name, c["detail"])
        assert c["where"] != "kvmlab" and "kvmlab.exits" not in c["moved"], (name, c["where_evidence"])
        if emulated:    # like every guest instruction on such a host (calibration)
            assert c["emulated_op"] is True, name


def test_mmio_doorbell_is_handled_in_the_kernel(bench, require_cap):
    require_cap("IOEVENTFD")
    c = case(bench, "mmio-kernel")
    assert c["where"] == "kernel" and c["moved"]["kvmlab.doorbell_signals"] == 1.0
    assert "kvmlab.MMIO" not in c["moved"]


def test_in_kernel_pic_port_and_invd_exit_to_kvm_when_not_emulated(bench, require_cap, emulated):
    """An `in` is intercepted on every port (SDM vol. 3C 26.1.3 with I/O bitmaps all set;
    APM vol. 2 15.10 IOIO) and INVD always exits (SDM vol. 3C 26.1.2; SVM intercepts
    it): on VMX/SVM both are VM exits KVM completes.  Emulated, they never leave it."""
    require_cap("IRQCHIP")
    if emulated:
        pytest.skip("guest code runs in KVM's emulator here (calibration): no hardware VM exit to see")
    for name in ("pic-in", "invd"):
        c = case(bench, name)
        assert c["where"] == "kernel" and c["moved"].get("kvm.exits", 0) >= 0.5, (name, c["where_evidence"])


def test_cr0_wp_needs_kvm_under_shadow_paging(bench, host_info):
    """Shadow page tables encode CR0.WP (SDM vol. 3A 4.6.1), so without EPT/NPT KVM
    must see every change: two VM exits per op.  With EPT/NPT the guest may own WP."""
    if host_info["host"]["tdp"]:
        pytest.skip("requires shadow paging (host fact tdp = false); EPT/NPT may let the guest own CR0.WP")
    c = case(bench, "cr0-wp-toggle")
    # Net of the baseline loop, so the host's own asynchronous exits (interrupts
    # during either loop) leave a few hundredths either way: the claim is an integer.
    assert c["where"] == "kernel" and round(c["moved"].get("kvm.exits", 0)) == 2


def test_near_zero_medians_quote_spread_in_cycles(bench):
    for c in bench["cases"]:
        if c["status"] != "ok":
            assert c["spread_kind"] is None and c["spread_cycles"] is None
            continue
        s, sd = c["cycles_per_op"], c["spread_cycles"]
        assert sd == pytest.approx(s["cv"] * abs(s["mean"]))
        near_zero = abs(s["median"]) < sd or abs(s["median"]) < c["loop_cycles_per_iter"]["median"] / 10
        assert c["spread_kind"] == ("absolute" if near_zero and c["samples_used"] >= 2 else "relative"), c["name"]


# ---- labs/price-of-an-exit.md: the commands it shows and the claims it makes ----

def test_lab_bench_table_claims(kvm, emulated):
    r = run_kvmlab("bench", "--filter", "nop,cpuid,pio-out,pio-kernel,mmio-coalesced,rdmsr-user",
                   "--iters", 200, "--repeat", 5)
    assert r.code == XC["OK"]
    rows = {l.split()[0]: l for l in r.out.splitlines()[1:] if l and not l.startswith("!!")}
    assert "kvmlab.exits 1.00/op" in rows["pio-out"] and " kvmlab " in rows["pio-out"]
    assert "kvmlab.exits 1.00/op" in rows["rdmsr-user"]
    assert "kvmlab.doorbell_signals 1.00/op" in rows["pio-kernel"] and " kernel " in rows["pio-kernel"]
    assert "kvmlab.coalesced_writes" in rows["mmio-coalesced"]
    if emulated:
        assert r.out.startswith("kvmlab bench on ") and "!! EMULATED" in r.out
        assert all("EMUL" in rows[c] for c in ("nop", "cpuid", "pio-out"))
        assert " none " in rows["cpuid"]


def test_lab_pio_kernel_run(kvm, require_cap):
    require_cap("IOEVENTFD")
    r = run_kvmlab("run", "bench/pio-kernel")
    assert r.code == XC["OK"]
    assert "2000 signals completed in KVM (ioeventfd, no exit)" in r.out
    assert "exits:    34 to kvmlab" in r.out


def test_lab_msr_scratch_run(kvm, require_cap):
    require_cap("X86_MSR_FILTER")
    r = run_kvmlab("run", "cpu/msr-scratch")
    assert r.code == XC["OK"] and "msr.exits = 2" in r.out


def test_lab_vmcall(kvm, expect):
    r = run_kvmlab("bench", "--filter", "vmcall", "--repeat", 1)
    assert r.code == XC["OK"]
    if expect.value("hypercall", "cpl0") == "hang":
        assert "hangs on this host" in r.out and "watchdog" in r.out
    else:
        assert "hangs on this host" not in r.out


def test_plot_bench_writes_a_png(kvm, tmp_path):
    import os
    import shutil
    if not shutil.which("gnuplot"):
        pytest.skip("requires the tool gnuplot (Debian gnuplot-nox, scripts/deps.sh)")
    r = run_kvmlab("bench", "--filter", "nop,pio-*,vmcall", "--iters", 20, "--repeat", 2, "--json")
    src = tmp_path / "bench.json"
    src.write_text(r.out)
    png = tmp_path / "bench.png"
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    p = subprocess.run([os.path.join(root, "scripts", "plot-bench"), str(src), str(png)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ---- the LAPIC cases (KVMLAB_FLAG_IRQCHIP; payloads/lib/apic.inc) ----
WAKE_BY_IRQ = ["self-ipi-sti-hlt", "x2apic-self-ipi-sti-hlt", "tscdeadline-immed"]


def test_lapic_cases_halt_in_kvm_once_per_op(bench, require_cap, emulated):
    """With the LAPIC in KVM each op's hlt is handled there (KVM counts it in halt_exits)
    and the pending interrupt wakes it; none of it reaches kvmlab.  Where KVM injects
    every interrupt itself (no APICv/AVIC: here, guest code is emulated) it counts one
    injection per op."""
    require_cap("IRQCHIP")
    # "moved" is a per-op average over a sample's window: a host event in that window
    # (it shows as kvm.exits a little above its per-op count) has been seen to add one
    # halt to a sample of hundreds of ops on a loaded host (1.008).  One per op is
    # what is asserted: 0 (hlt not in KVM) or 2 (woken without the interrupt) fail.
    per_op = dict(rel=0.02)
    for name in WAKE_BY_IRQ:
        c = case(bench, name)
        assert c["status"] == "ok", (name, c["detail"])
        assert c["moved"].get("kvm.halt_exits") == pytest.approx(1.0, **per_op), (name, c["moved"])
        if emulated:
            assert c["moved"].get("kvm.irq_injections") == pytest.approx(1.0, **per_op), (name, c["moved"])


def test_self_ipi_at_sti_nop_is_taken_as_the_table_says(bench, require_cap, expect):
    """SDM Vol. 3A 6.8.3: taken after the instruction following STI; where guest ring 0
    is emulated, KVM only looks at re-entry, so none is injected in the loop."""
    require_cap("IRQCHIP")
    row = expect("interrupts", "self-ipi-sti-nop")
    for name in ("self-ipi-sti-nop", "self-ipi-tpr"):
        c = case(bench, name)
        assert c["status"] == "ok", (name, c["detail"])
        if row.value == "not-taken":
            # KVM looks for a pending interrupt only when it re-enters the guest: in the
            # loop an injection needs an exit first.  A host event is such an exit (it
            # shows in kvm.exits, a small fraction of an op), so the injections may be
            # a fraction no larger than those exits, never one per op as when taken.
            # "moved" is net of the loop's baseline, so with no host event in the case
            # and one in the baseline kvm.exits is below 0 (-0.008 seen): count it as 0.
            inj = c["moved"].get("kvm.irq_injections", 0)
            host_exits = max(c["moved"].get("kvm.exits", 0), 0)
            assert inj <= host_exits + 1e-9 and inj < 0.5, (name, c["moved"], row.why)
