"""CPUID and the hypervisor's identity (payloads/cpu/whoami.asm).

The guest's CPUID is KVM_GET_SUPPORTED_CPUID handed to KVM_SET_CPUID2, then
edited by --hide-hypervisor and --cpuid LEAF[.SUBLEAF]:REG=VALUE
(vmm/core/cpuid.c).  whoami reports what it reads; every override must change
exactly what it says and nothing else.
"""
import pytest

from conftest import XC, run_kvmlab

KVM_SIG = (0x4B4D564B, 0x564B4D56, 0x0000004D)        # "KVMK" "VMKV" "M\0\0\0"
VMWARE_SIG = (0x61774D56, 0x4D566572, 0x65726177)     # "VMwa" "reVM" "ware"
HV_REPORTS = ["hv.max_leaf", "hv.sig.ebx", "hv.sig.ecx", "hv.sig.edx", "hv.features"]

# The signature KVM answers at 0x40000000 (cpuid.rst; expect.def "cpuid-signature");
# KVM exposes CPUID.1:ECX[31] (the hypervisor bit) on every backend.
SIGNATURES = {"KVMKVMKVM": KVM_SIG}


@pytest.fixture
def whoami(run, require_cap):
    require_cap("EXT_CPUID")

    def _run(*opts):
        r = run("cpu/whoami", *opts)
        assert r.code == XC["OK"], r.err
        return r, {x["name"]: x["value"] for x in r.reports("value")}
    return _run


def host_cpuinfo():
    info = {}
    with open("/proc/cpuinfo") as f:
        for line in f:
            if ":" in line:
                k, v = (s.strip() for s in line.split(":", 1))
                info.setdefault(k, v)
    return info


def vendor(values):
    return b"".join(values[k].to_bytes(4, "little") for k in ("vendor.ebx", "vendor.edx", "vendor.ecx")).decode()


def test_default_guest_sees_kvm(whoami, expect):
    r, v = whoami()
    assert v["hypervisor_bit"] == 1
    assert v["leaf1.ecx"] >> 31 == 1
    row = expect("cpuid-signature", "guest")
    assert (v["hv.sig.ebx"], v["hv.sig.ecx"], v["hv.sig.edx"]) == SIGNATURES[row.value], row.why
    assert v["hv.max_leaf"] >= 0x40000001
    assert v["hv.features"] != 0                      # KVM_FEATURE_* bits (cpuid.rst)
    assert 'signature "KVMKVMKVM..."' in r.console
    assert "hypervisor: CPUID.1:ECX[31] = 1\n" in r.console
    assert r.console.endswith("verdict:    virtualized, by KVM\n")
    # CPUID is answered by KVM, never by kvmlab: no CPUID exit reaches user space.
    assert set(r.doc["exits"]["by_reason"]) <= {"IO", "HLT"}


def test_vendor_family_model_are_the_hosts(whoami):
    """KVM passes the host's identity through (the supported table is the host's)."""
    r, v = whoami()
    cpu = host_cpuinfo()
    assert vendor(v) == cpu["vendor_id"]
    assert v["family"] == int(cpu["cpu family"])
    assert v["model"] == int(cpu["model"])
    assert v["stepping"] == int(cpu["stepping"])
    assert f"vendor:     {cpu['vendor_id']}\n" in r.console


def test_hide_hypervisor_hides_bit_and_leaves_only(whoami):
    _, base = whoami()
    r, v = whoami("--hide-hypervisor")
    assert v["hypervisor_bit"] == 0
    assert v["leaf1.ecx"] == base["leaf1.ecx"] & ~(1 << 31)
    for k in HV_REPORTS:
        assert v[k] == 0, k
    for k in set(base) - set(HV_REPORTS) - {"hypervisor_bit", "leaf1.ecx"}:
        assert v[k] == base[k], k
    assert r.console.endswith("verdict:    no hypervisor visible\n")
    assert r.doc["config"]["hide_hypervisor"] is True


@pytest.mark.parametrize("opt,changed", [
    ("0x40000000:ebx=0x61774d56", {"hv.sig.ebx": 0x61774D56}),
    ("0x40000001:eax=0", {"hv.features": 0}),
    ("0x0:ebx=0x68747541", {"vendor.ebx": 0x68747541}),           # "Auth"
])
def test_cpuid_override_changes_exactly_what_it_says(whoami, opt, changed):
    _, base = whoami()
    r, v = whoami("--cpuid", opt)
    assert v == {**base, **changed}
    leaf, rest = opt.split(":")
    reg, value = rest.split("=")
    assert r.doc["config"]["cpuid"] == [{"leaf": int(leaf, 0), "subleaf": 0, "reg": reg, "value": int(value, 0)}]


