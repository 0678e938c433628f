"""Interrupts and timers: the interrupt model, the LAPIC timer, IPIs, hlt in KVM.

Each payload in payloads/irq/ states one expectation in its header. Timing is
measured by the guest (guest TSC) and only checked for what the manuals and
the expectations table say: delivered, counted, in order, never early. No test
compares a duration against a threshold.
"""
import pytest

from conftest import XC, payload, run_kvmlab

MODELS = ("kernel", "split")
AP_PARK_TRIES = 3               # test_bsp_starts_the_ap_at_the_sipi_page: runs past the first


@pytest.fixture
def need_lapic(require_cap):
    def _need(model):
        require_cap("IRQCHIP" if model == "kernel" else "SPLIT_IRQCHIP")
    return _need


def reports(r):
    return {x["name"]: x["value"] for x in r.reports()}


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("mode", ["oneshot", "periodic", "tsc-deadline"])
def test_lapic_timer_fires_n_times_never_early(run, need_lapic, expect, model, mode):
    """SDM Vol. 3A 11.5.4: each mode raises its vector; the guest logs the TSC at each
    interrupt and LATENESS_REPORT fails the run if the log goes backwards or an
    interrupt came before its deadline."""
    need_lapic(model)
    r = run(f"irq/timer-{mode}", "--irqchip", model)
    assert r.code == XC["OK"], (r.doc["result"]["detail"], r.err)
    v = reports(r)
    if v.get("timer.skipped"):
        pytest.skip(r.reports("msg")[0]["text"] if r.reports("msg") else "timer facts missing")
    assert v["timer.count"] == 10
    assert 0 <= v["timer.late_min_cycles"] <= v["timer.late_median_cycles"] <= v["timer.late_max_cycles"]
    assert r.vcpu_stat("irq_injections") >= 10, "KVM injected every interrupt"
    assert r.exits("HLT") == 0, "with a LAPIC in KVM, hlt waits in the kernel"
    row = expect("timer-lateness", mode)
    if row.value == "late":
        assert v["timer.late_min_cycles"] > 0, row.why


def test_timer_payload_without_a_lapic_sees_an_empty_bus(run):
    """--irqchip none overrides the header: 0xFEE00000 is unclaimed MMIO, and the
    guest's hlt exits to kvmlab and ends the run (no interrupt can come)."""
    r = run("irq/timer-tsc-deadline", "--irqchip", "none")
    assert r.doc["config"]["irqchip"] == "none"
    if reports(r).get("timer.skipped"):
        pytest.skip("no TSC-deadline timer in the guest's CPUID (CPUID.1:ECX[24])")
    assert r.end == "hlt" and r.code == XC["OK"]
    assert r.exits("MMIO") > 0


@pytest.mark.parametrize("model", MODELS)
def test_ipi_round_trips_and_self_ipi(run, need_lapic, require, expect, model):
    """Fixed IPIs (SDM Vol. 3A 11.6.1): vCPU 0 pings vCPU 1 ten times and every ping is
    answered; the self-IPI is delivered once.  Whether it was taken right after
    `sti; nop` is what the expectations table predicts for this host."""
    need_lapic(model)
    require(cpus=1)
    r = run("irq/ipi", "--vcpus", "2", "--irqchip", model)
    assert r.code == XC["OK"], (r.doc["result"]["detail"], r.err)
    v = reports(r)
    assert v["ipi.pongs"] == 10 and v["ipi.pings_seen"] == 10
    assert 0 < v["ipi.rtt_min_cycles"] <= v["ipi.rtt_median_cycles"] <= v["ipi.rtt_max_cycles"]
    assert v["ipi.self_count"] == 1
    row = expect("interrupts", "self-ipi-sti-nop")
    assert v["ipi.self_at_nop"] == (1 if row.value == "taken" else 0), row.why


def test_ipi_payload_alone_skips_itself(run, need_lapic):
    need_lapic("kernel")
    r = run("irq/ipi")
    assert r.code == XC["OK"] and reports(r)["ipi.skipped"] == 1


