"""KVM's own binary statistics for a run (KVM_GET_STATS_FD, api.rst 4.133):
kvmlab reports per-vCPU and per-VM deltas next to its own counters."""
import pytest

HLT_PAYLOADS = ["hello-real", "hello-prot", "hello-long", "rep-outsb",
                "unclaimed-port", "unclaimed-mmio"]


def vcpu_stats(r):
    stats = r.doc["kvm_stats"]["vcpu"]
    if stats is None:
        pytest.skip("kvm_stats.vcpu is null: KVM_CAP_BINARY_STATS_FD absent (no per-vCPU stats fd)")
    return stats


@pytest.mark.parametrize("name", HLT_PAYLOADS)
def test_kvm_counts_at_least_the_exits_kvmlab_saw(run, name):
    r = run(name)
    # Every exit that reached kvmlab was a VM exit KVM counted; KVM may have
    # handled more in the kernel.
    assert vcpu_stats(r)["exits"] >= r.doc["exits"]["total"]


@pytest.mark.parametrize("name", HLT_PAYLOADS)
def test_kvm_counts_one_halt_exit(run, name):
    r = run(name)
    assert vcpu_stats(r)["halt_exits"] == 1


@pytest.mark.parametrize("name", HLT_PAYLOADS + ["triple-fault", "report"])
def test_kvm_stat_deltas_are_non_negative(run, name):
    r = run(name)
    for section in ("vcpu", "vm"):
        stats = r.doc["kvm_stats"][section]
        if stats is None:
            continue
        for stat, delta in stats.items():
            # An unsigned wrap (after < before) would show as a huge number.
            assert isinstance(delta, int) and 0 <= delta < 1 << 63, (section, stat, delta)


def test_no_halt_exit_without_hlt(run):
    r = run("report")          # ends through the exit port
    assert vcpu_stats(r)["halt_exits"] == 0
