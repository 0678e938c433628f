"""Facts about other hypervisors' interfaces, VMX, NUMA and passthrough
(vmm/core/facts_hv.c, facts_platform.c; docs/backends.md, "Host facts").

Each fact is checked against the same source read independently here:
KVM_CHECK_EXTENSION through Python's ioctl, sysfs and /dev listings.
"""
import fcntl
import os

import pytest

from conftest import XC, run_kvmlab

KVM_CHECK_EXTENSION = 0xAE03                    # _IO(KVMIO 0xAE, 0x03), api.rst
KVM_CAP_XEN_HVM = 38
KVM_CAP_GET_MSR_FEATURES = 153
KVM_CAP_HYPERV_CPUID = 167
KVM_CAP_SYS_HYPERV_CPUID = 191


def check_extension(cap):
    with open("/dev/kvm", "rb", buffering=0) as f:
        return fcntl.ioctl(f.fileno(), KVM_CHECK_EXTENSION, cap)


def test_xen_hvm_fact_is_the_capability(kvm, facts):
    flags = check_extension(KVM_CAP_XEN_HVM)
    assert facts["xen.hvm"] is (flags > 0)
    assert facts["xen.hvm.flags"] == max(flags, 0)


def test_hyperv_cpuid_fact_follows_the_capabilities(kvm, facts):
    offered = check_extension(KVM_CAP_SYS_HYPERV_CPUID) > 0 or check_extension(KVM_CAP_HYPERV_CPUID) > 0
    assert facts["hyperv.cpuid"] is offered
    if not offered:
        assert facts["hyperv.cpuid.leaves"] == 0
        return
    # KVM's Hyper-V leaves (api.rst, KVM_GET_SUPPORTED_HV_CPUID): vendor leaf first, "Linux KVM Hv".
    assert facts["hyperv.cpuid.leaves"] > 0
    assert facts["hyperv.cpuid.max_leaf"] >= 0x40000005
    assert facts["hyperv.cpuid.vendor"] == "Linux KVM Hv"


def test_vmx_msrs_only_where_kvm_offers_nested_vmx(kvm, facts):
    if check_extension(KVM_CAP_GET_MSR_FEATURES) <= 0:
        assert facts["vmx.msrs"] == 0
        return
    assert facts["msr_features"] > 0
    # The kvm_intel module's nested parameter exists only where that module is loaded.
    nested = facts.get("param.kvm_intel.nested") in ("Y", "1")
    if not nested:
        assert facts["vmx.msrs"] == 0           # VMX MSRs are listed only for nested VMX
        return
    assert facts["vmx.msrs"] > 0
    basic = int(facts["msr.vmx_basic"], 16)
    # SDM Vol. 3D Appendix A.1: bits 44:32 are the VMCS region size, at most 4096 bytes;
    # bit 31 is always 0.
    assert 0 < (basic >> 32) & 0x1FFF <= 4096
    assert not basic & (1 << 31)


def test_numa_nodes_fact_is_sysfs(facts):
    nodes = [d for d in os.listdir("/sys/devices/system/node") if d.startswith("node") and d[4:].isdigit()] \
        if os.path.isdir("/sys/devices/system/node") else []
    assert facts["numa.nodes"] == (len(nodes) or None)


def test_passthrough_facts_are_sysfs_and_dev(facts):
    assert facts["vfio"] is os.path.exists("/dev/vfio/vfio")
    groups = os.listdir("/sys/kernel/iommu_groups") if os.path.isdir("/sys/kernel/iommu_groups") else []
    assert facts["iommu.groups"] == len(groups)
    units = os.listdir("/sys/class/iommu") if os.path.isdir("/sys/class/iommu") else []
    assert facts["iommu.units"] == len(units)
    if facts["vfio"] or groups:
        # VFIO hands a group to user space only behind an IOMMU (Documentation/driver-api/vfio.rst).
        assert groups


def test_numa_node_binds_guest_ram(kvm, facts):
    r = run_kvmlab("run", "hello-long", "--numa-node", "0", "--json", json_out=True)
    assert r.code == XC["OK"], r.err
    n = r.doc["memory"]["numa"]
    assert (n["node"], n["policy"]) == (0, "bind")
    assert n["pages_resident"] > 0
    assert n["pages_on_node"] == n["pages_resident"]        # MPOL_BIND: every page on the node


def test_numa_node_that_does_not_exist(kvm, facts):
    missing = facts["numa.nodes"] or 1                     # nodes 0..N-1 exist on a packed host
    if os.path.exists(f"/sys/devices/system/node/node{missing}"):
        pytest.skip("node numbering has holes here")
    r = run_kvmlab("run", "hello-long", "--numa-node", str(missing))
    assert r.code == XC["USAGE"] and "not a NUMA node" in r.err and r.err.count("\n") == 1


def test_numa_node_refuses_the_sandbox(kvm):
    r = run_kvmlab("run", "hello-long", "--numa-node", "0", "--sandbox")
    assert r.code == XC["USAGE"] and "--sandbox" in r.err