@pytest.mark.parametrize("name", ["hostile/mask-halt", "hostile/timer-period-zero"])
def test_halted_for_ever_ends_by_watchdog_naming_the_halt(run, need_lapic, name):
    """hlt with nothing that can wake it waits in KVM, not in kvmlab: the watchdog ends
    the run and KVM_GET_MP_STATE tells that it was halted, not spinning."""
    need_lapic("kernel")
    r = run(name, "--timeout", "0.5")
    assert r.code == XC["TIMEOUT"] and r.end == "timeout"
    assert r.doc["result"]["mp_state"] == "halted"
    assert "halted in KVM" in r.doc["result"]["detail"]
    assert r.exits("HLT") == 0


def test_interrupt_flood_is_stopped_by_the_watchdog(run, need_lapic):
    need_lapic("kernel")
    r = run("hostile/irq-flood", "--timeout", "0.5")
    assert r.code == XC["TIMEOUT"] and r.end == "timeout"
    assert r.doc["result"]["mp_state"] == "runnable"
    assert r.vcpu_stat("irq_injections") > 1, "the storm was delivered"


def test_invalid_apic_and_ioapic_programming_is_the_guests_problem(run, need_lapic):
    need_lapic("kernel")
    r = run("hostile/apic-garbage")
    assert r.code == XC["OK"], r.doc["result"]["detail"]
    assert "apic.esr" in reports(r)


def test_without_irqchip_the_same_halt_ends_the_run(run):
    """The contrast: no LAPIC in KVM, so hlt exits to kvmlab and the run ends normally."""
    r = run("hostile/mask-halt", "--irqchip", "none")
    assert r.end == "hlt" and r.code == XC["OK"]
    assert r.doc["result"]["mp_state"] is None


def test_idle_guest_costs_the_host_little_cpu(run, need_lapic):
    """An idle vCPU halted in KVM sleeps: its thread's CPU time (getrusage) is reported
    next to wall time (compared in the lab, not here: no timing thresholds), and KVM's
    halt and halt-polling stats are in the report."""
    need_lapic("kernel")
    r = run("irq/timer-tsc-deadline")
    res = r.doc["result"]
    assert res["vcpu_cpu_user_seconds"] >= 0 and res["vcpu_cpu_sys_seconds"] >= 0
    if reports(r).get("timer.skipped"):
        pytest.skip("no TSC-deadline timer in the guest's CPUID")
    # KVM counts every hlt it handled (halt_exits), whether or not the vCPU then slept.
    assert r.vcpu_stat("halt_exits") >= 10 and r.exits("HLT") == 0
    for name in ("halt_wakeup", "halt_successful_poll", "halt_attempted_poll", "halt_poll_invalid"):
        assert r.vcpu_stat(name) is not None, name


@pytest.mark.parametrize("bad", ["fast", "", "KERNEL"])
def test_irqchip_option_rejects_unknown_models(kvm, bad):
    r = run_kvmlab("run", payload("hello-long"), "--irqchip", bad)
    assert r.code == XC["USAGE"] and "--irqchip" in r.err and r.err.count("\n") == 1


def test_split_model_payload_flag(run, need_lapic):
    need_lapic("split")
    r = run("irq/split-timer")
    assert r.doc["config"]["irqchip"] == "split" and r.code == XC["OK"]
    assert reports(r)["timer.count"] == 10


@pytest.mark.parametrize("model", MODELS)
def test_x2apic_registers_are_msrs_answered_by_kvm(run, need_lapic, model):
    """SDM Vol. 3A 11.12: with EXTD set, the APIC ID, SELF IPI and EOI are MSRs; KVM's
    LAPIC answers them, so only the reports and the exit port reach kvmlab."""
    need_lapic(model)
    r = run("irq/x2apic-self-ipi", "--irqchip", model)
    assert r.code == XC["OK"], r.doc["result"]["detail"]
    v = reports(r)
    if v.get("x2apic.skipped"):
        pytest.skip("no x2APIC in the guest's CPUID (CPUID.1:ECX[21])")
    assert v["x2apic.id"] == 0 and v["x2apic.self_count"] == 10
    assert r.exits("X86_RDMSR") == r.exits("X86_WRMSR") == 0
    assert r.doc["exits"]["total"] == r.exits("IO") == 3