def test_clearing_the_hypervisor_bit_by_hand(whoami):
    _, base = whoami()
    ecx = base["leaf1.ecx"] & ~(1 << 31)
    r, v = whoami("--cpuid", f"1:ecx={ecx:#x}")
    assert v["hypervisor_bit"] == 0 and v["leaf1.ecx"] == ecx
    # The KVM leaves still give it away: a guest should check both.
    assert (v["hv.sig.ebx"], v["hv.sig.ecx"], v["hv.sig.edx"]) == KVM_SIG
    assert r.console.endswith("verdict:    virtualized, by KVM\n")


def test_faking_another_hypervisor(whoami):
    sig = [f"0x40000000:{reg}={val:#x}" for reg, val in zip(("ebx", "ecx", "edx"), VMWARE_SIG)]
    r, v = whoami(*sum((["--cpuid", s] for s in sig), []))
    assert (v["hv.sig.ebx"], v["hv.sig.ecx"], v["hv.sig.edx"]) == VMWARE_SIG
    assert 'signature "VMwareVMware"' in r.console
    assert r.console.endswith("verdict:    virtualized, hypervisor unknown\n")


def test_override_after_hide_adds_the_leaf_back(whoami):
    r, v = whoami("--hide-hypervisor", "--cpuid", "0x40000000:ebx=0x61774d56")
    assert v["hv.sig.ebx"] == 0x61774D56
    assert v["hv.sig.ecx"] == v["hv.sig.edx"] == v["hv.max_leaf"] == 0
    assert v["hypervisor_bit"] == 0


@pytest.mark.parametrize("arg,msg", [
    ("1:esi=1", "register must be eax, ebx, ecx or edx"),
    ("1:eax=0x100000000", "value is not a 32-bit number"),
    ("0x100000000:eax=1", "leaf is not a 32-bit number"),
    ("1.x:eax=1", "subleaf is not a 32-bit number"),
    ("1eax=1", "expected LEAF[.SUBLEAF]:REG=VALUE"),
    ("-1:eax=1", "leaf is not a 32-bit number"),
])
def test_bad_cpuid_option_is_a_usage_error(arg, msg):
    r = run_kvmlab("run", "cpu/whoami", "--cpuid", arg)
    assert r.code == XC["USAGE"]
    assert r.out == ""
    assert len(r.err.splitlines()) == 1 and msg in r.err


def test_same_register_twice_is_a_usage_error():
    r = run_kvmlab("run", "cpu/whoami", "--cpuid", "1:ecx=0", "--cpuid", "0x1.0:ECX=1")
    assert r.code == XC["USAGE"]
    assert "given twice" in r.err


# ---- labs/cpuid.md: its commands, and every claim it makes ----
VMWARE_ARGS = ["--cpuid", "0x40000000:ebx=0x61774d56", "--cpuid", "0x40000000:ecx=0x4d566572",
               "--cpuid", "0x40000000:edx=0x65726177"]


def lab_run(*args):
    r = run_kvmlab("run", "cpu/whoami", "--quiet", *args)
    assert r.code == XC["OK"], r.err
    return r.out


def test_lab_step1_default(kvm, require_cap):
    require_cap("EXT_CPUID")
    out = lab_run()
    cpu = host_cpuinfo()
    assert out.startswith(f"vendor:     {cpu['vendor_id']}\n")
    assert f"family:     {int(cpu['cpu family']):#x} model {int(cpu['model']):#x} stepping {int(cpu['stepping']):#x}\n" in out
    assert "hypervisor: CPUID.1:ECX[31] = 1\n" in out
    assert 'signature "KVMKVMKVM..."' in out
    assert "features eax=0x0\n" not in out
    assert out.endswith("verdict:    virtualized, by KVM\n")


def test_lab_step2_hidden(kvm, require_cap):
    require_cap("EXT_CPUID")
    out = lab_run("--hide-hypervisor")
    assert lab_run().splitlines()[:2] == out.splitlines()[:2]      # vendor, family/model unchanged
    assert "hypervisor: CPUID.1:ECX[31] = 0\n" in out
    assert '0x40000000: max leaf 0x0, signature "............"\n' in out
    assert "0x40000001: features eax=0x0\n" in out
    assert out.endswith("verdict:    no hypervisor visible\n")