@pytest.mark.parametrize("notify", ["exit", "ioeventfd"])
def test_virtio_used_buffer_interrupts_through_irqfd(run, need_lapic, require_cap, notify):
    """virtio 1.1 4.2.2: the device sets InterruptStatus bit 0 and interrupts; with KVM's
    IOAPIC kvmlab signals an irqfd (api.rst 4.75), and the guest's handler sees ISR = 1,
    ACKs it, and is woken from hlt: one interrupt for one used buffer."""
    need_lapic("kernel")
    require_cap("IRQFD")
    r = run("io/virtio-irq", "--virtio-notify", notify)
    assert r.code == XC["OK"], r.doc["result"]["detail"]
    v = reports(r)
    assert (v["virtio.interrupts"], v["virtio.isr"], v["used_idx"]) == (1, 1, 1)
    assert r.doc["io"]["virtio"]["interrupts"] == 1
    assert r.doc["io"]["virtio"]["text"] == "virtio irq\n"


def test_virtio_interrupt_needs_an_ioapic(run):
    """Without any IOAPIC nobody raises pin 16: with no controller the hlt ends the run at once."""
    r = run("io/virtio-irq", "--irqchip", "none")
    assert r.end == "hlt" and r.doc["io"]["virtio"]["interrupts"] == 0 and not r.reports("value")
    assert r.doc["io"]["ioapic"] is None


@pytest.mark.parametrize("notify", ["exit", "ioeventfd"])
def test_virtio_interrupt_through_kvmlabs_ioapic(run, need_lapic, require_cap, notify):
    """Split model: the used buffer is an edge on pin 16 of kvmlab's IOAPIC, which sends the
    redirection entry's MSI (KVM_SIGNAL_MSI, api.rst 4.71) to KVM's LAPIC: the same guest,
    the same one interrupt, and no irqfd."""
    need_lapic("split")
    require_cap("SIGNAL_MSI")
    r = run("io/virtio-irq", "--virtio-notify", notify, "--irqchip", "split")
    assert r.code == XC["OK"], r.doc["result"]["detail"]
    v = reports(r)
    assert (v["virtio.interrupts"], v["virtio.isr"], v["used_idx"]) == (1, 1, 1)
    a = r.doc["io"]["ioapic"]
    assert a["pin_messages"] == {"16": 1} and a["send_errors"] == 0
    assert r.exits("MMIO") > 0, "the guest's IOREGSEL/IOWIN writes reach kvmlab"


def test_uart_interrupts_on_irq4(run, need_lapic):
    """16550 datasheet Table 4: THR empty once when ETBEI is enabled and once after each
    byte sent, received data while RBR holds a byte; kvmlab drives ISA IRQ 4 in KVM's
    IOAPIC with KVM_IRQ_LINE (api.rst 4.25) and the guest takes them in its handler."""
    need_lapic("kernel")
    r = run("io/uart-irq", "--uart-input", "ok")
    assert r.code == XC["OK"], r.doc["result"]["detail"]
    assert r.console == "irq\n"
    v = reports(r)
    assert v["uart.thre_irqs"] == len("irq\n") + 1
    assert v["uart.rx_bytes"] == 2
    assert r.doc["io"]["uart"]["irqs"] >= v["uart.thre_irqs"]


def test_uart_interrupts_through_kvmlabs_ioapic(run, need_lapic, require_cap):
    """Split model: IRQ 4 is pin 4 of kvmlab's IOAPIC; every rising edge is one MSI and the
    guest counts the same THR-empty interrupts as with KVM's IOAPIC."""
    need_lapic("split")
    require_cap("SIGNAL_MSI")
    r = run("io/uart-irq", "--uart-input", "ok", "--irqchip", "split")
    assert r.code == XC["OK"], r.doc["result"]["detail"]
    v = reports(r)
    assert v["uart.thre_irqs"] == len("irq\n") + 1 and v["uart.rx_bytes"] == 2
    a = r.doc["io"]["ioapic"]
    assert a["pin_messages"] == {"4": r.doc["io"]["uart"]["irqs"]}
    assert a["eois"] == 0 and r.exits("IOAPIC_EOI") == 0, "edge entries need no EOI"


@pytest.mark.parametrize("model", MODELS)
def test_level_triggered_pin_waits_for_the_eoi(run, need_lapic, require_cap, model):
    """82093AA datasheet 3.2.4: a level entry sends one message and sets Remote IRR until
    the EOI of its vector.  In the split model KVM forwards that EOI to kvmlab
    (KVM_EXIT_IOAPIC_EOI) because kvmlab's routes name the vector level-triggered; with
    KVM's IOAPIC it never leaves the kernel."""
    need_lapic(model)
    if model == "split":
        require_cap("SIGNAL_MSI")
    r = run("irq/ioapic-level", "--irqchip", model)
    assert r.code == XC["OK"], (r.doc["result"]["detail"], r.err)
    v = reports(r)
    assert v["ioapic.thre_irqs"] == 4, "N = 3 bytes: N + 1 THR-empty interrupts"
    assert v["ioapic.remote_irr_seen"] >= 1
    if model == "kernel":
        assert r.exits("IOAPIC_EOI") == 0 and r.doc["io"]["ioapic"] is None
    else:
        a = r.doc["io"]["ioapic"]
        assert r.exits("IOAPIC_EOI") == a["eois"] >= v["ioapic.thre_irqs"]
        assert a["route_updates"] >= 1 and a["messages"] >= v["ioapic.thre_irqs"]


def test_ioapic_garbage_in_split_model_is_the_guests_problem(run, need_lapic):
    """Every IOREGSEL index, vector 0, a reserved delivery mode, the EOI register of later
    IOAPICs: kvmlab's IOAPIC keeps what is defined, drops the rest, and the run ends normally."""
    need_lapic("split")
    r = run("hostile/apic-garbage", "--irqchip", "split")
    assert r.code == XC["OK"], r.doc["result"]["detail"]
    a = r.doc["io"]["ioapic"]
    assert a["ignored"] > 0 and a["messages"] == 0 and a["send_errors"] == 0


def test_uart_raises_nothing_without_a_controller(run):
    r = run("io/uart-irq", "--uart-input", "ok", "--irqchip", "none")
    assert r.end == "hlt" and r.doc["io"]["uart"]["irqs"] == 0 and not r.reports("value")


# ---- INIT-SIPI-SIPI: the BSP starts the APs (payload flag KVMLAB_FLAG_AP_SIPI) ----

@pytest.mark.parametrize("model", MODELS)
def test_bsp_starts_the_ap_at_the_sipi_page(run, need_lapic, require_cap, model):
    """SDM Vol. 3A 10.4.4.1: INIT, then SIPI, SIPI.  The AP waits as KVM created it
    (api.rst KVM_GET_MP_STATE: uninitialized), INIT alone does not start it, the SIPI
    starts it once in real mode at CS = vector << 8 (11.6.1 "Start-Up"), and the second
    SIPI finds it no longer waiting.  The same in both models: the LAPIC is KVM's."""
    need_lapic(model)
    require_cap("MP_STATE")
    r = run("irq/ap-sipi", "--vcpus", "2", "--irqchip", model)
    assert r.code == XC["OK"], (r.doc["result"]["detail"], r.err)
    v = reports(r)
    assert v["sipi.starts_after_init"] == 0
    assert v["sipi.ap_starts"] == 1, "one start per AP: the second SIPI is ignored"
    assert v["sipi.ap_cs"] == v["sipi.vector"] << 8
    assert v["sipi.ap_cr0_pe"] == 0, "the AP starts in real mode"
    bsp, ap = r.doc["vcpus"]
    assert bsp["mp_state_created"] == "runnable" and ap["mp_state_created"] == "uninitialized"
    # The AP's last two instructions are its count and hlt; the BSP ends the VM
    # INIT_WAIT_US after it sees the count.  A host so loaded that the AP's thread
    # did not run for that long stops it before its hlt ("runnable"): a fact of the
    # run, not of KVM, so the run is tried again (a KVM that never says halted fails).
    for _ in range(AP_PARK_TRIES):
        if ap["mp_state_final"] == "halted":
            break
        again = run("irq/ap-sipi", "--vcpus", "2", "--irqchip", model)
        assert again.code == XC["OK"], (again.doc["result"]["detail"], again.err)
        ap = again.doc["vcpus"][1]
    assert ap["mp_state_final"] == "halted", "the AP parked in hlt, in KVM"
    assert ap["end"] == "stopped"