def test_lab_step3_bit_alone_is_not_enough(kvm, require_cap):
    require_cap("EXT_CPUID")
    out = lab_run("--cpuid", "1:ecx=0")
    assert "hypervisor: CPUID.1:ECX[31] = 0\n" in out
    assert 'signature "KVMKVMKVM..."' in out
    assert out.endswith("verdict:    virtualized, by KVM\n")


def test_lab_step4_fake_vmware(kvm, require_cap):
    require_cap("EXT_CPUID")
    out = lab_run(*VMWARE_ARGS)
    assert 'signature "VMwareVMware"' in out
    assert out.endswith("verdict:    virtualized, hypervisor unknown\n")


def test_lab_step5_typo_and_json(kvm, require_cap):
    require_cap("EXT_CPUID")
    r = run_kvmlab("run", "cpu/whoami", "--cpuid", "1:exx=0")
    assert r.code == XC["USAGE"] and "register must be eax, ebx, ecx or edx" in r.err
    r = run_kvmlab("run", "cpu/whoami", "--json", "--hide-hypervisor", json_out=True)
    assert r.code == XC["OK"]
    assert r.doc["config"]["hide_hypervisor"] is True
    assert r.report("hypervisor_bit")["value"] == 0
    # No CPUID reached kvmlab: console, reports, hlt.
    assert set(r.doc["exits"]["by_reason"]) == {"IO", "HLT"}
    assert {p["port"] for p in r.doc["exits"]["ports"]} == {0xE9, 0xF0}


def test_lab_step6_host_is_a_vm(host_info):
    r = run_kvmlab("info", "--no-calibrate")
    assert r.code == XC["OK"]
    want = "yes (CPUID hypervisor bit set): nested virtualization" if host_info["host"]["host_is_guest"] else "no"
    assert f"host is a VM:     {want}\n" in r.out


# One override per kind of leaf kvmlab lets users edit, read back at CPL 0 by
# cpu/cpuid-leaf (--arg = subleaf << 32 | leaf).  expect.def "cpuid-set" says
# where the host replaces a leaf after KVM_SET_CPUID2 (a strict xfail naming
# its row); kvmlab must then warn on stderr, and only then.
MARK = 0x4C4D564B
LEAF_KINDS = {
    "basic": (0x0, 0, "ebx", MARK),
    "indexed": (0x7, 0, "ecx", 0),                  # leaf 7 has subleaves (KVM_CPUID_FLAG_SIGNIFCANT_INDEX)
    "extended": (0x80000002, 0, "eax", MARK),       # brand string
    "hypervisor": (0x40000000, 0, "ebx", MARK),
    "added": (0x40000100, 0, "eax", MARK),           # not in KVM's table: kvmlab adds it
}


@pytest.mark.parametrize("kind", LEAF_KINDS)
def test_every_leaf_kind_can_be_overridden(run, require_cap, expect, request, kind):
    require_cap("EXT_CPUID")
    leaf, sub, reg, value = LEAF_KINDS[kind]
    row = expect("cpuid-set", f"{leaf:#x}.{sub}")
    r = run("cpu/cpuid-leaf", "--arg", sub << 32 | leaf, "--cpuid", f"{leaf:#x}.{sub}:{reg}={value:#x}")
    assert r.code == XC["OK"], r.err
    held = r.report(reg)["value"] == value
    assert ("does not hold" in r.err) == (not held)     # kvmlab's warning tells the truth
    expect.xfail_host_bug(request, "cpuid-set", f"{leaf:#x}.{sub}")
    assert held, row.why


def test_cpuid_at_cpl3_warning(kvm, expect):
    """--cpuid warns exactly where guest CPL-3 CPUID bypasses the table (expect.def "cpuid-table")."""
    r = run_kvmlab("run", "cpu/whoami", "--cpuid", "0:ebx=0x4c4d564b", "--quiet")
    assert r.code == XC["OK"]
    row = expect("cpuid-table", "cpl3")
    assert ("hold at CPL 0 only" in r.err) == (row.value == "host"), row.why
    r = run_kvmlab("run", "cpu/whoami", "--quiet")
    assert "warning" not in r.err