@pytest.mark.parametrize("model", MODELS)
def test_sipi_without_init_starts_no_ap(run, need_lapic, model):
    """SDM Vol. 3A 11.6.1: a SIPI reaches only a processor in wait-for-SIPI state, and
    INIT is what puts it there; the AP starts at the page of the SIPI after the INIT."""
    need_lapic(model)
    r = run("irq/sipi-no-init", "--vcpus", "2", "--irqchip", model)
    assert r.code == XC["OK"], (r.doc["result"]["detail"], r.err)
    v = reports(r)
    assert v["sipi.starts_without_init"] == 0 and v["sipi.ap_starts"] == 1


def test_three_vcpus_all_started_by_one_broadcast(run, need_lapic):
    need_lapic("kernel")
    r = run("irq/ap-sipi", "--vcpus", "3")
    assert r.code == XC["OK"], (r.doc["result"]["detail"], r.err)
    assert reports(r)["sipi.ap_starts"] == 2
    assert [c["end"] for c in r.doc["vcpus"]] == ["exit_port", "stopped", "stopped"]


def test_sipi_payload_alone_skips_itself(run, need_lapic):
    need_lapic("kernel")
    r = run("irq/ap-sipi")
    assert r.code == XC["OK"] and reports(r)["sipi.skipped"] == 1


def test_aps_waiting_for_sipi_need_a_lapic(kvm):
    """--irqchip none leaves no LAPIC to receive the INIT: refused before any vCPU runs."""
    r = run_kvmlab("run", payload("irq/ap-sipi"), "--vcpus", "2", "--irqchip", "none")
    assert r.code == XC["USAGE"] and "KVMLAB_FLAG_AP_SIPI" in r.err and r.err.count("\n") == 1


def test_kvmlab_started_aps_report_their_mp_states(run, need_lapic, require_cap):
    """Without the flag kvmlab makes the AP runnable itself (KVM_SET_MP_STATE); the JSON
    still shows the state KVM created it in."""
    need_lapic("kernel")
    require_cap("MP_STATE")
    r = run("irq/ipi", "--vcpus", "2")
    assert r.code == XC["OK"], (r.doc["result"]["detail"], r.err)
    assert [c["mp_state_created"] for c in r.doc["vcpus"]] == ["runnable", "uninitialized"]


def test_mp_states_are_null_without_a_lapic(run):
    r = run("cpu/smp-counter", "--vcpus", "2")
    assert [c["mp_state_created"] for c in r.doc["vcpus"]] == [None, None]
    assert [c["mp_state_final"] for c in r.doc["vcpus"]] == [None, None]


def test_level_interrupt_storm_is_stopped_by_the_watchdog(run, need_lapic, require_cap, expect):
    """A handler that EOIs a level interrupt without clearing its source: each EOI finds the
    pin asserted and kvmlab's IOAPIC sends again (82093AA datasheet 3.2.4), a storm through
    kvmlab that the watchdog ends.  Where KVM defers the EOI exit behind the emulated hlt
    (expectations area ioapic-eoi), the EOI never arrives and the vCPU sleeps instead;
    the watchdog ends that too."""
    need_lapic("split")
    require_cap("SIGNAL_MSI")
    r = run("hostile/ioapic-level-storm", "--timeout", "1")
    assert r.code == XC["TIMEOUT"] and r.end == "timeout", r.doc["result"]["detail"]
    a = r.doc["io"]["ioapic"]
    assert a["send_errors"] == 0
    row = expect("ioapic-eoi", "eoi-then-hlt")
    if row.value == "deferred":
        assert (a["messages"], a["eois"]) == (1, 0), row.why
        assert r.doc["result"]["mp_state"] == "halted"
    else:
        assert a["eois"] >= 1 and a["messages"] == a["eois"] + 1, row.why
